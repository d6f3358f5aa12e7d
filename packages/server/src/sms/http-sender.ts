/**
 * The SMS gateway adapter: POSTs `{"to", "text"}` as JSON to the configured URL and expects a 2xx
 * answer within the timeout. Credentials in the URL (`https://user:secret@gateway/sms`) are sent
 * as HTTP Basic authentication. There is no retry: the caller answers 503 and the app asks again.
 *
 * @module
 */
import { SmsDeliveryError, type SmsSender } from './sms-sender.js';

/** How long to wait for the gateway, ms. */
export const SMS_GATEWAY_TIMEOUT_MS = 5000;

/** An adapter that posts messages to `url`. */
export function httpSmsSender(url: string, timeoutMs: number = SMS_GATEWAY_TIMEOUT_MS): SmsSender {
  const target = new URL(url);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (target.username || target.password) {
    const user = decodeURIComponent(target.username);
    const password = decodeURIComponent(target.password);
    headers['authorization'] = `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
    target.username = '';
    target.password = '';
  }
  const endpoint = target.toString();
  return {
    send: async (to, text) => {
      let response: Response;
      try {
        response = await fetch(endpoint, {
          method: 'POST',
          headers,
          body: JSON.stringify({ to, text }),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        const timedOut = error instanceof Error && error.name === 'TimeoutError';
        throw new SmsDeliveryError(
          timedOut
            ? `the SMS gateway did not answer within ${timeoutMs} ms`
            : 'the SMS gateway cannot be reached',
          { cause: error },
        );
      }
      // Drain the body so that the connection can be reused.
      await response.arrayBuffer().catch(() => undefined);
      if (!response.ok) throw new SmsDeliveryError(`the SMS gateway answered HTTP ${response.status}`);
    },
  };
}
