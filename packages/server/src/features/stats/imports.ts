/**
 * CSV imports of the statistics (docs/statistics.md, "Imports"): smartphone denominators with
 * effective dates, and installs from another system. Every line is validated; a file with any
 * bad line imports nothing (one transaction) and the errors name their lines. Imported installs
 * are rows of `installs` (with `import_id`, and a token hash no device token can have), so they
 * feed the same counters, in the same transaction, as app installs do.
 *
 * @module
 */
import SqliteDatabase from 'better-sqlite3';
import { CompiledQuery, Kysely, SqliteDialect, sql, type Transaction } from 'kysely';
import { newId } from '../../ids.js';
import type { AdminUnits } from '../../reference/admin-units.js';
import type { Database } from '../../storage/database.js';
import type { Dialect, Storage } from '../../storage/storage.js';
import { vietnamDay } from '../../time.js';
import { vnPhoneNumbers } from '../phones/phone-number.js';
import type { CounterDeltas } from './counters.js';
import { type CsvRecord, CsvSyntaxError, csvRecords } from './csv-records.js';
import { ImportCounters } from './import-counters.js';
import { dayNumber } from './periods.js';

/** Columns of a denominators file, in order. */
export const DENOMINATOR_COLUMNS = [
  'effective_date',
  'province_code',
  'district_code',
  'carrier',
  'smartphones',
] as const;

/** Columns of an installs file, in order. */
export const INSTALL_COLUMNS = [
  'install_id',
  'created_at',
  'platform',
  'province_code',
  'district_code',
  'phone_verified_at',
  'carrier',
  'last_active_at',
] as const;

/** Most errors listed for one file (the count of all is given). */
export const MAX_LISTED_ERRORS = 20;

/** One bad line. */
export interface ImportLineError {
  readonly line: number;
  readonly message: string;
}

/** A rejected file: nothing was imported. */
export class ImportRejected extends Error {
  override readonly name = 'ImportRejected';
  constructor(
    /** The first {@link MAX_LISTED_ERRORS} errors, by line. */
    readonly errors: readonly ImportLineError[],
    /** How many lines were bad in all. */
    readonly total: number,
  ) {
    super(
      `${total} invalid line${total === 1 ? '' : 's'}, nothing imported: ${errors
        .map((e) => `line ${e.line}: ${e.message}`)
        .join('; ')}${total > errors.length ? `; … (${total - errors.length} more)` : ''}`,
    );
  }
}

/** What an accepted import did. */
export interface ImportSummary {
  readonly importId: string;
  readonly kind: 'denominators' | 'installs';
  /** Data lines imported (the header not counted). */
  readonly rows: number;
  /** Installs only: rows with a verified phone number. */
  readonly phoneRegistered?: number;
  /** Installs only: rows with a last check-in. */
  readonly withActivity?: number;
}

/** What an import needs. */
export interface ImportDeps {
  readonly storage: Storage;
  readonly adminUnits: AdminUnits;
  readonly now: () => number;
}

/** Who imports and from where. */
export interface ImportSource {
  /** `user:<id>`, `apikey:<id>` or `cli`. */
  readonly actor: string;
  /** Base name of the file, when there is one. */
  readonly fileName?: string;
  /** Called after each batch with the rows done and the estimated total (for a progress bar). */
  readonly progress?: (done: number, total: number) => void;
}

class Errors {
  readonly list: ImportLineError[] = [];
  total = 0;
  add(line: number, message: string): void {
    this.total++;
    if (this.list.length < MAX_LISTED_ERRORS) this.list.push({ line, message });
  }
}

