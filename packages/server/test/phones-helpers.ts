/**
 * Helpers of the phone-registration HTTP tests: an app with a controllable clock and SMS
 * sender, devices with their own client address, unique numbers, and a dump of every table.
 */
import { randomInt } from 'node:crypto';
import type { LightMyRequestResponse as Response } from 'fastify';
import { sql } from 'kysely';
import { type App, buildApp } from '../src/app.js';
import { loadAdminUnits } from '../src/reference/admin-units.js';
import { memorySmsSender } from '../src/sms/memory-sender.js';
import type { SmsSender } from '../src/sms/sms-sender.js';
import type { Storage } from '../src/storage/storage.js';
import { createTestStorage, type Engine, TEST_SECRETS, testClock, testConfig } from './harness.js';

export const HOUR = 3_600_000;

/** A memory sender that can be switched to fail. */
export function switchableSms() {
  const memory = memorySmsSender();
  let failure: Error | undefined;
  const sender: SmsSender = {
    send: (to, text) => (failure ? Promise.reject(failure) : memory.send(to, text)),
  };
  return {
    sender,
    memory,
    failWith: (error: Error | undefined) => {
      failure = error;
    },
  };
}

/** An app on a fresh storage, with a test clock and switchable SMS. */
export async function createPhoneTestApp(
  engine: Engine,
  options: {
    config?: Record<string, string>;
    logStream?: { write(line: string): void };
    sms?: 'memory' | 'config';
  } = {},
) {
  const { storage, destroy } = await createTestStorage(engine);
  const clock = testClock();
  const sms = switchableSms();
  const app = await buildApp(
    testConfig(options.config),
    {
      storage,
      secrets: TEST_SECRETS,
      adminUnits: loadAdminUnits(),
      now: clock.now,
      ...(options.sms === 'config' ? {} : { sms: sms.sender }),
    },
    {
      logger: options.logStream !== undefined,
      ...(options.logStream ? { logStream: options.logStream } : {}),
    },
  );
  await app.ready();
  return {
    app,
    storage,
    clock,
    sms,
    close: async () => {
      await app.close();
      await destroy();
    },
  };
}

let addresses = randomInt(1, 200) * 256;

/** A client address no other test uses (per-client limits are per address). */
export function uniqueAddress(): string {
  addresses += 1;
  return `10.${(addresses >> 16) & 255}.${(addresses >> 8) & 255}.${addresses & 255}`;
}

let subscriber = randomInt(0, 5_000_000);

/** A Vietnamese mobile number no other test uses, national form; VinaPhone 091 by default. */
export function uniqueNumber(prefix = '091'): string {
  subscriber = (subscriber + 1) % 10_000_000;
  return prefix + String(subscriber).padStart(7, '0');
}

/** E.164 form of a national number. */
export const e164 = (national: string) => `+84${national.slice(1)}`;

/** A registered install that talks from its own address. */
export interface Device {
  readonly installId: string;
  readonly token: string;
  readonly address: string;
  otp(body: unknown): Promise<Response>;
  verify(body: unknown): Promise<Response>;
}

/** Registers an install and returns a client for the phone endpoints. */
export async function newDevice(
  app: App,
  options: { locale?: 'vi' | 'en'; address?: string } = {},
): Promise<Device> {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/installs',
    payload: { platform: 'android', appVersion: '1.0.0', provinceCode: '79', locale: options.locale ?? 'vi' },
  });
  if (res.statusCode !== 201) throw new Error(`install failed: ${res.body}`);
  const { installId, deviceToken } = res.json<{ installId: string; deviceToken: string }>();
  const address = options.address ?? uniqueAddress();
  const post = (url: string) => (body: unknown) =>
    app.inject({
      method: 'POST',
      url,
      remoteAddress: address,
      headers: { authorization: `Bearer ${deviceToken}`, 'content-type': 'application/json' },
      payload: typeof body === 'string' ? body : JSON.stringify(body),
    });
  return {
    installId,
    token: deviceToken,
    address,
    otp: post('/v1/phone/otp'),
    verify: post('/v1/phone/verify'),
  };
}

/** The code in the last SMS to `national`'s number. */
export function lastCode(sms: ReturnType<typeof switchableSms>, national: string): string {
  const text = sms.memory.lastTo(e164(national))?.text;
  const code = text ? /\b(\d{6})\b/.exec(text)?.[1] : undefined;
  if (!code) throw new Error(`no code was texted to ${national}`);
  return code;
}

/** Every table's rows, binary values as Buffers. */
export async function dumpDatabase(storage: Storage): Promise<Record<string, Record<string, unknown>[]>> {
  const tables =
    storage.dialect === 'sqlite'
      ? await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(storage.db)
      : await sql<{
          name: string;
        }>`select table_name as name from information_schema.tables where table_schema = current_schema()`.execute(
          storage.db,
        );
  const dump: Record<string, Record<string, unknown>[]> = {};
  for (const { name } of tables.rows) {
    const rows = await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(storage.db);
    dump[name] = rows.rows;
  }
  return dump;
}

/** The dump as one searchable string: text as is, binary decoded as Latin-1 and as UTF-8. */
export function dumpText(dump: Record<string, Record<string, unknown>[]>): string {
  const parts: string[] = [];
  for (const rows of Object.values(dump))
    for (const row of rows)
      for (const value of Object.values(row)) {
        if (value instanceof Uint8Array) {
          parts.push(Buffer.from(value).toString('latin1'), Buffer.from(value).toString('utf8'));
        } else parts.push(String(value));
      }
  return parts.join('\u0000');
}

/** Row counts of the tables a phone request may write. */
export async function phoneTableCounts(storage: Storage) {
  const count = async (table: 'phones' | 'otp_challenges' | 'rate_limits') =>
    Number(
      (
        await storage.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const linked = Number(
    (
      await storage.db
        .selectFrom('installs')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('phone_id', 'is not', null)
        .executeTakeFirstOrThrow()
    ).n,
  );
  return {
    phones: await count('phones'),
    challenges: await count('otp_challenges'),
    rateLimits: await count('rate_limits'),
    linked,
  };
}
