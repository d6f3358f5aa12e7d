/**
 * CSV imports of the statistics (docs/statistics.md, "Imports"): smartphone denominators with
 * effective dates, and installs from another system. Every line is validated; a file with any
 * bad line imports nothing (one transaction) and the errors name their lines. Imported installs
 * are rows of `imported_installs` (they are not devices: no token, no phone row); their counter
 * increments are summed in memory and written in the same transaction, and `stats rebuild`
 * counts them with the app installs.
 *
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { CompiledQuery, Kysely, SqliteDialect, sql, type Transaction } from 'kysely';
import { newId } from '../../ids.js';
import type { AdminUnits } from '../../reference/admin-units.js';
import type { Database } from '../../storage/database.js';
import type { Dialect, Storage } from '../../storage/storage.js';
import { vnPhoneNumbers } from '../phones/phone-number.js';
import { type CsvRecord, CsvSyntaxError, csvRecords } from './csv-records.js';
import { type CounterSums, ImportCounters } from './import-counters.js';
import { countInWorker, type StagingFile, WORKER_MIN_BYTES } from './import-counting.js';
import { parseImportInstant } from './import-times.js';

export { parseImportInstant } from './import-times.js';

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
  /** Installs files from this many bytes are counted on a worker (default {@link WORKER_MIN_BYTES}). */
  readonly countingWorkerFrom?: number;
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

/** Columns of `imported_installs`, in the bulk writer's order. */
const IMPORTED_COLUMNS = [
  'id',
  'import_id',
  'created_at',
  'platform',
  'province_code',
  'district_code',
  'phone_verified_at',
  'carrier',
  'last_active_at',
] as const;

/**
 * Rows per INSERT statement of the bulk path: 50 on SQLite (a prepared multi-row statement: 1.4×
 * the rows/s of one row per statement here), 500 on PostgreSQL (fewer round trips).
 */
const SQLITE_BULK_ROWS = 50;
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
 * Writes imported installs in bulk into `imported_installs` (multi-row statements), inside `trx`,
 * and sums their counter increments in memory ({@link writeCounters} writes them). A row whose ID
 * is there already (imported before, or twice in this file) is not written and sets
 * {@link conflict}: the caller then rejects the file and finds the lines.
 */
export class InstallBulkWriter {
  /** The counter increments, aggregated in memory, written once per counter row at the end. */
  private readonly counters = new ImportCounters();
  private readonly params: unknown[] = [];
  private pending = 0;
  private readonly batchRows: number;
  private readonly rawBatch: SqliteDatabase.Statement | undefined;
  /** Whether a row was left out because its ID exists. */
  conflict = false;

  /**
   * Writes through `trx`, or, given `raw` (the better-sqlite3 connection `trx` runs on), with one
   * prepared multi-row statement reused for every batch: SQLite's fastest insert. With `count`
   * false the writer does not sum the counter increments (a counting worker does: pass its sums
   * to {@link writeCounters}).
   */
  constructor(
    private readonly trx: Kysely<Database>,
    private readonly dialect: Dialect,
    private readonly importId: string,
    private readonly raw?: SqliteDatabase.Database,
    private readonly count = true,
  ) {
    this.batchRows = raw ? SQLITE_BULK_ROWS : BULK_ROWS;
    this.rawBatch = raw?.prepare(this.insertSql(this.batchRows));
  }

  private insertSql(rows: number): string {
    return multiInsertSql(
      this.dialect,
      'imported_installs',
      IMPORTED_COLUMNS,
      rows,
      ' on conflict do nothing',
    );
  }

