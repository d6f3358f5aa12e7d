/**
 * Request and response schema pieces shared by the route modules (TypeBox, so that validation,
 * types and the OpenAPI document come from one definition).
 *
 * @module
 */
import { Type } from 'typebox';

/** The error envelope every `/v1` and `/admin/v1` error response has (errors.ts). */
export const ErrorResponse = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String() }),
});

/** A calendar date, `YYYY-MM-DD`. */
export const DateString = (description: string) =>
  Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description, examples: ['2020-08-07'] });

/**
 * Body of the endpoints that make a case from a contact (recursive case, confirmed case): every
 * field optional, defaulting to the contact's case (`caseFieldsFromParent`).
 */
export const CaseFromContactRequest = Type.Object(
  {
    provinceCode: Type.Optional(
      Type.String({ pattern: '^[0-9]{2}$', description: 'default: the contact’s case’s' }),
    ),
    districtCode: Type.Optional(Type.Union([Type.String({ pattern: '^[0-9]{3}$' }), Type.Null()])),
    symptomDate: Type.Optional(Type.Union([DateString('first day of symptoms, if any'), Type.Null()])),
    testDate: Type.Optional(DateString('default: today in Vietnam')),
  },
  { additionalProperties: false },
);
