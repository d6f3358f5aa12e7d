/**
 * Demo data for `npm start`: a few thousand installs spread over the 63 provinces the way the
 * 2020 campaign's installs were (more in large cities), so that every screen has something to
 * show. Seeded once into an empty database; never in production (only `serve --demo` calls it).
 *
 * @module
 */
import { newId } from './ids.js';
import type { AdminUnits } from './reference/admin-units.js';
import type { Storage } from './storage/storage.js';

/** A deterministic pseudo-random generator (mulberry32) so the demo looks the same every time. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Seeds demo installs if the database has none. Returns how many were added. */
export async function seedDemoData(
  storage: Storage,
  units: AdminUnits,
  now: number,
  count = 5000,
): Promise<number> {
  const existing = await storage.db
    .selectFrom('installs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  if (Number(existing.n) > 0) return 0;
  const random = seeded(20_200_418); // Bluezone's launch day
  const districts = [...units.districts.values()];
  const weight = (code: string) =>
    code === '01' || code === '79' ? 8 : code === '31' || code === '48' || code === '92' ? 3 : 1;
  const weighted = districts.flatMap((d) => Array.from({ length: weight(d.provinceCode) }, () => d));
  const platforms = ['android', 'android', 'android', 'ios', 'ios'] as const;
  const rows = Array.from({ length: count }, () => {
    const d = weighted[Math.floor(random() * weighted.length)]!;
    const createdAt = now - Math.floor(random() * 60 * 86_400_000);
    return {
      id: newId('ins_'),
      token_hash: new Uint8Array(Array.from({ length: 32 }, () => Math.floor(random() * 256))),
      platform: platforms[Math.floor(random() * platforms.length)]!,
      app_version: '1.0.0',
      province_code: d.provinceCode,
      district_code: d.code,
      admin_units_as_of: units.asOf,
      locale: random() < 0.95 ? 'vi' : 'en',
      created_at: createdAt,
      last_active_at: random() < 0.6 ? now - Math.floor(random() * 7 * 86_400_000) : null,
      phone_id: null,
      phone_verified_at: null,
      carrier: null,
    };
  });
  await storage.transaction(async (trx) => {
    for (let i = 0; i < rows.length; i += 500)
      await trx
        .insertInto('installs')
        .values(rows.slice(i, i + 500))
        .execute();
    await trx
      .insertInto('audit_log')
      .values({
        id: newId('aud_'),
        at: now,
        actor: 'system',
        action: 'demo.seed',
        subject: null,
        details: JSON.stringify({ installs: count }),
      })
      .execute();
  });
  return count;
}
