/**
 * The one typed client of the server's API (docs/api.md). Calls go to the same origin with the
 * session cookie (`bz_session`, path /admin/v1); every state-changing call carries the session's
 * CSRF token in `X-CSRF-Token` (returned by `POST`/`GET /admin/v1/session`). Every failure
 * becomes an {@link ApiError} with the server's `{error: {code, message}}`.
 */

/** A failed call: the server's error code and message (or a network failure). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds from Retry-After, when the server sent it. */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

let csrfToken = '';
let onUnauthorized: (() => void) | undefined;

/** Called when a call answers 401 (the session ended): the app shows the login page. */
export function setUnauthorizedHandler(handler: (() => void) | undefined): void {
  onUnauthorized = handler;
}

type Query = Readonly<Record<string, string | number | undefined | null | false>>;

function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '' && value !== false)
      params.set(name, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

async function call<T>(
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
  options: { silent401?: boolean } = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new ApiError(0, 'network', error instanceof Error ? error.message : String(error));
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!response.ok) throw failure(response, json, options.silent401);
  return json as T;
}

/** The {@link ApiError} of a failed response (the server's envelope, else the status); a 401 ends the session. */
function failure(response: Response, json: unknown, silent401 = false): ApiError {
  const envelope = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const code = typeof envelope?.code === 'string' ? envelope.code : `http_${response.status}`;
  const message =
    typeof envelope?.message === 'string' ? envelope.message : `${response.status} ${response.statusText}`;
  const retry = Number(response.headers.get('retry-after'));
  if (response.status === 401 && !silent401) onUnauthorized?.();
  return new ApiError(
    response.status,
    code,
    message,
    Number.isFinite(retry) && retry > 0 ? retry : undefined,
  );
}

// ---- Statistics and reports: the typed calls are in src/stats-api.ts ----

export { call as apiCall, withQuery };

/**
 * A call whose body or answer is not JSON: a CSV upload (`body.text` sent as `body.type`) answered
 * with JSON, or a JSON request answered with a file (`answer: 'blob'`). Same cookie, CSRF token,
 * error envelope and 401 handling as the JSON calls.
 */
export async function callRaw<T>(
  path: string,
  body: { readonly text: string; readonly type: string },
  answer: 'json' | 'blob',
): Promise<T> {
  const headers: Record<string, string> = {
    accept: answer === 'json' ? 'application/json' : '*/*',
    'content-type': body.type,
  };
  if (csrfToken) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(path, { method: 'POST', headers, credentials: 'same-origin', body: body.text });
  } catch (error) {
    throw new ApiError(0, 'network', error instanceof Error ? error.message : String(error));
  }
  if (response.ok && answer === 'blob') return (await response.blob()) as T;
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!response.ok) throw failure(response, json);
  return json as T;
}

// ---- Sessions and users ----

export type UserRole = 'national_admin' | 'province_admin' | 'health_officer' | 'viewer';

