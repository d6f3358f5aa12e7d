/**
 * The text of the one-time-code SMS, in the install's language (Vietnamese by default). One
 * message fits one UCS-2 SMS segment (70 characters) in Vietnamese.
 *
 * @module
 */

/** The SMS that carries `code`, valid for `minutes`, in `locale` (`en`, else Vietnamese). */
export function otpMessage(locale: string, code: string, minutes: number): string {
  if (locale === 'en')
    return `Your Bluezone verification code is ${code}. It is valid for ${minutes} minutes.`;
  return `Mã xác thực Bluezone của bạn là ${code}. Mã có hiệu lực trong ${minutes} phút.`;
}