const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Digits of `value` from `at` to `at + n` as a number, or -1 when one is not a digit. */
function digits(value: string, at: number, n: number): number {
  let x = 0;
  for (let i = at; i < at + n; i++) {
    const c = value.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    x = x * 10 + c;
  }
  return x;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * The exports' usual forms without a regular expression or a Date: `YYYY-MM-DDTHH:MM:SSZ`,
 * `…SS.sssZ` and `…SS±HH:MM`, on the calendar, hours 00–23. Undefined for anything else, which
 * {@link parseImportInstant} then parses the general way (with the same results).
 */
function parseIsoFast(v: string): number | undefined {
  const len = v.length;
  if (len !== 20 && len !== 24 && len !== 25) return undefined;
  if (v[4] !== '-' || v[7] !== '-' || v[10] !== 'T' || v[13] !== ':' || v[16] !== ':') return undefined;
  const y = digits(v, 0, 4);
  const mo = digits(v, 5, 2);
  const d = digits(v, 8, 2);
  const h = digits(v, 11, 2);
  const mi = digits(v, 14, 2);
  const sec = digits(v, 17, 2);
  if (y < 100 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59)
    return undefined;
  if (
    d > DAYS_IN_MONTH[mo - 1]! ||
    (mo === 2 && d === 29 && (y % 4 !== 0 || (y % 100 === 0 && y % 400 !== 0)))
  )
    return undefined;
  let ms = 0;
  let offset = 0;
  if (len === 20) {
    if (v[19] !== 'Z') return undefined;
  } else if (len === 24) {
    if (v[19] !== '.' || v[23] !== 'Z') return undefined;
    ms = digits(v, 20, 3);
    if (ms < 0) return undefined;
  } else {
    const sign = v[19] === '+' ? 1 : v[19] === '-' ? -1 : 0;
    const oh = digits(v, 20, 2);
    const om = digits(v, 23, 2);
    if (sign === 0 || v[22] !== ':' || oh < 0 || oh > 23 || om < 0 || om > 59) return undefined;
    offset = sign * (oh * 60 + om) * 60_000;
  }
  return Date.UTC(y, mo - 1, d, h, mi, sec, ms) - offset;
}

/**
 * Parses an ISO time of an import: a date-time with `Z` or an offset, or without one in Vietnam
 * time (UTC+7); a bare date is 00:00 Vietnam time. Undefined when invalid.
 */
export function parseImportInstant(value: string): number | undefined {
  const fast = parseIsoFast(value);
  if (fast !== undefined) return fast;
  const m = INSTANT.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, hh = '00', mi = '00', ss = '00', frac = '0', zone = '+07:00'] = m;
  const offset = zone === 'Z' ? 'Z' : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const ms = Date.parse(`${y}-${mo}-${d}T${hh}:${mi}:${ss}.${frac.slice(0, 3).padEnd(3, '0')}${offset}`);
  if (Number.isNaN(ms)) return undefined;
  // Date.parse rolls 2020-02-30 over; reject dates that are not on the calendar.
  const check = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d)) return undefined;
  return ms;
}

function validDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const t = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === value;
}

function checkHeader(record: CsvRecord | undefined, columns: readonly string[], errors: Errors): boolean {
  const expected = columns.join(',');
  if (!record) {
    errors.add(1, `the file is empty; the first line must be the header ${expected}`);
    return false;
  }
  const got = record.fields.map((f) => f.trim()).join(',');
  if (got !== expected) {
    errors.add(record.line, `the header must be ${expected}, got ${got}`);
    return false;
  }
  return true;
}

function fieldCount(record: CsvRecord, columns: readonly string[], errors: Errors): boolean {
  if (record.fields.length === columns.length) return true;
  errors.add(
    record.line,
    `${record.fields.length} fields, expected ${columns.length} (${columns.join(',')})`,
  );
  return false;
}

async function recordImport(
  trx: Kysely<Database>,
  kind: 'denominators' | 'installs',
  source: ImportSource,
  now: number,
): Promise<string> {
  const id = newId('imp_');
  await trx
    .insertInto('stats_imports')
    .values({
      id,
      kind,
      rows: 0,
      imported_at: now,
      imported_by: source.actor,
      file_name: source.fileName ?? null,
    })
    .execute();
  return id;
}

/** Rejects the transaction when any line was bad (nothing stays imported). */
function throwIfErrors(errors: Errors): void {
  if (errors.total > 0)
    throw new ImportRejected(
      [...errors.list].sort((a, b) => a.line - b.line),
      errors.total,
    );
}