export interface User {
  readonly id: string;
  readonly username: string;
  readonly role: UserRole;
  readonly provinceCode: string | null;
  readonly districtCodes: string[] | null;
  readonly disabled: boolean;
  readonly lockedUntil: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface Session {
  readonly user: User;
  readonly csrfToken: string;
  readonly expiresAt: string;
}

export async function login(username: string, password: string): Promise<Session> {
  const session = await call<Session>(
    'POST',
    '/admin/v1/session',
    { username, password },
    { silent401: true },
  );
  csrfToken = session.csrfToken;
  return session;
}

/** The current session (after a reload), or undefined when there is none. */
export async function currentSession(): Promise<Session | undefined> {
  try {
    const session = await call<Session>('GET', '/admin/v1/session', undefined, { silent401: true });
    csrfToken = session.csrfToken;
    return session;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return undefined;
    throw error;
  }
}

export async function logout(): Promise<void> {
  try {
    await call<void>('DELETE', '/admin/v1/session', undefined, { silent401: true });
  } finally {
    csrfToken = '';
  }
}

export const changePassword = (currentPassword: string, newPassword: string) =>
  call<void>('POST', '/admin/v1/session/password', { currentPassword, newPassword });

export const listUsers = () => call<{ users: User[] }>('GET', '/admin/v1/users');

export interface NewUser {
  username: string;
  role: UserRole;
  provinceCode?: string | null;
  districtCodes?: string[] | null;
  password?: string;
}

export const createUser = (user: NewUser) =>
  call<{ user: User; password?: string }>('POST', '/admin/v1/users', user);
export const resetUserPassword = (id: string) =>
  call<{ password: string }>('POST', `/admin/v1/users/${encodeURIComponent(id)}/reset-password`);
export const disableUser = (id: string) =>
  call<{ user: User }>('POST', `/admin/v1/users/${encodeURIComponent(id)}/disable`);

// ---- Reference data ----

export interface Province {
  readonly code: string;
  readonly name: string;
  readonly nameEn?: string;
}
export interface District {
  readonly code: string;
  readonly name: string;
  readonly provinceCode: string;
}
export interface AdminUnits {
  readonly provinces: Province[];
  readonly districts: District[];
}

/** The provinces and districts the server accepts (`GET /v1/reference/admin-units`), flattened. */
export async function adminUnits(): Promise<AdminUnits> {
  const body = await call<{
    asOf: string;
    provinces: { code: string; name: string; nameEn: string; districts: { code: string; name: string }[] }[];
  }>('GET', '/v1/reference/admin-units');
  return {
    provinces: body.provinces.map((p) => ({ code: p.code, name: p.name, nameEn: p.nameEn })),
    districts: body.provinces.flatMap((p) =>
      p.districts.map((d) => ({ code: d.code, name: d.name, provinceCode: p.code })),
    ),
  };
}

// ---- Cases ----

export type CaseState =
  | 'codes_issued'
  | 'codes_expired'
  | 'codes_claimed'
  | 'certificate_issued'
  | 'keys_published';

export interface CaseStatus {
  readonly caseId: string;
  readonly provinceCode: string;
  readonly districtCode: string | null;
  readonly testType: string;
  readonly symptomDate: string | null;
  readonly testDate: string;
  readonly healthAuthority: string;
  readonly createdAt: string;
  readonly state: CaseState;
  readonly codesIssuedAt: string;
  readonly expiresAt: string;
  readonly longExpiresAt: string;
  readonly codesClaimedAt: string | null;
  readonly tokenExchangedAt: string | null;
  readonly certificateIssuedAt: string | null;
  readonly keysPublished: number;
}

export interface IssuedCodes {
  readonly caseId: string;
  readonly shortCode: string;
  readonly longCode: string;
  readonly expiresAt: string;
  readonly longExpiresAt: string;
}

export interface NewCase {
  provinceCode: string;
  districtCode?: string | null;
  testType: 'confirmed' | 'likely';
  symptomDate?: string | null;
  testDate: string;
}

export const listCases = (query: { provinceCode?: string; limit?: number; cursor?: string | null }) =>
  call<{ cases: CaseStatus[]; nextCursor: string | null }>('GET', withQuery('/admin/v1/cases', query));
export const getCase = (id: string) => call<CaseStatus>('GET', `/admin/v1/cases/${encodeURIComponent(id)}`);
export const createCase = (body: NewCase) => call<IssuedCodes>('POST', '/admin/v1/cases', body);
export const reissueCodes = (id: string) =>
  call<IssuedCodes>('POST', `/admin/v1/cases/${encodeURIComponent(id)}/codes`);
export const closeCase = (id: string) =>
  call<{ caseId: string; closedAt: string; contactDataDeletedAfter: string }>(
    'POST',
    `/admin/v1/cases/${encodeURIComponent(id)}/close`,
  );

// ---- Contacts ----

export const CONTACT_STATUSES = [
  'new',
  'contacted',
  'quarantined',
  'tested_negative',
  'tested_positive',
  'closed',
] as const;
export type ContactStatus = (typeof CONTACT_STATUSES)[number];

/** The changes the server allows from each status (docs/api.md, "Contact workflow"). */
export const STATUS_TRANSITIONS: Readonly<Record<ContactStatus, readonly ContactStatus[]>> = {
  new: ['contacted'],
  contacted: ['quarantined', 'new'],
  quarantined: ['tested_negative', 'tested_positive', 'contacted'],
  tested_negative: ['closed', 'quarantined'],
  tested_positive: ['closed', 'quarantined'],
  closed: ['contacted'],
};

export interface Contact {
  readonly id: string;
  readonly caseId: string;
  readonly level: string;
  readonly status: string;
  readonly exposureDays: string[] | null;
  readonly maxRiskLevel: number | null;
  readonly matchedKeys: number;
  readonly reportCount: number;
  readonly reportedAt: string;
  readonly updatedAt: string;
  readonly recursiveCaseId: string | null;
  readonly purgedAt: string | null;
  readonly phoneNumber?: string | null;
  readonly workflowStatus?: ContactStatus;
  readonly assignedTo?: string | null;
  readonly provinceCode?: string;
  readonly districtCode?: string | null;
}

export interface Note {
  readonly id: string;
  readonly author: string;
  readonly createdAt: string;
  readonly text: string;
}

export interface ContactDetail extends Contact {
  readonly workflowStatus: ContactStatus;
  readonly assignedTo: string | null;
  readonly workflowUpdatedAt: string | null;
  readonly confirmedCaseId: string | null;
  readonly notes?: Note[];
}

export interface ContactFilters {
  provinceCode?: string;
  districtCode?: string;
  level?: string;
  status?: string;
  exposureFrom?: string;
  exposureTo?: string;
  assignedTo?: string;
  caseId?: string;
  limit?: number;
  cursor?: string | null;
}

export const listContacts = (filters: ContactFilters) =>
  call<{ contacts: Contact[]; nextCursor: string | null }>(
    'GET',
    withQuery('/admin/v1/contacts', { ...filters }),
  );
export const caseContacts = (
  caseId: string,
  options: { reveal?: boolean; cursor?: string | null; limit?: number } = {},
) =>
  call<{ contacts: Contact[]; nextCursor: string | null }>(
    'GET',
    withQuery(`/admin/v1/cases/${encodeURIComponent(caseId)}/contacts`, {
      reveal: options.reveal ? 'phone' : undefined,
      cursor: options.cursor,
      limit: options.limit,
    }),
  );
export const getContact = (id: string) =>
  call<ContactDetail>('GET', `/admin/v1/contacts/${encodeURIComponent(id)}`);
export const changeContact = (id: string, change: { status?: ContactStatus; assignedTo?: string | null }) =>
  call<ContactDetail>('PATCH', `/admin/v1/contacts/${encodeURIComponent(id)}`, change);
export const addNote = (id: string, text: string) =>
  call<Note>('POST', `/admin/v1/contacts/${encodeURIComponent(id)}/notes`, { text });
export const contactToConfirmedCase = (id: string) =>
  call<IssuedCodes & { contactId: string; sourceCaseId: string }>(
    'POST',
    `/admin/v1/contacts/${encodeURIComponent(id)}/confirmed-case`,
    {},
  );
export const recursiveCase = (id: string) =>
  call<IssuedCodes & { contactId: string; parentCaseId: string }>(
    'POST',
    `/admin/v1/contacts/${encodeURIComponent(id)}/recursive-case`,
    {},
  );

/**
 * The phone number of one contact, revealing (and auditing, `contact.phone.reveal`) only that
 * one. The API reveals numbers for a page of a case's contact list, so the contact's position is
 * found first without numbers, then the page of exactly that contact is read with
 * `reveal=phone`: one to three calls, whatever the size of the list, and only the server's own
 * cursors are passed back.
 */
export async function revealContactPhone(contact: Pick<Contact, 'id' | 'caseId'>): Promise<string | null> {
  const PAGE = 1000;
  let pageCursor: string | null = null;
  let index = -1;
  for (;;) {
    const page: { contacts: Contact[]; nextCursor: string | null } = await caseContacts(contact.caseId, {
      cursor: pageCursor,
      limit: PAGE,
    });
    index = page.contacts.findIndex((c) => c.id === contact.id);
    if (index >= 0 || page.nextCursor === null) break;
    pageCursor = page.nextCursor;
  }
  if (index < 0)
    throw new ApiError(404, 'not_found', `contact ${contact.id} is not on its case's list any more`);
  // The cursor just before the contact: the end of a page of `index` contacts from the page start.
  const before: string | null =
    index === 0
      ? pageCursor
      : (await caseContacts(contact.caseId, { cursor: pageCursor, limit: index })).nextCursor;
  const one = await caseContacts(contact.caseId, { cursor: before, limit: 1, reveal: true });
  const found = one.contacts[0];
  if (found?.id !== contact.id)
    throw new ApiError(409, 'conflict', 'the contact list changed while reading it; try again');
  return found.phoneNumber ?? null;
}

export interface GraphNode {
  readonly id: string;
  readonly kind: string;
  readonly level: string;
}
export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly exposureDays: string[];
  readonly maxRiskLevel: number | null;
}
export const caseGraph = (caseId: string) =>
  call<{ nodes: GraphNode[]; edges: GraphEdge[] }>(
    'GET',
    `/admin/v1/cases/${encodeURIComponent(caseId)}/graph`,
  );

