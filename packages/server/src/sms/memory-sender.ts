/**
 * The in-memory SMS adapter: keeps every message in a list. For tests and simulations.
 *
 * @module
 */
import type { SmsSender } from './sms-sender.js';

/** A message kept by {@link memorySmsSender}. */
export interface SentSms {
  readonly to: string;
  readonly text: string;
}

/** An in-memory adapter, with what it was asked to send. */
export interface MemorySmsSender extends SmsSender {
  /** Every message, oldest first. */
  readonly sent: readonly SentSms[];
  /** The most recent message to `to`, if any. */
  lastTo(to: string): SentSms | undefined;
}

/** An adapter that keeps messages in memory. */
export function memorySmsSender(): MemorySmsSender {
  const sent: SentSms[] = [];
  return {
    sent,
    send: async (to, text) => {
      sent.push({ to, text });
    },
    lastTo: (to) => {
      for (let i = sent.length - 1; i >= 0; i--) if (sent[i]!.to === to) return sent[i];
      return undefined;
    },
  };
}
