/**
 * Issue 8 §7 acceptance: the demo that `npm start` brings up (`bluezone serve --demo`, i.e.
 * `startDemo(config)` of packages/cli/src/demo/seed.ts) on a new SQLite directory, serving the
 * portal built from the current sources; in a real browser each demo user logs in and sees the
 * right scope:
 *
 * - `admin` (national) sees both Hải Dương cases (the F0 and the F1's recursive case);
 * - `haiduong` (province admin of Hải Dương, 30) sees them and their F1 and F2 contacts;
 * - `thainguyen` (province admin of Thái Nguyên, 19) sees no case and no contact, and "not found"
 *   for a Hải Dương case opened by its URL.
 *
 * Seeding imports 63 provinces of synthetic installs and traces an outbreak through the real
 * flow: slow on a loaded machine, so the set-up has a generous time limit and prints how long it
 * took. Screenshot: docs/screenshots/portal-demo-haiduong.png.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@bluezone/server';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, type DemoStart, startDemo } from '../../cli/src/demo/seed.js';
import { buildPortal, launchBrowser, logIn, newPage, shot } from './helpers.js';

/** Seeding took 69 s here (two cores, load average 10); allow for a much slower machine. */
const SEED_TIMEOUT = 15 * 60_000;

describe('the demo in a browser: each demo user sees their scope', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bluezone-demo-e2e-'));
  const outDir = join(dir, 'portal');
  const config = loadConfig({
    BLUEZONE_DATA_DIR: dir,
    BLUEZONE_PORT: '0',
    BLUEZONE_LOG_LEVEL: 'silent',
    BLUEZONE_JOBS: 'false',
    BLUEZONE_SMS: `file:${join(dir, 'sms.jsonl')}`,
    // Plain HTTP on 127.0.0.1: the session cookie must not be Secure-only here.
    BLUEZONE_COOKIE_SECURE: 'false',
    BLUEZONE_PORTAL_DIR: outDir,
  });
  let demo: DemoStart;
  let seeded: NonNullable<DemoStart['seeded']>;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    await buildPortal(outDir);
    const started = Date.now();
    demo = await startDemo(config, { logger: false });
    const seconds = (Date.now() - started) / 1000;
    process.stderr.write(`demo-browser: startDemo (seeding) took ${seconds.toFixed(1)} s\n`);
    if (!demo.seeded) throw new Error('a new data directory was not seeded');
    seeded = demo.seeded;
    url = demo.server.url;
    browser = await launchBrowser();
  }, SEED_TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await demo?.server.close();
  });

  it('admin (national) sees both Hải Dương cases', async () => {
    const { context, page } = await newPage(browser);
    await logIn(page, url, 'admin', DEMO_PASSWORD);
    await page.goto(`${url}/cases`);
    const cases = page.getByRole('link', { name: /^case_/ });
    await cases.first().waitFor();
    expect((await cases.allTextContents()).sort()).toEqual(
      [seeded.outbreak.caseId, seeded.outbreak.recursiveCaseId].sort(),
    );
    expect(await page.getByRole('row').filter({ hasText: seeded.outbreak.caseId }).textContent()).toContain(
      'Hải Dương',
    );
    await context.close();
  });

  it('haiduong sees the cases and their F1 and F2 contacts', async () => {
    const { context, page } = await newPage(browser);
    await logIn(page, url, 'haiduong', DEMO_PASSWORD);
    await page.goto(`${url}/cases`);
    const cases = page.getByRole('link', { name: /^case_/ });
    await cases.first().waitFor();
    expect((await cases.allTextContents()).sort()).toEqual(
      [seeded.outbreak.caseId, seeded.outbreak.recursiveCaseId].sort(),
    );

    await page
      .getByRole('navigation', { name: 'Điều hướng chính' })
      .getByRole('link', { name: 'Người tiếp xúc (F1/F2)' })
      .click();
    const contacts = page.getByRole('link', { name: /^ct_/ });
    await contacts.first().waitFor();
    const levels = await page.locator('tbody .badge[class*="level-"]').allTextContents();
    expect(levels.filter((l) => l === 'F1').length).toBe(seeded.outbreak.f1);
    expect(levels.filter((l) => l === 'F2').length).toBe(seeded.outbreak.f2);
    // The officer's follow-up the demo made: one contacted, one in quarantine.
    expect(await page.getByRole('cell', { name: 'Cách ly' }).count()).toBeGreaterThanOrEqual(1);
    await shot(page, 'demo-haiduong');

    // The F0's page lists its contacts too.
    await page.goto(`${url}/cases/${seeded.outbreak.caseId}`);
    await page.getByRole('heading', { name: `Ca bệnh ${seeded.outbreak.caseId}` }).waitFor();
    await page
      .getByRole('region', { name: 'Người tiếp xúc của ca bệnh' })
      .getByRole('link')
      .first()
      .waitFor();
    await context.close();
  });

  it('thainguyen sees no case and no contact, and not found for a Hải Dương case', async () => {
    const { context, page } = await newPage(browser);
    await logIn(page, url, 'thainguyen', DEMO_PASSWORD);
    await page.goto(`${url}/cases`);
    await page.getByText('Chưa có ca bệnh nào trong phạm vi của bạn.').waitFor();
    expect(await page.getByRole('link', { name: /^case_/ }).count()).toBe(0);
    await page.goto(`${url}/contacts`);
    await page.getByText('Không có người tiếp xúc nào phù hợp.').waitFor();
    expect(await page.getByRole('link', { name: /^ct_/ }).count()).toBe(0);
    await page.goto(`${url}/cases/${seeded.outbreak.caseId}`);
    const alert = page.getByRole('alert').first();
    await alert.waitFor();
    expect(await alert.textContent()).toContain('Không tìm thấy: không có hoặc nằm ngoài phạm vi của bạn.');
    expect(await alert.textContent()).toContain('not_found');
    await context.close();
  });
});
