/**
 * Helpers of the declaration, QR and partner suites: valid bodies of each kind, device requests
 * with a device token, admin requests, partners registered through the admin API.
 */
import type { LightMyRequestResponse as Response } from 'fastify';
import type { ContactsTestApp } from './contacts-helpers.js';

/** A valid domestic declaration at the test clock's day (2020-08-08 in Vietnam). */
export function domesticBody(overrides: Record<string, unknown> = {}) {
  return {
    fullName: 'Nguyễn Văn An',
    yearOfBirth: 1985,
    gender: 'male',
    address: { provinceCode: '79', districtCode: '760', street: '12 Lê Lợi, phường Bến Nghé' },
    symptoms: [],
    contactWithConfirmedCase: false,
    contactWithSuspectedCase: false,
    contactWithArrival: false,
    places: [{ date: '2020-08-05', provinceCode: '01', districtCode: '001', description: 'chợ Long Biên' }],
    travel: [
      { date: '2020-08-04', fromProvinceCode: '01', toProvinceCode: '79', means: 'air', reference: 'VN213' },
    ],
    ...overrides,
  };
}

/** A valid entry declaration (arrival by air at SGN on the clock's day). */
export function entryBody(overrides: Record<string, unknown> = {}) {
  return {
    fullName: 'John Smith',
    yearOfBirth: 1980,
    nationality: 'GB',
    document: { type: 'passport', number: 'P1234567' },
    arrival: { date: '2020-08-08', by: 'air', flightNumber: 'VN0050', airport: 'SGN', fromCountry: 'GB' },
    countriesVisited: ['GB', 'FR'],
    stay: {
      kind: 'quarantine_facility',
      provinceCode: '79',
      districtCode: '760',
      street: 'Khu cách ly tập trung số 3',
    },
    symptoms: [],
    ...overrides,
  };
}

/** A request with a device token. */
export function deviceRequest(
  t: ContactsTestApp,
  token: string,
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  body?: unknown,
): Promise<Response> {
  return t.app.inject({
    method,
    url,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
}

/** A request with an API key (`x-api-key`) and optional extra headers. */
export function keyRequest(
  t: ContactsTestApp,
  key: string | undefined,
  method: 'GET' | 'POST',
  url: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<Response> {
  return t.app.inject({
    method,
    url,
    headers: {
      ...(key === undefined ? {} : { 'x-api-key': key }),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    ...(options.body === undefined ? {} : { payload: JSON.stringify(options.body) }),
  });
}

/** A declaration made by `token`'s install; throws unless 201. */
export async function declare(
  t: ContactsTestApp,
  token: string,
  kind: 'domestic' | 'entry' = 'domestic',
  body: unknown = kind === 'domestic' ? domesticBody() : entryBody(),
): Promise<{ declarationId: string; status: string; kind: string; monitoringUntil: string | null }> {
  const r = await deviceRequest(t, token, 'POST', `/v1/declarations/${kind}`, body);
  if (r.statusCode !== 201) throw new Error(`declare: ${r.statusCode} ${r.body}`);
  return r.json();
}

/** A registered partner. */
export interface TestPartner {
  readonly partnerId: string;
  readonly apiKey: string;
  readonly apiKeyId: string;
  readonly webhookSecret: string | null;
}

/** Registers a partner through the admin API. */
export async function addPartner(
  t: ContactsTestApp,
  scopes: readonly string[] = ['status:read', 'declarations:read', 'declarations:write'],
  webhookUrl: string | null = null,
  name = 'NCOVI',
): Promise<TestPartner> {
  const r = await keyRequest(t, t.keys.admin, 'POST', '/admin/v1/partners', {
    body: { name, scopes, webhookUrl },
  });
  if (r.statusCode !== 201) throw new Error(`partner: ${r.statusCode} ${r.body}`);
  return r.json();
}

/** A consent token issued by `token`'s install for `partnerId`; throws unless 201. */
export async function consentFor(
  t: ContactsTestApp,
  token: string,
  partnerId: string,
  scopes: readonly string[] = ['status:read'],
  days?: number,
): Promise<{ consentId: string; consentToken: string; expiresAt: string }> {
  const r = await deviceRequest(t, token, 'POST', '/v1/consents', {
    partnerId,
    scopes,
    ...(days === undefined ? {} : { days }),
  });
  if (r.statusCode !== 201) throw new Error(`consent: ${r.statusCode} ${r.body}`);
  return r.json();
}

/** The error code and status of a response. */
export const errorOf = (r: Response) => ({
  status: r.statusCode,
  code: (r.json() as { error?: { code?: string } }).error?.code,
});
