/**
 * `POST /v1/phone/otp` and `POST /v1/phone/verify`: registration of the install's phone number
 * by SMS one-time code, authenticated with the device token. See {@link requestCode} and
 * {@link verifyCode} for the rules, docs/api.md for the contract.
 *
 * @module
 */
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { RouteModule } from '../../app.js';
import { authenticateDevice } from '../../auth.js';
import { ErrorResponse } from '../../schemas.js';
import type { InstallRow } from '../installs/installs.repository.js';
import { OTP_POLICY, requestCode, verifyCode } from './phones.service.js';

const PhoneNumberField = Type.String({
  minLength: 1,
  maxLength: 32,
  description:
    'Vietnamese mobile number: 0 and 9 digits, 84 or +84 and 9 digits, or an old 11-digit 01… number; spaces, dots and dashes are ignored',
  examples: ['0912345678', '+84 912 345 678'],
});

export const OtpRequest = Type.Object({ phoneNumber: PhoneNumberField }, { additionalProperties: false });

export const OtpResponse = Type.Object({
  expiresInSeconds: Type.Integer({ description: 'The code is valid this long' }),
  resendAfterSeconds: Type.Integer({
    description: 'A new code for this number can be asked after this long',
  }),
  codeLength: Type.Integer({ description: 'Digits of the code' }),
});

export const VerifyRequest = Type.Object(
  {
    phoneNumber: PhoneNumberField,
    code: Type.String({
      pattern: `^[0-9]{${OTP_POLICY.codeDigits}}$`,
      description: `The ${OTP_POLICY.codeDigits}-digit code from the SMS`,
      examples: ['123456'],
    }),
  },
  { additionalProperties: false },
);

export const VerifyResponse = Type.Object({
  phoneNumber: Type.String({ description: 'The verified number, E.164' }),
  carrier: Type.Union([Type.String(), Type.Null()], {
    description: 'Carrier ID from the prefix, null if unknown',
  }),
  carrierName: Type.String({ description: 'Carrier name; "Khác" (other) if unknown' }),
});

const errors = { 400: ErrorResponse, 401: ErrorResponse, 429: ErrorResponse, 503: ErrorResponse };

export const phoneRoutes: RouteModule = (app, ctx) => {
  // Authenticate before the body is even parsed: without a valid device token the answer is 401,
  // whatever was sent. The install is handed to the handler through this map.
  const installs = new WeakMap<object, InstallRow>();
  const onRequest = async (request: FastifyRequest) => {
    installs.set(request, await authenticateDevice(ctx, request));
  };
  const installOf = (request: FastifyRequest): InstallRow => {
    const install = installs.get(request);
    if (!install) throw new Error('the device was not authenticated (onRequest hook missing)');
    return install;
  };

  app.post(
    '/v1/phone/otp',
    {
      schema: {
        tags: ['device'],
        summary: 'Send a one-time code to a phone number by SMS',
        security: [{ deviceToken: [] }],
        body: OtpRequest,
        response: { 200: OtpResponse, ...errors },
      },
      onRequest,
    },
    async (request) =>
      requestCode(ctx, installOf(request), request.body.phoneNumber, request.ip, request.log),
  );
  app.post(
    '/v1/phone/verify',
    {
      schema: {
        tags: ['device'],
        summary: "Verify the code and register the install's phone number",
        security: [{ deviceToken: [] }],
        body: VerifyRequest,
        response: { 200: VerifyResponse, ...errors },
      },
      onRequest,
    },
    async (request) => verifyCode(ctx, installOf(request), request.body.phoneNumber, request.body.code),
  );
};
