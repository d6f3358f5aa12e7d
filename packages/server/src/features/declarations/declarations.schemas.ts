/**
 * Request and response schemas of health declarations (TypeBox: validation, types and the
 * OpenAPI document from one definition). Field-level checks that need reference data or the
 * clock (admin units, airports, border gates, countries, dates) are in declarations.service.ts.
 *
 * @module
 */
import { type Static, Type } from 'typebox';
import { DateString } from '../../schemas.js';

/** Symptoms a declaration or daily report can list (the Ministry of Health form's list). */
export const SYMPTOMS = [
  'fever',
  'cough',
  'shortness_of_breath',
  'sore_throat',
  'fatigue',
  'loss_of_taste_or_smell',
  'muscle_pain',
  'diarrhoea',
] as const;

const Symptoms = Type.Array(Type.Enum([...SYMPTOMS]), {
  maxItems: SYMPTOMS.length,
  uniqueItems: true,
  description: `symptoms now or in the last 14 days; empty = none (${SYMPTOMS.join(', ')})`,
});

const Text = (maxLength: number, description: string) =>
  Type.String({ minLength: 1, maxLength, pattern: '\\S', description });

const ProvinceCode = Type.String({ pattern: '^[0-9]{2}$', description: 'GSO province code' });
const DistrictCode = Type.String({ pattern: '^[0-9]{3}$', description: 'GSO district code' });

const Address = Type.Object(
  {
    provinceCode: ProvinceCode,
    districtCode: DistrictCode,
    street: Text(200, 'house number, street, ward'),
  },
  { additionalProperties: false },
);

const Person = {
  fullName: Text(100, 'full name as on the identity document'),
  yearOfBirth: Type.Integer({ minimum: 1900, maximum: 2100, description: 'not in the future' }),
  gender: Type.Optional(Type.Enum(['male', 'female', 'other'])),
};

/** Body of `POST /v1/declarations/domestic`. */
export const DomesticDeclarationRequest = Type.Object(
  {
    ...Person,
    address: Address,
    symptoms: Symptoms,
    contactWithConfirmedCase: Type.Boolean({
      description: 'close contact with a confirmed case (F0) in the last 14 days',
    }),
    contactWithSuspectedCase: Type.Boolean({
      description: 'close contact with a suspected case in the last 14 days',
    }),
    contactWithArrival: Type.Boolean({
      description:
        'close contact with someone who arrived from abroad or an outbreak area in the last 14 days',
    }),
    places: Type.Array(
      Type.Object(
        {
          date: DateString('the day, within the last 14 days'),
          provinceCode: ProvinceCode,
          districtCode: Type.Optional(DistrictCode),
          description: Type.Optional(Text(200, 'the place, e.g. a market or a hospital')),
        },
        { additionalProperties: false },
      ),
      { maxItems: 30, description: 'places visited in the last 14 days' },
    ),
    travel: Type.Array(
      Type.Object(
        {
          date: DateString('the day of travel, within the last 14 days'),
          fromProvinceCode: ProvinceCode,
          toProvinceCode: ProvinceCode,
          means: Type.Enum(['air', 'train', 'bus', 'car', 'motorbike', 'ship', 'other']),
          reference: Type.Optional(Text(40, 'flight, train or vehicle number')),
        },
        { additionalProperties: false },
      ),
      { maxItems: 20, description: 'journeys between provinces in the last 14 days' },
    ),
  },
  { additionalProperties: false },
);

/** Body of `POST /v1/declarations/entry` (arrivals from abroad). */
export const EntryDeclarationRequest = Type.Object(
  {
    ...Person,
    nationality: Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2' }),
    document: Type.Object(
      {
        type: Type.Enum(['passport', 'id_card', 'other']),
        number: Type.String({ pattern: '^[A-Z0-9]{5,20}$', description: 'upper-case letters and digits' }),
      },
      { additionalProperties: false },
    ),
    arrival: Type.Object(
      {
        date: DateString('day of arrival in Vietnam: at most 14 days ago or 7 days ahead'),
        by: Type.Enum(['air', 'land']),
        flightNumber: Type.Optional(
          Type.String({ pattern: '^[A-Z0-9]{2}[0-9]{1,4}[A-Z]?$', description: 'e.g. VN0051; by air' }),
        ),
        airport: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$', description: 'IATA code; by air' })),
        borderGate: Type.Optional(
          Type.String({ pattern: '^BG-[A-Z-]{2,30}$', description: 'border gate code; by land' }),
        ),
        fromCountry: Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2 of departure' }),
      },
      { additionalProperties: false },
    ),
    countriesVisited: Type.Array(Type.String({ pattern: '^[A-Z]{2}$' }), {
      maxItems: 30,
      uniqueItems: true,
      description: 'countries visited in the last 14 days (ISO 3166-1 alpha-2)',
    }),
    stay: Type.Object(
      {
        kind: Type.Enum(['quarantine_facility', 'home', 'hotel', 'other']),
        ...Address.properties,
      },
      { additionalProperties: false },
    ),
    symptoms: Symptoms,
  },
  { additionalProperties: false },
);

export type DomesticDeclarationInput = Static<typeof DomesticDeclarationRequest>;
export type EntryDeclarationInput = Static<typeof EntryDeclarationRequest>;

/** Body of `POST /v1/declarations/daily-reports`. */
export const DailyReportRequest = Type.Object(
  {
    day: DateString('the day reported: today or yesterday in Vietnam'),
    symptoms: Symptoms,
    temperatureCelsius: Type.Optional(Type.Number({ minimum: 30, maximum: 45 })),
    note: Type.Optional(Text(500, 'anything else')),
  },
  { additionalProperties: false },
);
export type DailyReportInput = Static<typeof DailyReportRequest>;

/** A declaration's status. */
export const DECLARATION_STATUSES = ['declared', 'monitoring', 'cleared', 'revoked'] as const;
export type DeclarationStatus = (typeof DECLARATION_STATUSES)[number];

/** What the device gets back, and the non-personal summary of list items. */
export const DeclarationSummary = Type.Object({
  declarationId: Type.String(),
  kind: Type.String({ description: 'domestic or entry' }),
  status: Type.String({ description: 'declared, monitoring, cleared or revoked' }),
  provinceCode: Type.String(),
  districtCode: Type.Union([Type.String(), Type.Null()]),
  declaredOn: Type.String({ description: 'YYYY-MM-DD, Vietnam' }),
  declaredAt: Type.String(),
  validUntil: Type.String({ description: 'until when the declaration counts for QR codes and partners' }),
  monitoringUntil: Type.Union([Type.String(), Type.Null()]),
  source: Type.String({ description: 'device, or partner:<id>' }),
});
