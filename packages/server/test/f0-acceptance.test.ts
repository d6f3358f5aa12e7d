/**
 * Acceptance: the whole F0 path over real HTTP on a listening server, on both engines — API keys,
 * a confirmed case and its code, `/api/verify`, `/api/certificate` with the HMAC the phone
 * computes, `/v1/publish`, the export batch, then what a phone does: download `index.txt` and the
 * files, verify each signature against `/v1/exports/keys`, and find its keys, padded to the
 * minimum, with the report type and onset the authority entered.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  calculateVerificationHmac,
  exportParseFile,
  exportVerifyFile,
  ReportType,
  verificationBase64Encode,
} from '@bluezone/protocol';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createContext } from '../src/context.js';
import { createApiKey } from '../src/features/api-keys.js';
import { exportBatchJob } from '../src/features/exports/exports.batcher.js';
import { runJobOnce } from '../src/jobs/scheduler.js';
import { startServer } from '../src/main.js';
import { loadAdminUnits } from '../src/reference/admin-units.js';
import { deriveSecrets, loadMasterKey } from '../src/secrets.js';
import { DATABASE_URL, ENGINES, engineAvailable, testClock } from './harness.js';
import { DAY_INTERVALS, dayStart, HOUR_MS, hex, keyAt, pastKeys } from './publish-helpers.js';

const MIN_KEYS = 100;

for (const engine of ENGINES) {
  describe.runIf(engineAvailable(engine))(`F0 end to end over HTTP on ${engine}`, () => {
    it('publishes a confirmed case’s keys into a signed, padded key file a phone can verify', async () => {
      const clock = testClock(Date.UTC(2020, 7, 8, 9, 0, 0));
      const dir = mkdtempSync(join(tmpdir(), 'bluezone-f0-'));
      const schema = `bz_test_${randomBytes(6).toString('hex')}`;
      const config = loadConfig({
        BLUEZONE_LOG_LEVEL: 'silent',
        BLUEZONE_JOBS: 'false',
        BLUEZONE_HOST: '127.0.0.1',
        BLUEZONE_PORT: '0',
        BLUEZONE_DATA_DIR: dir,
        BLUEZONE_SECRET_KEY: randomBytes(32).toString('base64'),
        BLUEZONE_EXPORT_MIN_KEYS: String(MIN_KEYS),
        ...(engine === 'postgres'
          ? { DATABASE_URL: DATABASE_URL!, BLUEZONE_DB_SCHEMA: schema }
          : { BLUEZONE_DB: join(dir, 'bluezone.db') }),
      });
      const server = await startServer(config, { logger: false, now: clock.now });
      try {
        const http = async (path: string, init: { method?: string; key?: string; body?: unknown } = {}) =>
          fetch(`${server.url}${path}`, {
            method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
            headers: {
              ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
              ...(init.key === undefined ? {} : { 'x-api-key': init.key }),
            },
            ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
          });
        const now = clock.now();
        const lab = await createApiKey(server.storage.db, 'lab', 'CDC Hồ Chí Minh', now);
        const device = await createApiKey(server.storage.db, 'device', 'Bluezone app', now);

        // The authority enters the case; the patient receives the long code by SMS.
        const created = await http('/admin/v1/cases', {
          key: lab.key,
          body: {
            provinceCode: '79',
            testType: 'confirmed',
            symptomDate: '2020-08-04',
            testDate: '2020-08-07',
          },
        });
        expect(created.status).toBe(201);
        const { caseId, longCode } = (await created.json()) as { caseId: string; longCode: string };

        // The phone: code → token → certificate for the HMAC of its keys → publish.
        const verified = await http('/api/verify', {
          key: device.key,
          body: { code: longCode, accept: ['confirmed'] },
        });
        expect(verified.status).toBe(200);
        const { token, testtype } = (await verified.json()) as { token: string; testtype: string };
        expect(testtype).toBe('confirmed');
        const keys = [
          ...pastKeys(now, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]),
          keyAt(dayStart(now), 144),
        ];
        const hmacKey = new Uint8Array(randomBytes(32));
        const ekeyhmac = verificationBase64Encode(calculateVerificationHmac(keys, hmacKey));
        const cert = await http('/api/certificate', { key: device.key, body: { token, ekeyhmac } });
        expect(cert.status).toBe(200);
        const { certificate } = (await cert.json()) as { certificate: string };
        const published = await http('/v1/publish', {
          body: {
            temporaryExposureKeys: keys.map((k) => ({
              key: verificationBase64Encode(k.keyData),
              rollingStartNumber: k.rollingStartIntervalNumber,
              rollingPeriod: k.rollingPeriod,
              transmissionRisk: k.transmissionRiskLevel,
            })),
            healthAuthorityID: 'vn-moh',
            verificationPayload: certificate,
            hmacKey: verificationBase64Encode(hmacKey),
            padding: randomBytes(1024).toString('base64'),
          },
        });
        expect(published.status).toBe(200);
        const publishAnswer = (await published.json()) as {
          insertedExposures: number;
          revisionToken: string;
        };
        expect(publishAnswer.insertedExposures).toBe(15);
        const status = await http(`/admin/v1/cases/${caseId}`, { key: lab.key });
        expect(await status.json()).toMatchObject({ state: 'keys_published', keysPublished: 15 });

        // The export period ends; the batcher runs.
        clock.advance(HOUR_MS);
        const ctx = createContext(config, {
          storage: server.storage,
          secrets: deriveSecrets(loadMasterKey(config)),
          adminUnits: loadAdminUnits(),
          now: clock.now,
        });
        const outcome = await runJobOnce(ctx, exportBatchJob());
        expect(outcome).toMatchObject({ status: 'ok', result: { batches: 1, keys: 14 } });

        // Another phone downloads the index, the files and the signing keys, and verifies.
        const index = await http('/v1/exports/index.txt');
        expect(index.status).toBe(200);
        const paths = (await index.text()).trimEnd().split('\n');
        expect(paths).toHaveLength(1);
        const signing = (await (await http('/v1/exports/keys')).json()) as {
          keys: { id: string; version: string; publicKey: string; algorithm: string }[];
        };
        const download = await http(`/v1/exports/${paths[0]}`);
        expect(download.status).toBe(200);
        const etag = download.headers.get('etag');
        const zip = new Uint8Array(await download.arrayBuffer());
        const parsed = exportParseFile(zip);
        if (!parsed.ok) throw parsed.error;
        const signature = parsed.value.signatures[0]!;
        const signer = signing.keys.find(
          (k) => k.id === signature.verificationKeyId && k.version === signature.verificationKeyVersion,
        );
        expect(signer?.algorithm).toBe('1.2.840.10045.4.3.2');
        const check = await exportVerifyFile(
          parsed.value,
          new Uint8Array(Buffer.from(signer!.publicKey, 'base64')),
          {
            keyId: signer!.id,
            keyVersion: signer!.version,
          },
        );
        expect(check.ok).toBe(true);

        const { contents } = parsed.value;
        expect(contents.region).toBe('VN');
        expect(contents.keys).toHaveLength(MIN_KEYS);
        const inFile = new Map(contents.keys.map((k) => [hex(k.keyData), k]));
        const onset = dayStart(now, 4);
        for (const key of keys.slice(0, 14)) {
          expect(inFile.get(hex(key.keyData))).toMatchObject({
            rollingStartIntervalNumber: key.rollingStartIntervalNumber,
            rollingPeriod: 144,
            transmissionRiskLevel: key.transmissionRiskLevel,
            reportType: ReportType.CONFIRMED_TEST,
            daysSinceOnsetOfSymptoms: (key.rollingStartIntervalNumber - onset) / DAY_INTERVALS,
          });
        }
        // Today's key is still valid: embargoed until its day ends.
        expect(inFile.has(hex(keys[14]!.keyData))).toBe(false);

        const again = await fetch(`${server.url}/v1/exports/${paths[0]}`, {
          headers: { 'if-none-match': etag! },
        });
        expect(again.status).toBe(304);
      } finally {
        await server.close();
        if (engine === 'postgres') {
          const client = new pg.Client({ connectionString: DATABASE_URL });
          await client.connect();
          await client.query(`drop schema if exists ${schema} cascade`);
          await client.end();
        }
      }
    });
  });
}