function estimateTotal(done: number, consumedLines: number, lines: number): number {
  return Math.max(done, Math.round((lines / Math.max(consumedLines, 1)) * done));
}

function countLines(input: string | Uint8Array): number {
  let n = 0;
  if (typeof input === 'string') {
    for (let i = input.indexOf('\n'); i !== -1; i = input.indexOf('\n', i + 1)) n++;
  } else {
    for (let i = input.indexOf(10); i !== -1; i = input.indexOf(10, i + 1)) n++;
  }
  return n;
}

/**
 * Imports a denominators file (`effective_date,province_code,district_code,carrier,smartphones`).
 * A row for an effective date and area that exists replaces its figure. Throws
 * {@link ImportRejected} (nothing imported) when any line is bad.
 */
export async function importDenominators(
  deps: ImportDeps,
  input: string | Uint8Array,
  source: ImportSource,
): Promise<ImportSummary> {
  const carriers = new Set(vnPhoneNumbers().carriers);
  const errors = new Errors();
  const rows: Database['stats_denominators'][] = [];
  const seen = new Map<string, number>();
  let header = true;
  try {
    for await (const batch of csvRecords(input)) {
      for (const record of batch) {
        if (header) {
          header = false;
          if (!checkHeader(record, DENOMINATOR_COLUMNS, errors)) throwIfErrors(errors);
          continue;
        }
        if (!fieldCount(record, DENOMINATOR_COLUMNS, errors)) continue;
        const [date, province, district, carrier, count] = record.fields.map((f) => f.trim()) as [
          string,
          string,
          string,
          string,
          string,
        ];
        const problems: string[] = [];
        if (!validDate(date))
          problems.push(`effective_date ${JSON.stringify(date)} is not a date YYYY-MM-DD`);
        const unit = deps.adminUnits.check(province, district === '' ? null : district);
        if (unit)
          problems.push(
            unit.replace('provinceCode', 'province_code').replace('districtCode', 'district_code'),
          );
        if (carrier !== '' && !carriers.has(carrier))
          problems.push(
            `carrier ${JSON.stringify(carrier)} is not one of ${[...carriers].join(', ')} (or empty for all carriers)`,
          );
        if (!/^\d{1,10}$/.test(count) || Number(count) > 1_000_000_000)
          problems.push(`smartphones ${JSON.stringify(count)} is not a whole number from 0 to 1000000000`);
        const key = `${date}|${province}|${district}|${carrier}`;
        const earlier = seen.get(key);
        if (earlier !== undefined)
          problems.push(`repeats line ${earlier} (same effective_date, province, district and carrier)`);
        if (problems.length > 0) {
          errors.add(record.line, problems.join('; '));
          continue;
        }
        seen.set(key, record.line);
        rows.push({
          effective_date: date,
          province_code: province,
          district_code: district,
          carrier,
          smartphones: Number(count),
          import_id: '',
        });
      }
    }
  } catch (error) {
    if (error instanceof CsvSyntaxError) errors.add(error.line, `malformed CSV: ${error.message}`);
    else throw error;
  }
  if (header) checkHeader(undefined, DENOMINATOR_COLUMNS, errors);
  else if (rows.length === 0 && errors.total === 0) errors.add(2, 'the file has a header but no data lines');
  throwIfErrors(errors);
  const now = deps.now();
  return deps.storage.transaction(async (trx) => {
    const importId = await recordImport(trx, 'denominators', source, now);
    for (let i = 0; i < rows.length; i += 1000) {
      await trx
        .insertInto('stats_denominators')
        .values(rows.slice(i, i + 1000).map((r) => ({ ...r, import_id: importId })))
        .onConflict((oc) =>
          oc.columns(['province_code', 'district_code', 'carrier', 'effective_date']).doUpdateSet((eb) => ({
            smartphones: eb.ref('excluded.smartphones'),
            import_id: eb.ref('excluded.import_id'),
          })),
        )
        .execute();
    }
    await trx.updateTable('stats_imports').set({ rows: rows.length }).where('id', '=', importId).execute();
    source.progress?.(rows.length, rows.length);
    return { importId, kind: 'denominators', rows: rows.length };
  });
}

