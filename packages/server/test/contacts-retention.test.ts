/**
 * Retention of contact lists on both engines, with a moved clock: closing a case, the personal
 * data of its contacts and its legacy matches deleted by the retention job a configurable number
 * of days later (and not before, and not for open cases), a closed case past retention taking no
 * new contacts; the configuration variable; and migration 0008's backfill of key hashes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { legacyIdsForDay, toHex } from '@bluezone/protocol';
import { Migrator } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { CONTACT_RETENTION_TASKS } from '../src/features/contacts/contacts.retention.js';
import { RETENTION_TASKS, retentionJob } from '../src/jobs/retention.js';
import { runJobOnce } from '../src/jobs/scheduler.js';
import { migrateToLatest, migrationsFor } from '../src/storage/migrate.js';
import { openPostgres, openSqlite, type Storage } from '../src/storage/storage.js';
import {
  adminRequest,
  auditEntries,
  type ContactsTestApp,
  contactsOf,
  createContactsTestApp,
  publishedF0,
  reportBody,
  verifiedPhone,
} from './contacts-helpers.js';
import { DATABASE_URL, ENGINES, type Engine, engineAvailable } from './harness.js';

const DAY = 86_400_000;

/** A legacy record and a log with one sighting of it, for `caseId`. */
async function importLegacy(t: ContactsTestApp, caseId: string): Promise<void> {
  const dailyKey = new Uint8Array(randomBytes(32));
  const start = Date.UTC(2020, 7, 5) / 1000;
  const id = toHex(legacyIdsForDay(dailyKey, 96)[7]!).toUpperCase();
  const res = await adminRequest(t, 'POST', `/admin/v1/cases/${caseId}/legacy-import`, {
    body: {
      trace: `${'0'.repeat(24)}\t${id}\t-70\t${(start + 7 * 900) * 1000}\n`,
      infoF: { data: [{ daily_key: toHex(dailyKey), time_start: start, max: 96, time_end: start + 86_400 }] },
    },
  });
  if (res.statusCode !== 200 || res.json().recorded !== 1) throw new Error(`legacy import: ${res.body}`);
}

const legacyCount = async (storage: Storage, caseId: string) =>
  (await storage.db.selectFrom('legacy_matches').select('id').where('case_id', '=', caseId).execute()).length;