// ---- Audit ----

export interface AuditEntry {
  readonly id: string;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly subject: string | null;
  readonly details: unknown;
}
export interface AuditFilters {
  actor?: string;
  action?: string;
  subject?: string;
  from?: string;
  to?: string;
}
export const listAudit = (filters: AuditFilters & { limit?: number; cursor?: string | null }) =>
  call<{ entries: AuditEntry[]; nextCursor: string | null }>(
    'GET',
    withQuery('/admin/v1/audit', { ...filters }),
  );
/** The CSV export URL of the same filters (a plain link: the cookie authorizes the GET). */
export const auditCsvUrl = (filters: AuditFilters) =>
  withQuery('/admin/v1/audit', { ...filters, format: 'csv' });

// ---- Inbox messages ----

export type InboxKind = 'news' | 'notice' | 'result';
export const INBOX_KINDS: readonly InboxKind[] = ['news', 'notice', 'result'];

export interface InboxMessage {
  readonly id: string;
  readonly kind: InboxKind;
  readonly title: { readonly vi?: string; readonly en?: string };
  readonly body: { readonly vi?: string; readonly en?: string };
  readonly url: string | null;
  /** null: every phone. */
  readonly provinceCode: string | null;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly expired: boolean;
}
export interface NewInboxMessage {
  kind: InboxKind;
  title: { vi: string; en: string };
  body: { vi: string; en: string };
  url?: string;
  provinceCode?: string;
  expiresAt?: string;
}
export const listInbox = (query: { provinceCode?: string; cursor?: string | null } = {}) =>
  call<{ messages: InboxMessage[]; nextCursor: string | null }>(
    'GET',
    withQuery('/admin/v1/inbox', { ...query, limit: 100 }),
  );