  /**
   * Adds one install; writes a batch when it is full. On the raw SQLite path the batch is written
   * at once and nothing is returned (no promise per row); otherwise await the promise.
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
    if (this.count)
      this.counters.add(province, district, platform, createdAt, phoneVerifiedAt, carrier, lastActiveAt);
    this.params.push(
      id,
      this.importId,
      createdAt,
      platform,
      province,
      district,
      phoneVerifiedAt,
      carrier,
      lastActiveAt,
    );
    if (++this.pending < this.batchRows) return undefined;
    if (this.rawBatch) {
      if (this.rawBatch.run(this.params).changes !== this.pending) this.conflict = true;
      this.params.length = 0;
      this.pending = 0;
      return undefined;
    }
    return this.flush();
  }

  /** Writes the rows not written yet. */
  async flush(): Promise<void> {
    const rows = this.pending;
    if (rows === 0) return;
    const values = this.params.splice(0);
    this.pending = 0;
    let written: number;
    if (this.raw) {
      written = this.raw.prepare(this.insertSql(rows)).run(values).changes;
    } else {
      if (rows === BULK_ROWS && this.bulkSql === undefined) this.bulkSql = this.insertSql(BULK_ROWS);
      const sqlText = rows === BULK_ROWS ? this.bulkSql! : this.insertSql(rows);
      const result = await this.trx.executeQuery(CompiledQuery.raw(sqlText, values));
      written = Number(result.numAffectedRows ?? BigInt(rows));
    }
    if (written !== rows) this.conflict = true;
  }

  private bulkSql: string | undefined;

