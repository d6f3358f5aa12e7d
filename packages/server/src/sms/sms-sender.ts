/**
 * The SMS port: how one-time codes leave the server. Adapters: `console` (development: prints the
 * message for the developer), `file` (JSON lines, for tests and demos), `http` (an SMS gateway),
 * `memory` (in-process, for tests and simulations). `BLUEZONE_SMS` chooses one (see
 * {@link createSmsSender}); tests inject their own through `AppDeps.sms`.
 *
 * @module
 */

/** Sends text messages. */
export interface SmsSender {
  /**
   * Sends `text` to `to` (E.164, e.g. `+84912345678`). Resolves once the message is handed over;
   * rejects (preferably with {@link SmsDeliveryError}) when it could not be.
   */
  send(to: string, text: string): Promise<void>;
}

/**
 * A message could not be handed over. Its message never contains the recipient or the text, so
 * it may be logged.
 */
export class SmsDeliveryError extends Error {
  override readonly name = 'SmsDeliveryError';
}
