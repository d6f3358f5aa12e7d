/**
 * Issue 7 acceptance for the portal, in a real browser (Debian Chromium through playwright-core)
 * against a real listening server with the portal built from the current sources
 * (helpers.ts): statistics imported through the API with an admin key, the imports page (a
 * file imported, a bad file's lines listed and nothing written), the dashboard (the map drawn with 63 provinces and both
 * archipelagos, the ranked table sorted by rate, numbers in Vietnamese format, the "as of"
 * cut-off), a province page with its districts, a province user's view and scope, and a quick
 * report issued from the reports page and downloaded as DOCX.
 *
 * The fixture's figures were computed by hand:
 *
 * | province | smartphones | with a phone number | installs | rate | rank |
 * |---|---|---|---|---|---|
 * | Đà Nẵng (48) | 500 | 300 | 300 | 60,00 % | 1 |
 * | Hà Nội (01) | 2.000 | 500 | 500 | 25,00 % | 2 |
 * | Khánh Hòa (56) | 1.000 | 250 | 250 | 25,00 % | 2 (tie) |
 * | Hồ Chí Minh (79) | 10.000 | 1.234 | 1.334 | 12,34 % | 4 |
 * | whole country | 13.500 | 2.284 | 2.384 | 16,92 % | |
 *
 * Hồ Chí Minh: district 760 (4.000 smartphones) 800 with a number + 100 without = 20,00 %;
 * district 761 (3.000) 434 = 14,47 %; 234 of 761's were created two days ago, so as of five days
 * ago the province has 1.000 = 10,00 %. Viettel: 1.000 numbers ÷ 5.000 subscribers = 20,00 %.
 * Active (a check-in yesterday): the 800 of district 760. Registrations still needed for 50 %:
 * 5.000 − 1.234 = 3.766.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createApiKey,
  createContext,
  createUser,
  deriveSecrets,
  loadAdminUnits,
  loadConfig,
  loadMasterKey,
  type RunningServer,
  startServer,
  type UserRole,
} from '@bluezone/server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPortal, launchBrowser, logIn, newPage, shot } from './helpers.js';

const PASSWORD = 'correct horse battery staple';
const DAY = 86_400_000;
/** A province's name without "Thành phố"/"Tỉnh", as the tables are compared below. */
const short = (name: string | undefined) => (name ?? '').replace(/^(Thành phố|Tỉnh) /, '');
/** The Vietnamese calendar day `daysAgo` before today (YYYY-MM-DD). */
const vnDay = (daysAgo: number) =>
  new Date(Date.now() + 7 * 3_600_000 - daysAgo * DAY).toISOString().slice(0, 10);
/** 10:00 Vietnam time `daysAgo` days ago, as the installs file writes times. */
const at = (daysAgo: number, minutes = 0) =>
  `${vnDay(daysAgo)}T10:${String(minutes).padStart(2, '0')}:00+07:00`;

/**
 * Waits until the element `testId` shows exactly `text`: the page refetches after navigation, so
 * a value read at once may still be the previous one (Playwright retries; the failure names both).
 */
async function shows(page: Page, testId: string, text: string): Promise<void> {
  const element = page.getByTestId(testId);
  try {
    await element
      .filter({ hasText: new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) })
      .waitFor({ timeout: 10_000 });
  } catch {
    expect(await element.textContent(), testId).toBe(text);
  }
}

const DENOMINATORS = [
  'effective_date,province_code,district_code,carrier,smartphones',
  '2020-09-01,79,,,10000',
  '2020-09-01,79,760,,4000',
  '2020-09-01,79,761,,3000',
  '2020-09-01,79,,viettel,5000',
  '2020-09-01,01,,,2000',
  '2020-09-01,48,,,500',
  '2020-09-01,56,,,1000',
].join('\n');

function installsCsv(): string {
  const rows = [
    'install_id,created_at,platform,province_code,district_code,phone_verified_at,carrier,last_active_at',
  ];
  let n = 0;
  const add = (count: number, row: (i: number) => string) => {
    for (let i = 0; i < count; i++) rows.push(`t-${++n},${row(i)}`);
  };
  // Hồ Chí Minh, district 760: 800 with a Viettel number, active yesterday; 100 without a number.
  add(800, () => `${at(10)},android,79,760,${at(10, 5)},viettel,${at(1)}`);
  add(100, () => `${at(10)},ios,79,760,,,`);
  // District 761: 200 on Viettel ten days ago, 234 on Vinaphone two days ago.
  add(200, () => `${at(10)},android,79,761,${at(10, 5)},viettel,`);
  add(234, () => `${at(2)},android,79,761,${at(2, 5)},vinaphone,`);
  add(500, () => `${at(8)},android,01,001,${at(8, 5)},mobifone,`);
  add(300, () => `${at(8)},ios,48,490,${at(8, 5)},mobifone,`);
  add(250, () => `${at(8)},android,56,568,${at(8, 5)},,`);
  return `${rows.join('\n')}\n`;
}