for (const engine of ENGINES) {
  describe.runIf(engineAvailable(engine))(`contact retention on ${engine}`, () => {
    it('deletes a closed case’s contact data and legacy matches 30 days after closing, not before, and not an open case’s', async () => {
      const t = await createContactsTestApp(engine);
      try {
        expect(RETENTION_TASKS).toEqual(expect.arrayContaining([...CONTACT_RETENTION_TASKS]));
        const closed = await publishedF0(t);
        const open = await publishedF0(t);
        const phone = await verifiedPhone(t);
        const report = await phone.report(reportBody([closed.keys[0]!, open.keys[0]!], ['2020-08-07'], 2));
        expect(report.json()).toMatchObject({ linkedCases: 2 });
        await importLegacy(t, closed.caseId);
        await importLegacy(t, open.caseId);

        const closedAt = t.clock.now();
        const res = await adminRequest(t, 'POST', `/admin/v1/cases/${closed.caseId}/close`);
        expect(res.statusCode).toBe(200);
        expect(res.json()).toEqual({
          caseId: closed.caseId,
          closedAt: new Date(closedAt).toISOString(),
          contactDataDeletedAfter: new Date(closedAt + 30 * DAY).toISOString(),
        });
        // Closing again changes nothing and is not audited twice.
        t.clock.advance(DAY);
        const again = await adminRequest(t, 'POST', `/admin/v1/cases/${closed.caseId}/close`);
        expect(again.json()).toEqual(res.json());
        const closeAudit = (await auditEntries(t.storage, 'case.close')).filter(
          (a) => a.subject === `case:${closed.caseId}`,
        );
        expect(closeAudit).toEqual([
          expect.objectContaining({
            actor: `apikey:${t.keyIds.admin}`,
            at: closedAt,
            details: JSON.stringify({ contactRetentionDays: 30 }),
          }),
        ]);

        // 30 days after closing: kept.
        t.clock.set(closedAt + 30 * DAY);
        const early = await runJobOnce(t.ctx, retentionJob());
        expect(early).toMatchObject({ status: 'ok', result: { contacts: 0, legacy_matches: 0 } });
        expect(await contactsOf(t, closed.caseId, true)).toEqual([
          expect.objectContaining({
            phoneNumber: phone.number,
            exposureDays: ['2020-08-07'],
            purgedAt: null,
          }),
        ]);
        expect(await legacyCount(t.storage, closed.caseId)).toBe(1);

        // A moment later: gone.
        t.clock.advance(1);
        const purge = await runJobOnce(t.ctx, retentionJob());
        expect(purge).toMatchObject({ status: 'ok', result: { contacts: 1, legacy_matches: 1 } });
        const [row] = await t.storage.db
          .selectFrom('contacts')
          .selectAll()
          .where('case_id', '=', closed.caseId)
          .execute();
        expect(row).toMatchObject({
          phone_id: null,
          exposure_days: null,
          max_risk_level: null,
          last_report_id: null,
          purged_at: t.clock.now(),
          level: 'F1',
        });
        expect(await legacyCount(t.storage, closed.caseId)).toBe(0);
        const revealsBefore = (await auditEntries(t.storage, 'contact.phone.reveal')).length;
        expect(await contactsOf(t, closed.caseId, true)).toEqual([
          expect.objectContaining({
            phoneNumber: null,
            exposureDays: null,
            maxRiskLevel: null,
            purgedAt: new Date(t.clock.now()).toISOString(),
          }),
        ]);
        expect((await auditEntries(t.storage, 'contact.phone.reveal')).length).toBe(revealsBefore);
        const graph = (await adminRequest(t, 'GET', `/admin/v1/cases/${closed.caseId}/graph`)).json();
        expect(graph.edges).toEqual([
          { from: closed.caseId, to: row!.id, exposureDays: [], maxRiskLevel: null },
        ]);
        // A purged contact can no longer become a recursive case.
        const recursive = await adminRequest(t, 'POST', `/admin/v1/contacts/${row!.id}/recursive-case`);
        expect(recursive.statusCode).toBe(409);
        expect(recursive.json().error.code).toBe('contact_not_eligible');

        // The open case keeps everything; the number itself stays registered.
        expect(await contactsOf(t, open.caseId, true)).toEqual([
          expect.objectContaining({ phoneNumber: phone.number, exposureDays: ['2020-08-07'] }),
        ]);
        expect(await legacyCount(t.storage, open.caseId)).toBe(1);
        expect(await runJobOnce(t.ctx, retentionJob())).toMatchObject({
          result: { contacts: 0, legacy_matches: 0 },
        });
      } finally {
        await t.close();
      }
    });

    it('follows BLUEZONE_CONTACT_RETENTION_DAYS, and a case past it takes no new contacts', async () => {
      const t = await createContactsTestApp(engine, { BLUEZONE_CONTACT_RETENTION_DAYS: '2' });
      try {
        const f0 = await publishedF0(t);
        const first = await verifiedPhone(t);
        await first.report(reportBody([f0.keys[0]!]));
        const closedAt = t.clock.now();
        const res = await adminRequest(t, 'POST', `/admin/v1/cases/${f0.caseId}/close`);
        expect(res.json().contactDataDeletedAfter).toBe(new Date(closedAt + 2 * DAY).toISOString());

        // Within the period a closed case still takes contacts (its keys are still out there).
        t.clock.set(closedAt + DAY);
        const late = await verifiedPhone(t);
        expect((await late.report(reportBody([f0.keys[1]!], ['2020-08-08']))).json()).toMatchObject({
          linkedCases: 1,
        });

        t.clock.set(closedAt + 2 * DAY + 1);
        const tooLate = await verifiedPhone(t);
        expect((await tooLate.report(reportBody([f0.keys[2]!], ['2020-08-09']))).json()).toMatchObject({
          linkedCases: 0,
        });
        expect(await runJobOnce(t.ctx, retentionJob(CONTACT_RETENTION_TASKS))).toMatchObject({
          result: { contacts: 2, legacy_matches: 0 },
        });
        expect((await contactsOf(t, f0.caseId)).map((c) => c.purgedAt !== null)).toEqual([true, true]);
      } finally {
        await t.close();
      }
    });
  });

  describe.runIf(engineAvailable(engine))(`migration 0008 on ${engine}`, () => {
    it('backfills the SHA-256 of keys stored before it; their case stays unknown', async () => {
      const { storage, destroy } = await emptyStorage(engine);
      try {
        const migrator = new Migrator({
          db: storage.db,
          provider: { getMigrations: async () => migrationsFor(storage.dialect) },
          migrationTableName: 'schema_migrations',
          migrationLockTableName: 'schema_migrations_lock',
          ...(storage.schema === undefined ? {} : { migrationTableSchema: storage.schema }),
        });
        expect((await migrator.migrateTo('0007-exposures')).error).toBeUndefined();
        const keys = Array.from({ length: 2503 }, () => new Uint8Array(randomBytes(16)));
        for (let i = 0; i < keys.length; i += 500) {
          await storage.db
            .insertInto('exposures')
            .values(
              keys.slice(i, i + 500).map((k, j) => ({
                id: `exp_${String(i + j).padStart(6, '0')}`,
                key_data: k,
                rolling_start_interval_number: 2_658_528,
                rolling_period: 144,
                transmission_risk: 0,
                report_type: 1,
                days_since_onset: null,
                health_authority: 'vn-moh',
                region: 'VN',
                created_at: 1,
                revised_report_type: null,
                revised_at: null,
                revised_days_since_onset: null,
                revised_transmission_risk: null,
                exported_batch_id: null,
                revised_exported_batch_id: null,
              })),
            )
            .execute();
        }
        const report = await migrateToLatest(storage);
        expect(report.applied).toContain('0008-contacts');
        const rows = await storage.db
          .selectFrom('exposures')
          .select(['key_data', 'key_hash', 'case_id'])
          .execute();
        expect(rows).toHaveLength(keys.length);
        for (const row of rows) {
          expect(Buffer.from(row.key_hash!).toString('hex')).toBe(
            createHash('sha256').update(row.key_data).digest('hex'),
          );
          expect(row.case_id).toBeNull();
        }
      } finally {
        await destroy();
      }
    });
  });
}