export const sendInbox = (message: NewInboxMessage) =>
  call<{ id: string }>('POST', '/admin/v1/inbox', message);

// ---- API keys (national admins) ----

export type ApiKeyRole = 'admin' | 'lab' | 'device';
export interface ApiKey {
  readonly id: string;
  readonly role: ApiKeyRole;
  readonly label: string;
  readonly createdAt: string;
  readonly revoked: boolean;
  readonly revokedAt: string | null;
}
export const listApiKeys = () => call<{ apiKeys: ApiKey[] }>('GET', '/admin/v1/api-keys');
export const createApiKey = (role: ApiKeyRole, label: string) =>
  call<{ apiKey: ApiKey; key: string }>('POST', '/admin/v1/api-keys', { role, label });
export const revokeApiKey = (id: string) =>
  call<{ apiKey: ApiKey }>('DELETE', `/admin/v1/api-keys/${encodeURIComponent(id)}`);

// ---- Health declarations, personal QR codes, partners (docs/declarations.md) ----

export const DECLARATION_STATUSES = ['declared', 'monitoring', 'cleared', 'revoked'] as const;
export type DeclarationStatus = (typeof DECLARATION_STATUSES)[number];
export type DeclarationKind = 'domestic' | 'entry';

/** A declaration without personal fields (lists, status changes). */
export interface Declaration {
  readonly declarationId: string;
  readonly kind: DeclarationKind;
  readonly status: DeclarationStatus;
  readonly provinceCode: string;
  readonly districtCode: string | null;
  readonly declaredOn: string;
  readonly declaredAt: string;
  readonly validUntil: string;
  readonly monitoringUntil: string | null;
  readonly source: string;
}
export interface DeclarationListItem extends Declaration {
  readonly dailyReports: number;
  readonly lastReportOn: string | null;
}
export interface DeclarationFilters {
  kind?: string;
  status?: string;
  monitoring?: string;
  limit?: number;
  cursor?: string | null;
}
export interface DailyReportEntry {
  readonly day: string;
  readonly reportedAt: string;
  readonly report: unknown;
}
export const listDeclarations = (filters: DeclarationFilters) =>
  call<{ declarations: DeclarationListItem[]; nextCursor: string | null }>(
    'GET',
    withQuery('/admin/v1/declarations', { ...filters }),
  );