/** The `installs.id` of an imported install: its ID in the other system, prefixed. */
export function importedInstallId(sourceId: string): string {
  return `imp:${sourceId}`;
}

/**
 * The token hash of an imported install. Real token hashes are 32-byte SHA-256 digests; this one
 * is the UTF-8 of `import:<id>` (never 32 bytes), so no device token can ever authenticate as an
 * imported install, and the unique index still holds.
 */
function importedTokenHash(id: string): Uint8Array {
  const bytes = Buffer.from(`import:${id}`, 'utf8');
  return bytes.length === 32 ? Buffer.from(`import::${id}`, 'utf8') : bytes;
}

const INSTALL_COLUMN_NAMES = [
  'id',
  'token_hash',
  'platform',
  'app_version',
  'province_code',
  'district_code',
  'admin_units_as_of',
  'locale',
  'created_at',
  'last_active_at',
  'phone_id',
  'phone_verified_at',
  'carrier',
  'import_id',
] as const;

/** Rows per INSERT statement of the bulk path. */
const BULK_ROWS = 500;

/** A multi-row INSERT of `rows` rows of `columns` with the dialect's placeholders. */
function multiInsertSql(
  dialect: Dialect,
  table: string,
  columns: readonly string[],
  rows: number,
  suffix = '',
): string {
  const tuples: string[] = [];
  let n = 0;
  for (let r = 0; r < rows; r++) {
    const ps: string[] = [];
    for (let c = 0; c < columns.length; c++) ps.push(dialect === 'postgres' ? `$${++n}` : '?');
    tuples.push(`(${ps.join(',')})`);
  }
  return `insert into ${table} (${columns.join(',')}) values ${tuples.join(',')}${suffix}`;
}

/** A validated install row of an import. */
export interface ImportedInstall {
  readonly id: string;
  readonly createdAt: number;
  readonly platform: string;
  readonly province: string;
  readonly district: string | null;
  readonly phoneVerifiedAt: number | null;
  /** Carrier ID, or null (unknown; "Khác" when the number is verified). */
  readonly carrier: string | null;
  readonly lastActiveAt: number | null;
}

/**
 * Writes installs in bulk (multi-row statements, one prepared text per batch size) with their
 * check-in days, inside `trx`, and adds them to `deltas`. Rows whose ID exists already are left
 * out; their IDs are returned.
 */
export class InstallBulkWriter {
  private readonly installSql: string;
  private readonly daysSql: string;
  /** The counter increments, aggregated in memory, written once per counter row at the end. */
  private readonly counters = new ImportCounters();
  private readonly days = new Map<number, string>();
  private readonly params: unknown[] = [];
  private readonly dayParams: unknown[] = [];
  private pending: string[] = [];
  readonly duplicates: string[] = [];

  private readonly rawInstall: SqliteDatabase.Statement | undefined;
  private readonly rawDay: SqliteDatabase.Statement | undefined;

  /**
   * Writes through `trx`, or, given `raw` (the better-sqlite3 connection `trx` runs on), with one
   * prepared statement reused for every row: SQLite's fastest insert, as the import's rate needs.
   */
  constructor(
    private readonly trx: Kysely<Database>,
    private readonly dialect: Dialect,
    private readonly importId: string,
    private readonly adminUnitsAsOf: string,
    private readonly raw?: SqliteDatabase.Database,
  ) {
    this.installSql = multiInsertSql(
      dialect,
      'installs',
      INSTALL_COLUMN_NAMES,
      BULK_ROWS,
      ' on conflict do nothing',
    );
    this.daysSql = multiInsertSql(
      dialect,
      'install_days',
      ['install_id', 'day'],
      BULK_ROWS,
      ' on conflict do nothing',
    );
    this.rawInstall = raw?.prepare(
      multiInsertSql('sqlite', 'installs', INSTALL_COLUMN_NAMES, 1, ' on conflict do nothing'),
    );
    this.rawDay = raw?.prepare(
      multiInsertSql('sqlite', 'install_days', ['install_id', 'day'], 1, ' on conflict do nothing'),
    );
  }