describe('dashboard, province page, reports and imports in a browser', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bluezone-dashboard-e2e-'));
  const outDir = join(dir, 'portal');
  const config = loadConfig({
    BLUEZONE_DATA_DIR: dir,
    BLUEZONE_PORT: '0',
    BLUEZONE_LOG_LEVEL: 'silent',
    BLUEZONE_JOBS: 'false',
    BLUEZONE_SMS: `file:${join(dir, 'sms.jsonl')}`,
    BLUEZONE_COOKIE_SECURE: 'false',
    BLUEZONE_PORTAL_DIR: outDir,
  });
  const users = { national: 'moh.admin', hcm: 'hcm.admin' };
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    await buildPortal(outDir);
    server = await startServer(config, { logger: false });
    const ctx = createContext(config, {
      storage: server.storage,
      secrets: deriveSecrets(loadMasterKey(config)),
      adminUnits: loadAdminUnits(),
      now: Date.now,
    });
    const add = (username: string, role: UserRole, provinceCode: string | null) =>
      createUser(ctx, 'test', { username, role, provinceCode, password: PASSWORD }, Date.now());
    await add(users.national, 'national_admin', null);
    await add(users.hcm, 'province_admin', '79');

    // The figures through the API, as an integration would send them (the imports page is tested below).
    const key = (await createApiKey(server.storage.db, 'admin', 'statistics office', Date.now())).key;
    const post = async (kind: string, body: string) => {
      const response = await fetch(`${server.url}/admin/v1/stats/${kind}`, {
        method: 'POST',
        headers: { 'x-api-key': key, 'content-type': 'text/csv' },
        body,
      });
      expect(response.status, await response.clone().text()).toBe(200);
      return response.json();
    };
    expect(await post('denominators', DENOMINATORS)).toMatchObject({ kind: 'denominators', rows: 7 });
    expect(await post('installs', installsCsv())).toMatchObject({
      kind: 'installs',
      rows: 2384,
      phoneRegistered: 2284,
      withActivity: 800,
    });

    browser = await launchBrowser();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const region = (page: Page, name: string) => page.getByRole('region', { name });

  it('imports page: a denominators file imported, a bad installs file lists its lines and writes nothing', async () => {
    const { context, page } = await newPage(browser);
    await logIn(page, server.url, users.national, PASSWORD);
    await page.waitForURL(/\/dashboard$/);
    const nav = page.getByRole('navigation', { name: 'Điều hướng chính' });
    await nav.getByRole('link', { name: 'Nhập số liệu' }).click();
    await page.getByRole('heading', { name: 'Nhập số liệu thống kê', level: 1 }).waitFor();

    // The same denominators again: the figures of the same effective date are replaced by equal ones.
    const denominators = region(page, 'Số smartphone (mẫu số)');
    await denominators.getByLabel('Tệp CSV').setInputFiles({
      name: 'smartphones-2020-09.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(DENOMINATORS),
    });
    await denominators.getByRole('button', { name: 'Tải lên và nhập' }).click();
    await denominators.getByText('Đã nhập 7 dòng từ smartphones-2020-09.csv').waitFor();

    // Lines 3 and 5 are wrong (a platform, a time in the future): nothing is written, not even line 2.
    const installs = region(page, 'Lượt cài đặt từ hệ thống khác');
    await installs.getByLabel('Tệp CSV').setInputFiles({
      name: 'installs-bad.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(
        [
          'install_id,created_at,platform,province_code,district_code,phone_verified_at,carrier,last_active_at',
          `x-1,${at(3)},android,79,760,${at(3, 5)},viettel,`,
          `x-2,${at(3)},windows,79,760,,,`,
          `x-3,${at(3)},ios,01,001,,,`,
          'x-4,2099-01-01T10:00:00+07:00,ios,01,001,,,',
        ].join('\n'),
      ),
    });
    await installs.getByRole('button', { name: 'Tải lên và nhập' }).click();
    const errors = installs.getByTestId('installs-errors').getByRole('listitem');
    await errors.first().waitFor();
    const lines = await errors.allTextContents();
    expect(lines.map((l) => /^line (\d+):/.exec(l)?.[1])).toEqual(['3', '5']);
    await expect(installs.getByRole('alert').textContent()).resolves.toContain(
      'tệp có 2 dòng sai nên không có dòng nào được nhập',
    );
    await expect(installs.getByRole('alert').textContent()).resolves.toContain('(import_invalid)');
    await shot(page, 'imports');
    await context.close();
  });

  it('dashboard: map, ranked table sorted by rate, Vietnamese numbers, as-of, province page', async () => {
    const { context, page } = await newPage(browser);
    await logIn(page, server.url, users.national, PASSWORD);
    await page.waitForURL(/\/dashboard$/);
    await page.getByRole('heading', { name: 'Tổng quan cài đặt Bluezone', level: 1 }).waitFor();

    // KPI cards in Vietnamese notation (the denominators above were not replaced by the bad file).
    await shows(page, 'kpi-installs', '2.384');
    await shows(page, 'kpi-phone', '2.284');
    await shows(page, 'kpi-rate', '16,92 %');
    await shows(page, 'kpi-gap', '4.466');
    await expect(page.getByTestId('kpi-gap').locator('..').textContent()).resolves.toBe(
      'Cần thêm để đạt 50 %4.466người có số điện thoại (còn thiếu 33,08 điểm %)',
    );
    expect(await page.getByTestId('as-of').textContent()).toMatch(
      /^Số liệu tính đến \d\dh00 ngày \d{1,2}\/\d{1,2}\/20\d\d \(giờ Việt Nam\)$/,
    );

    // The map: the 63 provinces as paths, coloured by class; both archipelagos drawn and named.
    const map = page.getByTestId('rate-map');
    await map.waitFor();
    expect(await map.locator('path[data-code]').count()).toBe(63);
    const fill = (code: string) => map.locator(`path[data-code="${code}"]`).getAttribute('fill');
    await expect(fill('48')).resolves.toBe('#08519c'); // 60 %: target reached
    await expect(fill('01')).resolves.toBe('#9ecae1'); // 25 % = half the target: third class
    await expect(fill('79')).resolves.toBe('#c6dbef'); // 12,34 %: second class
    await expect(fill('02')).resolves.toBe('#e4e4e4'); // no denominator
    const hoangSa = map.locator('[data-archipelago="48-HS"]');
    expect(await hoangSa.locator('circle').count()).toBeGreaterThan(5);
    expect(await hoangSa.textContent()).toBe('Quần đảo Hoàng Sa(Đà Nẵng)');
    expect(await map.locator('[data-archipelago="56-TS"]').textContent()).toBe(
      'Quần đảo Trường Sa(Khánh Hòa)',
    );
    await expect(hoangSa.locator('circle').first().getAttribute('fill')).resolves.toBe('#08519c');

    // The table: rank order first, ties share a rank; numbers formatted.
    const table = page.getByTestId('national-table');
    const rows = table.locator('tbody tr');
    expect(await rows.count()).toBe(63);
    const firstRows = async (n: number) =>
      (
        await rows.evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent ?? '')))
      ).slice(0, n);
    expect((await firstRows(4)).map((r) => [r[0], short(r[1]), r[6]])).toEqual([
      ['1', 'Đà Nẵng', '60,00 %'],
      ['2', 'Hà Nội', '25,00 %'],
      ['2', 'Khánh Hòa', '25,00 %'],
      ['4', 'Hồ Chí Minh', '12,34 %'],
    ]);
    const hcm = rows.filter({ hasText: 'Hồ Chí Minh' });
    expect(await hcm.locator('td').allTextContents()).toEqual(
      expect.arrayContaining(['1.334', '1.234', '800', '10.000', '12,34 %']),
    );

    // Sort by rate: lowest first on the second click; provinces without a rate stay last.
    const rateHeader = table.getByRole('columnheader', { name: /Tỷ lệ cài đặt/ });
    await rateHeader.getByRole('button').click();
    await expect(rateHeader.getAttribute('aria-sort')).resolves.toBe('descending');
    expect((await firstRows(4)).map((r) => short(r[1]))).toEqual([
      'Đà Nẵng',
      'Hà Nội',
      'Khánh Hòa',
      'Hồ Chí Minh',
    ]);
    // With the keyboard this time: Enter on the focused header button.
    await rateHeader.getByRole('button').focus();
    await page.keyboard.press('Enter');
    await expect(rateHeader.getAttribute('aria-sort')).resolves.toBe('ascending');
    const ascending = await firstRows(63);
    expect(ascending.slice(0, 4).map((r) => short(r[1]))).toEqual([
      'Hồ Chí Minh',
      'Hà Nội',
      'Khánh Hòa',
      'Đà Nẵng',
    ]);
    expect(ascending.slice(4).every((r) => r[6] === '—')).toBe(true);
    // Sort by name (Vietnamese order).
    await table
      .getByRole('columnheader', { name: /Địa bàn/ })
      .getByRole('button')
      .click();
    const names = (await firstRows(63)).map((r) => r[1] ?? '');
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b, 'vi')));
    await table
      .getByRole('columnheader', { name: /Xếp hạng/ })
      .getByRole('button')
      .click();

    // Carriers and the series are drawn (canvas).
    await page.getByTestId('carrier-chart').locator('canvas').waitFor();
    await page.getByTestId('series-chart').locator('canvas').waitFor();
    const carriers = region(page, 'Theo nhà mạng');
    await carriers.getByText('Số liệu của biểu đồ').click();
    expect(
      await carriers
        .getByRole('row', { name: /Viettel/ })
        .locator('td')
        .allTextContents(),
    ).toEqual(['1.000', '5.000', '20,00 %']);
    await carriers.getByText('Số liệu của biểu đồ').click();
    await page.waitForTimeout(300);
    await shot(page, 'dashboard');

    // In English: the same figures in English notation.
    await page.getByRole('button', { name: 'Chuyển sang tiếng Anh' }).click();
    await page.getByRole('heading', { name: 'Bluezone installations', level: 1 }).waitFor();
    await shows(page, 'kpi-installs', '2,384');
    await shows(page, 'kpi-rate', '16.92%');
    const hcmEnglish = rows.filter({ has: page.getByRole('link', { name: 'Ho Chi Minh', exact: true }) });
    expect(await hcmEnglish.locator('td').allTextContents()).toEqual(
      expect.arrayContaining(['1,334', '12.34%']),
    );
    await page.getByRole('button', { name: 'Switch to Vietnamese' }).click();
    await page.getByRole('heading', { name: 'Tổng quan cài đặt Bluezone', level: 1 }).waitFor();

    // As of five days ago, 08:00: the installs of two days ago are not counted.
    await page.getByLabel('Tính đến ngày').fill(vnDay(5));
    await page.getByLabel('Giờ (giờ Việt Nam)').selectOption('8');
    await page.getByRole('button', { name: 'Xem số liệu' }).click();
    await page.waitForURL(/asOf=/);
    const [y, m, d] = vnDay(5).split('-').map(Number);
    await page.getByText(`Số liệu tính đến 08h00 ngày ${d}/${m}/${y} (giờ Việt Nam)`).waitFor();
    await shows(page, 'kpi-phone', '2.050');
    expect(await hcm.locator('td').allTextContents()).toEqual(
      expect.arrayContaining(['1.100', '1.000', '10,00 %']),
    );

    // The province page from the table (keeps the as-of), then the latest figures.
    await hcm.getByRole('link', { name: /Hồ Chí Minh/ }).click();
    await page.waitForURL(/\/dashboard\/79\?asOf=/);
    await page.getByRole('heading', { name: /^Cài đặt Bluezone: (Thành phố )?Hồ Chí Minh$/ }).waitFor();
    await shows(page, 'kpi-rate', '10,00 %');
    await page.getByRole('button', { name: 'Mới nhất' }).click();
    await page.waitForURL(/\/dashboard\/79$/);
    await shows(page, 'kpi-rate', '12,34 %');
    await shows(page, 'kpi-rank', '4/63');
    const districts = page.getByTestId('district-table');
    const districtRows = await districts
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent ?? '')));
    const rated = districtRows.filter((r) => r[6] !== '—');
    expect(rated.map((r) => [r[0], r[2], r[3], r[5], r[6]])).toEqual([
      ['1', '900', '800', '4.000', '20,00 %'],
      ['2', '434', '434', '3.000', '14,47 %'],
    ]);
    await page.getByTestId('district-chart').locator('canvas').waitFor();
    await page.getByTestId('series-chart').locator('canvas').waitFor();
    await page.waitForTimeout(300);
    await shot(page, 'province');

    // Back to the dashboard, and to another province through the map (a click on Nghệ An).
    await page.getByRole('link', { name: '← Về trang tổng quan' }).click();
    await page.getByTestId('rate-map').locator('path[data-code="40"]').click();
    await page.waitForURL(/\/dashboard\/40$/);
    await page.getByRole('heading', { name: /^Cài đặt Bluezone: (Tỉnh )?Nghệ An$/ }).waitFor();
    await shows(page, 'kpi-rate', '—');
    await context.close();
  });

  it('a province admin: own rank and gap, no other province, a quick report issued and downloaded', async () => {
    const { context, page } = await newPage(browser);
    await logIn(page, server.url, users.hcm, PASSWORD);
    await page.waitForURL(/\/dashboard$/);
    await shows(page, 'kpi-installs', '1.334');
    await shows(page, 'kpi-rate', '12,34 %');
    await shows(page, 'kpi-rank', '4/63');
    await shows(page, 'kpi-gap', '3.766');
    await expect(page.getByTestId('kpi-gap').locator('..').textContent()).resolves.toContain(
      'Cần thêm để đạt 50 %3.766người có số điện thoại (còn thiếu 37,66 điểm %)',
    );
    // The national table is there (not personal data), but only the own province links to its page.
    const table = page.getByTestId('national-table');
    expect(await table.locator('tbody tr').count()).toBe(63);
    expect((await table.getByRole('link').allTextContents()).map(short)).toEqual(['Hồ Chí Minh']);
    expect(await page.getByTestId('rate-map').locator('a').count()).toBe(1);
    expect(
      await page.getByRole('navigation', { name: 'Điều hướng chính' }).getByText('Nhập số liệu').count(),
    ).toBe(0);
    await page.goto(`${server.url}/dashboard/01`);
    await expect(page.getByRole('alert').first().textContent()).resolves.toContain('not_found');
    await page.goto(`${server.url}/imports`);
    await page.getByText('Không có trang này.').waitFor();

    // A quick report: preview (the figures it will print, and the rendered files), then issue.
    await page
      .getByRole('navigation', { name: 'Điều hướng chính' })
      .getByRole('link', { name: 'Báo cáo' })
      .click();
    await page.getByRole('heading', { name: 'Phát hành báo cáo' }).waitFor();
    await expect(
      page.getByLabel('Tỉnh/thành phố').locator('option:checked').textContent(),
    ).resolves.toContain('Hồ Chí Minh');
    await page.getByLabel('Đợt').fill('2');
    await page.getByLabel('Căn cứ (văn bản chỉ đạo)').fill('Công văn số 123/BCĐ ngày 10/9/2020');
    await page
      .getByLabel('2.1. Công tác thông tin, tuyên truyền')
      .fill('Đã tuyên truyền trên báo, đài và mạng xã hội.');
    await page.getByLabel('Tin nhắn SMS đã gửi').fill('1.250.000');
    await page.getByLabel('File âm thanh đã phát trên đài cơ sở').fill('350');
    await page.getByLabel('Tên fanpage 1').fill('Thành phố Hồ Chí Minh TV');
    await page.getByLabel('Số người theo dõi fanpage 1').fill('120000');
    await page
      .getByLabel('Bài học kinh nghiệm')
      .fill('Phối hợp chặt chẽ với các nhà mạng.\nTuyên truyền đến từng tổ dân phố.');
    await page.getByLabel('Họ và tên người ký').fill('Nguyễn Văn A');
    await page.getByRole('button', { name: 'Xem trước' }).click();
    const figures = page.getByTestId('preview-figures');
    await figures.waitFor();
    const previewText = await figures.textContent();
    for (const expected of ['1.334', '1.234', '12,34 %', '4/63', '3.766'])
      expect(previewText).toContain(expected);
    const previewDocx = page.getByRole('link', { name: 'Tải bản xem trước (DOCX)' });
    expect(await previewDocx.getAttribute('href')).toMatch(/^blob:/);

    await page.getByRole('button', { name: 'Phát hành', exact: true }).click();
    const notice = page.getByRole('status').filter({ hasText: 'Đã phát hành báo cáo số' });
    await notice.waitFor();
    const number = /số (\S+)\./.exec((await notice.textContent()) ?? '')?.[1] ?? '';
    expect(number).toMatch(/^\d+\/BC-/);
    const register = page.getByTestId('report-register');
    const row = register.getByRole('row').filter({ hasText: number });
    await row.waitFor();
    const rowText = await row.textContent();
    expect(rowText).toContain('Báo cáo nhanh · đợt 2');
    expect(rowText).toContain('Hồ Chí Minh');
    expect(rowText).toContain(users.hcm);

    // Download the DOCX through its link: a ZIP (OOXML) file.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      row.getByRole('link', { name: `Tải DOCX của báo cáo số ${number}` }).click(),
    ]);
    const bytes = readFileSync((await download.path()) ?? '');
    expect(bytes.subarray(0, 4)).toEqual(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
    expect(bytes.toString('latin1')).toContain('word/document.xml');
    expect(download.suggestedFilename()).toMatch(/\.docx$/);
    await shot(page, 'reports');
    await context.close();
  });
});