/** The declaration with its personal fields: the server audits the read (`declaration.read`). */
export const getDeclaration = (id: string) =>
  call<Declaration & { personal: unknown }>('GET', `/admin/v1/declarations/${encodeURIComponent(id)}`);
/** The daily symptom reports: audited (`declaration.daily_reports.read`). */
export const declarationDailyReports = (id: string) =>
  call<{ declarationId: string; reports: DailyReportEntry[] }>(
    'GET',
    `/admin/v1/declarations/${encodeURIComponent(id)}/daily-reports`,
  );
export const setDeclarationStatus = (id: string, status: Exclude<DeclarationStatus, 'declared'>) =>
  call<Declaration>('POST', `/admin/v1/declarations/${encodeURIComponent(id)}/status`, { status });

/** `POST /v1/qr/verify`'s answer for a valid code. */
export interface QrVerification {
  readonly valid: true;
  readonly status: string;
  readonly kind: string;
  readonly declaredOn: string;
  readonly validUntil: string;
  readonly issuedAt: string;
  readonly expiresAt: string;
}
/** Online check of a personal QR token (no credentials); errors `qr_invalid`, `qr_expired`, `qr_revoked`, `qr_replayed`. */
export const verifyQrOnline = (token: string) => call<QrVerification>('POST', '/v1/qr/verify', { token });
/** The published QR keys (JWKS) for the offline check. */
export const qrKeys = () =>
  call<{ keys: { kty: string; crv: string; x: string; y: string; kid: string; alg: string; use: string }[] }>(
    'GET',
    '/v1/qr/keys',
  );
/** The signed device configuration (its payload names the health authority, the QR tokens' issuer). */
export const deviceConfig = () => call<{ version: string; jws: string }>('GET', '/v1/config');

export const PARTNER_SCOPES = ['status:read', 'declarations:read', 'declarations:write'] as const;
export type PartnerScope = (typeof PARTNER_SCOPES)[number];
export interface Partner {
  readonly partnerId: string;
  readonly name: string;
  readonly scopes: string[];
  readonly webhookUrl: string | null;
  readonly createdAt: string;
  readonly disabledAt: string | null;
  readonly deliveries: { readonly pending: number; readonly delivered: number; readonly failed: number };
}
export interface CreatedPartner {
  readonly partnerId: string;
  readonly name: string;
  readonly scopes: string[];
  readonly webhookUrl: string | null;
  readonly apiKey: string;
  readonly apiKeyId: string;
  readonly webhookSecret: string | null;
}
export const listPartners = () => call<{ partners: Partner[] }>('GET', '/admin/v1/partners');
export const createPartner = (body: { name: string; scopes: PartnerScope[]; webhookUrl?: string }) =>
  call<CreatedPartner>('POST', '/admin/v1/partners', body);