  /**
   * Adds one install; writes a batch when it is full. On the raw SQLite path the row is written at
   * once and nothing is returned (no promise per row); otherwise await the promise.
   */
  add(row: ImportedInstall): Promise<void> | undefined {
    return this.addInstall(
      row.id,
      row.createdAt,
      row.platform,
      row.province,
      row.district,
      row.phoneVerifiedAt,
      row.carrier,
      row.lastActiveAt,
    );
  }

  /** {@link add} without a row object (the import's hot path). */
  addInstall(
    id: string,
    createdAt: number,
    platform: string,
    province: string,
    district: string | null,
    phoneVerifiedAt: number | null,
    carrier: string | null,
    lastActiveAt: number | null,
  ): Promise<void> | undefined {
    this.counters.add(province, district, platform, createdAt, phoneVerifiedAt, carrier, lastActiveAt);
    if (this.rawInstall && this.rawDay) {
      const inserted = this.rawInstall.run(
        id,
        importedTokenHash(id),
        platform,
        'import',
        province,
        district,
        this.adminUnitsAsOf,
        'vi',
        createdAt,
        lastActiveAt,
        null,
        phoneVerifiedAt,
        carrier,
        this.importId,
      );
      if (inserted.changes === 0) this.duplicates.push(id);
      else if (lastActiveAt !== null) this.rawDay.run(id, this.dayText(lastActiveAt));
      return undefined;
    }
    this.params.push(
      id,
      importedTokenHash(id),
      platform,
      'import',
      province,
      district,
      this.adminUnitsAsOf,
      'vi',
      createdAt,
      lastActiveAt,
      null,
      phoneVerifiedAt,
      carrier,
      this.importId,
    );
    this.pending.push(id);
    if (lastActiveAt !== null) this.dayParams.push(id, this.dayText(lastActiveAt));
    return this.pending.length === BULK_ROWS ? this.flush() : undefined;
  }

  /** The `install_days.day` of an instant (YYYY-MM-DD, Vietnam time), cached by day. */
  private dayText(ms: number): string {
    const day = dayNumber(ms);
    let text = this.days.get(day);
    if (text === undefined) {
      text = vietnamDay(ms);
      this.days.set(day, text);
    }
    return text;
  }

  /** Writes the counter increments of every install added (in the writer's transaction). */
  async writeCounters(): Promise<void> {
    if (this.raw) this.counters.writeSqlite(this.raw);
    else await this.counters.write(this.trx);
  }

  /** Writes the rows not written yet. */
  async flush(): Promise<void> {
    const rows = this.pending.length;
    if (rows === 0) return;
    const columns = INSTALL_COLUMN_NAMES.length;
    const sqlText =
      rows === BULK_ROWS
        ? this.installSql
        : multiInsertSql(this.dialect, 'installs', INSTALL_COLUMN_NAMES, rows, ' on conflict do nothing');
    const result = await this.trx.executeQuery(
      CompiledQuery.raw(sqlText, this.params.splice(0, rows * columns)),
    );
    const written = Number(result.numAffectedRows ?? BigInt(rows));
    if (written !== rows) {
      const ids = this.pending;
      const mine = new Set(
        (
          await this.trx
            .selectFrom('installs')
            .select('id')
            .where('id', 'in', ids)
            .where('import_id', '=', this.importId)
            .execute()
        ).map((r) => r.id),
      );
      this.duplicates.push(...ids.filter((id) => !mine.has(id)));
    }
    this.pending = [];
    const dayRows = this.dayParams.length / 2;
    if (dayRows > 0) {
      const daysText =
        dayRows === BULK_ROWS
          ? this.daysSql
          : multiInsertSql(
              this.dialect,
              'install_days',
              ['install_id', 'day'],
              dayRows,
              ' on conflict do nothing',
            );
      await this.trx.executeQuery(CompiledQuery.raw(daysText, this.dayParams.splice(0)));
    }
  }

