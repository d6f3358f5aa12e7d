/**
 * The SMS adapter that `BLUEZONE_SMS` names: `console`, `file:PATH` or `http:URL`.
 *
 * @module
 */
import type { SmsTarget } from '../config.js';
import { consoleSmsSender } from './console-sender.js';
import { fileSmsSender } from './file-sender.js';
import { httpSmsSender } from './http-sender.js';
import type { SmsSender } from './sms-sender.js';

/** Builds the adapter for `target`; `now` stamps the console and file records. */
export function createSmsSender(target: SmsTarget, now: () => number = Date.now): SmsSender {
  switch (target.kind) {
    case 'console':
      return consoleSmsSender(now);
    case 'file':
      return fileSmsSender(target.path, now);
    case 'http':
      return httpSmsSender(target.url);
  }
}
