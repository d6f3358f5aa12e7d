/**
 * The file SMS adapter: appends each message to a file as one JSON line
 * (`{"to","text","sentAt"}`), creating the file and its directory if needed. Tests and demos
 * read the codes from it.
 *
 * @module
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SmsDeliveryError, type SmsSender } from './sms-sender.js';

/** One line of the file. */
export interface SmsFileRecord {
  readonly to: string;
  readonly text: string;
  /** ISO 8601 time of sending. */
  readonly sentAt: string;
}

/** An adapter that appends messages to `path`. */
export function fileSmsSender(path: string, now: () => number): SmsSender {
  let ready: Promise<unknown> | undefined;
  return {
    send: async (to, text) => {
      const record: SmsFileRecord = { to, text, sentAt: new Date(now()).toISOString() };
      try {
        ready ??= mkdir(dirname(path), { recursive: true });
        await ready;
        await appendFile(path, `${JSON.stringify(record)}\n`, 'utf8');
      } catch (error) {
        ready = undefined;
        const reason = error instanceof Error ? error.message : String(error);
        throw new SmsDeliveryError(`cannot append to the SMS file: ${reason}`, { cause: error });
      }
    },
  };
}