  /** The counter increments of every install added. */
  deltas(): CounterDeltas {
    return this.counters.deltas();
  }
}

/** Adds an error for each line of `batch` whose install_id was imported before. */
async function reportImportedBefore(
  trx: Kysely<Database>,
  batch: readonly CsvRecord[],
  ids: ReadonlyMap<string, number>,
  errors: Errors,
  importId: string,
): Promise<void> {
  const candidates = batch
    .filter((r) => r.fields.length === INSTALL_COLUMNS.length && ids.get(r.fields[0]!) === r.line)
    .map((r) => importedInstallId(r.fields[0]!));
  for (let i = 0; i < candidates.length; i += 5000) {
    const found = await trx
      .selectFrom('installs')
      .select('id')
      .where('id', 'in', candidates.slice(i, i + 5000))
      .where((eb) => eb.or([eb('import_id', 'is', null), eb('import_id', '!=', importId)]))
      .execute();
    for (const { id } of found) {
      const sourceId = id.slice('imp:'.length);
      errors.add(ids.get(sourceId) ?? 0, `install_id ${sourceId} was imported before`);
    }
  }
}

const PLATFORMS = new Set(['android', 'ios', 'web']);
const INSTALL_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

/** A second connection to a SQLite file for bulk loads: Kysely over it, and the raw handle. */
interface BulkSqlite {
  readonly storage: Pick<Storage, 'dialect' | 'db' | 'transaction'>;
  readonly raw: SqliteDatabase.Database;
  close(): Promise<void>;
}

/**
 * For a SQLite file, a second connection to it whose better-sqlite3 handle the bulk writer can
 * prepare statements on (the storage port's Kysely driver prepares every statement anew). Undefined
 * for PostgreSQL and in-memory databases, which take the portable path.
 */
export async function openBulkSqlite(storage: Storage): Promise<BulkSqlite | undefined> {
  if (storage.dialect !== 'sqlite') return undefined;
  const { rows } = await sql<{
    file: string | null;
  }>`select file from pragma_database_list where name = 'main'`.execute(storage.db);
  const file = rows[0]?.file;
  if (!file) return undefined;
  const raw = new SqliteDatabase(file);
  raw.pragma('foreign_keys = ON');
  raw.pragma('busy_timeout = 5000');
  raw.pragma('synchronous = NORMAL');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
  return {
    storage: { dialect: 'sqlite', db, transaction: (fn) => db.transaction().execute(fn) },
    raw,
    close: () => db.destroy(),
  };
}

/**
 * Imports an installs file
 * (`install_id,created_at,platform,province_code,district_code,phone_verified_at,carrier,last_active_at`).
 * Throws {@link ImportRejected} (nothing imported) when any line is bad, including an install_id
 * imported before.
 */