/** A storage with no tables yet. */
async function emptyStorage(engine: Engine): Promise<{ storage: Storage; destroy: () => Promise<void> }> {
  if (engine === 'sqlite') {
    const storage = openSqlite(join(mkdtempSync(join(tmpdir(), 'bluezone-0008-')), 'test.db'));
    return { storage, destroy: () => storage.close() };
  }
  const schema = `bz_test_${randomBytes(6).toString('hex')}`;
  const storage = await openPostgres(DATABASE_URL!, schema, 2);
  return {
    storage,
    destroy: async () => {
      await storage.close();
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    },
  };
}

describe('BLUEZONE_CONTACT_RETENTION_DAYS', () => {
  it('defaults to 30 days and takes 1 to 365', () => {
    expect(loadConfig({}).contactRetentionDays).toBe(30);
    expect(loadConfig({ BLUEZONE_CONTACT_RETENTION_DAYS: '1' }).contactRetentionDays).toBe(1);
    expect(loadConfig({ BLUEZONE_CONTACT_RETENTION_DAYS: '365' }).contactRetentionDays).toBe(365);
    for (const bad of ['0', '366', '-1', '7d', '1.5']) {
      expect(() => loadConfig({ BLUEZONE_CONTACT_RETENTION_DAYS: bad })).toThrow(
        /BLUEZONE_CONTACT_RETENTION_DAYS/,
      );
    }
  });
});