  /**
   * Writes the counter increments of every install added (in the writer's transaction): the
   * writer's own sums, or `counts` summed elsewhere.
   */
  async writeCounters(counts: CounterSums = this.counters.counts()): Promise<void> {
    if (this.raw) counts.writeSqlite(this.raw);
    else await counts.write(this.trx);
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
    .map((r) => r.fields[0]!);
  for (let i = 0; i < candidates.length; i += 5000) {
    const found = await trx
      .selectFrom('imported_installs')
      .select('id')
      .where('id', 'in', candidates.slice(i, i + 5000))
      .where('import_id', '!=', importId)
      .execute();
    for (const { id } of found) errors.add(ids.get(id) ?? 0, `install_id ${id} was imported before`);
  }
}

const PLATFORMS = new Set(['android', 'ios', 'web']);
const INSTALL_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

/** What the validation of an install line needs. */
interface InstallChecks {
  readonly adminUnits: AdminUnits;
  readonly carriers: ReadonlySet<string>;
  readonly now: number;
}

/** The fields of a valid install line (reused from line to line: no object per line). */
interface ParsedInstall {
  createdAt: number;
  district: string | null;
  verified: number | null;
  carrier: string | null;
  lastActive: number | null;
}

/**
 * Validates the fields of an install line into `out`. Without `problems` it stops at the first
 * problem and returns false (the fast pass); with it, it lists every problem of the line.
 */
function parseInstall(
  f: readonly string[],
  checks: InstallChecks,
  out: ParsedInstall,
  problems?: string[],
): boolean {
  let ok = true;
  const problem = (message: () => string) => {
    ok = false;
    problems?.push(message());
    return problems === undefined;
  };
  const sourceId = f[0]!;
  if (
    !INSTALL_ID.test(sourceId) &&
    problem(
      () => `install_id ${JSON.stringify(sourceId.slice(0, 80))} must be 1-64 letters, digits, _ . : or -`,
    )
  )
    return false;
  const createdAt = parseImportInstant(f[1]!);
  if (createdAt === undefined && problem(() => `created_at ${JSON.stringify(f[1])} is not an ISO time`))
    return false;
  const platform = f[2]!;
  if (
    !PLATFORMS.has(platform) &&
    problem(() => `platform ${JSON.stringify(platform)} must be android, ios or web`)
  )
    return false;
  const district = f[4]! === '' ? null : f[4]!;
  const unit = checks.adminUnits.check(f[3]!, district);
  if (
    unit &&
    problem(() => unit.replace('provinceCode', 'province_code').replace('districtCode', 'district_code'))
  )
    return false;
  const verified = f[5]! === '' ? null : parseImportInstant(f[5]!);
  if (
    verified === undefined &&
    problem(() => `phone_verified_at ${JSON.stringify(f[5])} is not an ISO time (or empty)`)
  )
    return false;
  const carrier = f[6]! === '' ? null : f[6]!;
  if (
    carrier !== null &&
    !checks.carriers.has(carrier) &&
    problem(
      () => `carrier ${JSON.stringify(carrier)} is not one of ${[...checks.carriers].join(', ')} (or empty)`,
    )
  )
    return false;
  if (
    carrier !== null &&
    verified === null &&
    problem(() => 'carrier is given but phone_verified_at is empty (a carrier comes from a verified number)')
  )
    return false;
  const lastActive = f[7]! === '' ? null : parseImportInstant(f[7]!);
  if (
    lastActive === undefined &&
    problem(() => `last_active_at ${JSON.stringify(f[7])} is not an ISO time (or empty)`)
  )
    return false;
  if (createdAt !== undefined) {
    if (
      typeof verified === 'number' &&
      verified < createdAt &&
      problem(() => 'phone_verified_at is before created_at')
    )
      return false;
    if (
      typeof lastActive === 'number' &&
      lastActive < createdAt &&
      problem(() => 'last_active_at is before created_at')
    )
      return false;
    if (createdAt > checks.now && problem(() => 'created_at is in the future')) return false;
  }
  if (!ok) return false;
  out.createdAt = createdAt!;
  out.district = district;
  out.verified = verified as number | null;
  out.carrier = carrier;
  out.lastActive = lastActive as number | null;
  return true;
}

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

/** Counts of the installs written by the fast pass. */
interface WrittenInstalls {
  readonly rows: number;
  readonly phones: number;
  readonly active: number;
}

/**
 * The fast pass: validates each line with {@link parseInstall} and writes it. Undefined as soon
 * as anything is wrong (a bad header or line, malformed CSV, an ID written before, no data):
 * {@link checkInstalls} then reads the file again to name every bad line.
 */
async function writeInstalls(
  input: string | Uint8Array,
  checks: InstallChecks,
  writer: InstallBulkWriter,
  progress: ImportSource['progress'],
  lines: number,
): Promise<WrittenInstalls | undefined> {
  const parsed: ParsedInstall = {
    createdAt: 0,
    district: null,
    verified: null,
    carrier: null,
    lastActive: null,
  };
  const expectedHeader = INSTALL_COLUMNS.join(',');
  let header = true;
  let rows = 0;
  let phones = 0;
  let active = 0;
  try {
    for await (const batch of csvRecords(input)) {
      for (const record of batch) {
        const f = record.fields;
        if (header) {
          header = false;
          if (f.map((x) => x.trim()).join(',') !== expectedHeader) return undefined;
          continue;
        }
        if (f.length !== INSTALL_COLUMNS.length || !parseInstall(f, checks, parsed)) return undefined;
        rows++;
        if (parsed.verified !== null) phones++;
        if (parsed.lastActive !== null) active++;
        const pending = writer.addInstall(
          f[0]!,
          parsed.createdAt,
          f[2]!,
          f[3]!,
          parsed.district,
          parsed.verified,
          parsed.carrier,
          parsed.lastActive,
        );
        if (pending) await pending;
        if (writer.conflict) return undefined;
      }
      progress?.(rows, estimateTotal(rows, batch.at(-1)?.line ?? 0, lines));
    }
  } catch (error) {
    if (error instanceof CsvSyntaxError) return undefined;
    throw error;
  }
  await writer.flush();
  if (header || rows === 0 || writer.conflict) return undefined;
  return { rows, phones, active };
}

/**
 * The checking pass over a file the fast pass refused: every line validated, IDs repeated in the
 * file and IDs imported before found; writes nothing. Returns the errors (none would be a bug).
 */
async function checkInstalls(
  trx: Kysely<Database>,
  input: string | Uint8Array,
  checks: InstallChecks,
  importId: string,
): Promise<Errors> {
  const errors = new Errors();
  const parsed: ParsedInstall = {
    createdAt: 0,
    district: null,
    verified: null,
    carrier: null,
    lastActive: null,
  };
  const ids = new Map<string, number>();
  let header = true;
  let rows = 0;
  try {
    for await (const batch of csvRecords(input)) {
      for (const record of batch) {
        if (header) {
          header = false;
          if (!checkHeader(record, INSTALL_COLUMNS, errors)) return errors;
          continue;
        }
        if (!fieldCount(record, INSTALL_COLUMNS, errors)) continue;
        const problems: string[] = [];
        parseInstall(record.fields, checks, parsed, problems);
        const sourceId = record.fields[0]!;
        const earlier = ids.get(sourceId);
        if (earlier !== undefined) problems.push(`install_id ${sourceId} repeats line ${earlier}`);
        else ids.set(sourceId, record.line);
        if (problems.length > 0) errors.add(record.line, problems.join('; '));
        else rows++;
      }
      await reportImportedBefore(trx, batch, ids, errors, importId);
    }
  } catch (error) {
    if (error instanceof CsvSyntaxError) errors.add(error.line, `malformed CSV: ${error.message}`);
    else throw error;
  }
  if (header) checkHeader(undefined, INSTALL_COLUMNS, errors);
  else if (rows === 0 && errors.total === 0) errors.add(2, 'the file has a header but no data lines');
  return errors;
}

/**
 * Imports an installs file
 * (`install_id,created_at,platform,province_code,district_code,phone_verified_at,carrier,last_active_at`)
 * into `imported_installs`, with the counters, in one transaction. Throws {@link ImportRejected}
 * (nothing imported) when any line is bad, including an install_id imported before.
 */
export async function importInstalls(
  deps: ImportDeps,
  input: string | Uint8Array,
  source: ImportSource,
): Promise<ImportSummary> {
  const checks: InstallChecks = {
    adminUnits: deps.adminUnits,
    carriers: new Set(vnPhoneNumbers().carriers),
    now: deps.now(),
  };
  const lines = source.progress ? countLines(input) : 0;
  let done = 0;
  const bulk = await openBulkSqlite(deps.storage);
  const storage = bulk?.storage ?? deps.storage;
  // A large file is counted on a worker; on a SQLite file it stages the sums in a file of its own,
  // attached before the transaction (SQLite cannot attach inside one).
  const onWorker = input.length >= (deps.countingWorkerFrom ?? WORKER_MIN_BYTES);
  const staging = bulk && onWorker ? stagingFile(bulk.raw) : undefined;
  const counting = onWorker ? countInWorker(input, staging) : undefined;
  try {
    return await storage.transaction(async (trx: Transaction<Database>) => {
      const importId = await recordImport(trx, 'installs', source, checks.now);
      const writer = new InstallBulkWriter(trx, storage.dialect, importId, bulk?.raw, !counting);
      const written = await writeInstalls(input, checks, writer, source.progress, lines);
      if (!written) {
        await counting?.cancel();
        const errors = await checkInstalls(trx, input, checks, importId);
        if (errors.total === 0) throw new Error('the installs import stopped without finding the bad line');
        throwIfErrors(errors);
      }
      const { rows, phones, active } = written!;
      await writer.writeCounters(counting ? await counting.result() : undefined);
      await trx.updateTable('stats_imports').set({ rows }).where('id', '=', importId).execute();
      done = rows;
      return { importId, kind: 'installs', rows, phoneRegistered: phones, withActivity: active };
    });
  } finally {
    await counting?.cancel();
    staging?.remove();
    await bulk?.close();
    source.progress?.(done, done);
  }
}

/** A staging file for the counting worker, attached to `raw`; `remove` detaches and deletes it. */
function stagingFile(raw: SqliteDatabase.Database): StagingFile & { remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'bluezone-import-'));
  const path = join(dir, 'sums.db');
  const schema = 'import_sums';
  raw.prepare(`attach database ? as ${schema}`).run(path);
  return {
    path,
    schema,
    remove: () => {
      raw.exec(`detach database ${schema}`);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