export async function importInstalls(
  deps: ImportDeps,
  input: string | Uint8Array,
  source: ImportSource,
): Promise<ImportSummary> {
  const carriers = new Set(vnPhoneNumbers().carriers);
  const { adminUnits } = deps;
  const errors = new Errors();
  const lines = source.progress ? countLines(input) : 0;
  const now = deps.now();
  let rows = 0;
  let phones = 0;
  let active = 0;
  const ids = new Map<string, number>();
  const bulk = await openBulkSqlite(deps.storage);
  const storage = bulk?.storage ?? deps.storage;
  try {
    return await storage.transaction(async (trx: Transaction<Database>) => {
      const importId = await recordImport(trx, 'installs', source, now);
      const writer = new InstallBulkWriter(trx, storage.dialect, importId, adminUnits.asOf, bulk?.raw);
      let header = true;
      let lastLine = 0;
      try {
        for await (const batch of csvRecords(input)) {
          for (const record of batch) {
            lastLine = record.line;
            if (header) {
              header = false;
              if (!checkHeader(record, INSTALL_COLUMNS, errors)) throwIfErrors(errors);
              continue;
            }
            if (!fieldCount(record, INSTALL_COLUMNS, errors)) continue;
            const f = record.fields;
            const sourceId = f[0]!;
            const problems: string[] = [];
            if (!INSTALL_ID.test(sourceId))
              problems.push(
                `install_id ${JSON.stringify(sourceId.slice(0, 80))} must be 1-64 letters, digits, _ . : or -`,
              );
            const createdAt = parseImportInstant(f[1]!);
            if (createdAt === undefined)
              problems.push(`created_at ${JSON.stringify(f[1])} is not an ISO time`);
            const platform = f[2]!;
            if (!PLATFORMS.has(platform))
              problems.push(`platform ${JSON.stringify(platform)} must be android, ios or web`);
            const province = f[3]!;
            const district = f[4]! === '' ? null : f[4]!;
            const unit = adminUnits.check(province, district);
            if (unit)
              problems.push(
                unit.replace('provinceCode', 'province_code').replace('districtCode', 'district_code'),
              );
            const verified = f[5]! === '' ? null : parseImportInstant(f[5]!);
            if (verified === undefined)
              problems.push(`phone_verified_at ${JSON.stringify(f[5])} is not an ISO time (or empty)`);
            const carrier = f[6]! === '' ? null : f[6]!;
            if (carrier !== null && !carriers.has(carrier))
              problems.push(
                `carrier ${JSON.stringify(carrier)} is not one of ${[...carriers].join(', ')} (or empty)`,
              );
            if (carrier !== null && verified === null)
              problems.push(
                'carrier is given but phone_verified_at is empty (a carrier comes from a verified number)',
              );
            const lastActive = f[7]! === '' ? null : parseImportInstant(f[7]!);
            if (lastActive === undefined)
              problems.push(`last_active_at ${JSON.stringify(f[7])} is not an ISO time (or empty)`);
            if (createdAt !== undefined) {
              if (typeof verified === 'number' && verified < createdAt)
                problems.push('phone_verified_at is before created_at');
              if (typeof lastActive === 'number' && lastActive < createdAt)
                problems.push('last_active_at is before created_at');
              if (createdAt > now) problems.push('created_at is in the future');
            }
            const earlier = ids.get(sourceId);
            if (earlier !== undefined) problems.push(`install_id ${sourceId} repeats line ${earlier}`);
            else ids.set(sourceId, record.line);
            if (problems.length > 0) {
              errors.add(record.line, problems.join('; '));
              continue;
            }
            if (errors.total > 0) continue; // nothing will be kept: validate the rest, write nothing
            rows++;
            if (verified !== null) phones++;
            if (lastActive !== null) active++;
            const pending = writer.addInstall(
              importedInstallId(sourceId),
              createdAt!,
              platform,
              province,
              district,
              verified as number | null,
              carrier,
              lastActive as number | null,
            );
            if (pending) await pending;
          }
          // Once a line is bad nothing is written, so IDs imported before are looked up instead.
          if (errors.total > 0) await reportImportedBefore(trx, batch, ids, errors, importId);
          source.progress?.(rows, estimateTotal(rows, lastLine, lines));
        }
      } catch (error) {
        if (error instanceof CsvSyntaxError) errors.add(error.line, `malformed CSV: ${error.message}`);
        else throw error;
      }
      if (header) checkHeader(undefined, INSTALL_COLUMNS, errors);
      else if (rows === 0 && errors.total === 0) errors.add(2, 'the file has a header but no data lines');
      if (errors.total === 0) await writer.flush();
      for (const id of writer.duplicates) {
        const sourceId = id.slice('imp:'.length);
        errors.add(ids.get(sourceId) ?? 0, `install_id ${sourceId} was imported before`);
      }
      throwIfErrors(errors);
      await writer.writeCounters();
      await trx.updateTable('stats_imports').set({ rows }).where('id', '=', importId).execute();
      return { importId, kind: 'installs', rows, phoneRegistered: phones, withActivity: active };
    });
  } finally {
    await bulk?.close();
    source.progress?.(rows, rows);
  }
}
