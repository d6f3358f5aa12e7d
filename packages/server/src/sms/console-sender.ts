/**
 * The development SMS adapter: writes each message to stdout as one JSON line
 * (`{"type":"sms","to","text","sentAt"}`), so that a developer can read the code. It writes to
 * the stream directly, never through the structured logger, which must not carry codes.
 *
 * @module
 */
import type { SmsSender } from './sms-sender.js';

/** Something lines can be written to (default `process.stdout`). */
export interface LineSink {
  write(line: string): unknown;
}

/** An adapter that prints messages to `out`. */
export function consoleSmsSender(now: () => number, out: LineSink = process.stdout): SmsSender {
  return {
    send: async (to, text) => {
      out.write(`${JSON.stringify({ type: 'sms', to, text, sentAt: new Date(now()).toISOString() })}\n`);
    },
  };
}
