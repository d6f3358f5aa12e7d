/**
 * Issue 6 acceptance, in a real browser (Debian Chromium through playwright-core) against a real
 * listening server with the portal built from the current sources:
 *
 * log in; enter a case; issue a code; an SDK phone uploads with that code; another phone's
 * consented report puts a contact on the case; reveal its phone number (the access log shows it);
 * move it through the workflow; a province user of another province sees none of it. Also the
 * lock-out message, the language toggle (persisted) and the navigation by role.
 *
 * The portal is built with Vite's `build()` into a temporary directory (served through
 * BLUEZONE_PORTAL_DIR), so the test needs no earlier `npm run build` and tests exactly these
 * sources. Screenshots of every page at 1366×768 go to docs/screenshots/portal-<page>.png.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeCrypto } from '@bluezone/crypto-node';
import {
  type BluezoneDevice,
  createBluezoneDevice,
  createMemoryDeviceStore,
  type DeviceClock,
  recordReportConsent,
  recordUploadConsent,
} from '@bluezone/device';
import {
  createApiKey,
  createContext,
  createUser,
  deriveSecrets,
  loadAdminUnits,
  loadConfig,
  loadMasterKey,
  publishedSigningKeys,
  type RunningServer,
  runExportsNow,
  startServer,
  type UserRole,
} from '@bluezone/server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildPortal,
  lastSmsCode,
  launchBrowser,
  logIn as logInAs,
  newPage as openPage,
  SHOTS,
  shot,
  VIEWPORT,
} from './helpers.js';

const PASSWORD = 'correct horse battery staple';
const DAY = 86_400_000;

/** A phone clock the test moves by hand (the server runs on the real clock). */
function manualClock(start: number): DeviceClock & { set(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    sleep: async () => {},
    setTimer: () => ({ cancel: () => {} }),
    set: (ms) => {
      t = ms;
    },
  };
}

describe('portal in a browser against a real server', { timeout: 240_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bluezone-portal-e2e-'));
  const outDir = join(dir, 'portal');
  const smsFile = join(dir, 'sms.jsonl');
  const config = loadConfig({
    BLUEZONE_DATA_DIR: dir,
    BLUEZONE_PORT: '0',
    BLUEZONE_LOG_LEVEL: 'silent',
    BLUEZONE_JOBS: 'false',
    BLUEZONE_SMS: `file:${smsFile}`,
    BLUEZONE_EXPORT_MIN_KEYS: '20',
    // Plain HTTP on 127.0.0.1: the session cookie must not be Secure-only here.
    BLUEZONE_COOKIE_SECURE: 'false',
    BLUEZONE_PORTAL_DIR: outDir,
  });
  let server: RunningServer;
  let browser: Browser;
  const clock = manualClock(Date.now() - 2 * DAY);
  const stores = { A: createMemoryDeviceStore(), B: createMemoryDeviceStore(), C: createMemoryDeviceStore() };
  let phones: Record<'A' | 'B' | 'C', BluezoneDevice>;
  const numbers = { A: '0912000101', B: '0912000102', C: '0912000103' } as const;
  const users = {
    hcm: 'hcm.admin',
    officer: 'hcm.officer',
    hanoi: 'hanoi.admin',
    national: 'moh.admin',
    locked: 'locked.user',
  };

  const ctx = () =>
    createContext(config, {
      storage: server.storage,
      secrets: deriveSecrets(loadMasterKey(config)),
      adminUnits: loadAdminUnits(),
      now: Date.now,
    });

  beforeAll(async () => {
    await buildPortal(outDir);

    server = await startServer(config, { logger: false });
    const add = (username: string, role: UserRole, provinceCode: string | null) =>
      createUser(ctx(), 'test', { username, role, provinceCode, password: PASSWORD }, Date.now());
    await add(users.hcm, 'province_admin', '79');
    await add(users.officer, 'health_officer', '79');
    await add(users.hanoi, 'province_admin', '01');
    await add(users.national, 'national_admin', null);
    await add(users.locked, 'viewer', '79');

    // Three phones in Hồ Chí Minh City: A and B close for 20 minutes two days ago, then B and C.
    const deviceKey = (await createApiKey(server.storage.db, 'device', 'portal e2e app', Date.now())).key;
    await fetch(`${server.url}/v1/config`);
    const trustedConfigKeys = (await publishedSigningKeys(ctx(), 'config')).map((k) => ({
      id: k.id,
      publicKey: Buffer.from(k.publicKeySpki).toString('base64'),
    }));
    const make = (name: keyof typeof stores) =>
      createBluezoneDevice({
        baseUrl: server.url,
        apiKey: deviceKey,
        trustedConfigKeys,
        store: stores[name],
        clock,
        crypto: nodeCrypto,
        deviceModel: 'Pixel 4',
        deviceOem: 'Google',
        submission: { acceptTestTypes: ['confirmed', 'likely', 'recursive'] },
      });
    phones = { A: make('A'), B: make('B'), C: make('C') };
    for (const name of ['A', 'B', 'C'] as const) {
      const phone = phones[name];
      await phone.register({
        platform: 'android',
        appVersion: '1.0.0',
        provinceCode: '79',
        districtCode: '760',
        locale: 'vi',
      });
      await phone.requestPhoneCode(numbers[name]);
      await phone.verifyPhoneCode(numbers[name], lastSmsCode(smsFile, `+84${numbers[name].slice(1)}`));
      await phone.refreshConfig();
    }
    const encounter = async (a: BluezoneDevice, b: BluezoneDevice, start: number) => {
      for (let m = 0; m < 20; m++) {
        const t = start + m * 60_000;
        a.onSighting((await b.currentAdvertisement(t)).serviceData, -55, t, 'Pixel 4');
        b.onSighting((await a.currentAdvertisement(t)).serviceData, -55, t + 1_000, 'Pixel 4');
      }
    };
    await encounter(phones.A, phones.B, clock.now());
    await encounter(phones.B, phones.C, clock.now() + 4 * 3_600_000);
    for (const phone of Object.values(phones)) await phone.flushSightings();
    clock.set(Date.now());

    browser = await launchBrowser();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    for (const phone of Object.values(phones ?? {})) await phone.close();
    await server?.close();
  });

  const newPage = (viewport: { width: number; height: number } = VIEWPORT) => openPage(browser, viewport);
  const logIn = (page: Page, username: string) => logInAs(page, server.url, username, PASSWORD);

  it('login page: Vietnamese first, English toggle that persists, lock-out message', async () => {
    const { context, page } = await newPage();
    await page.goto(server.url);
    await page.waitForURL(/\/login$/);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Đăng nhập');
    expect(await page.getAttribute('html', 'lang')).toBe('vi');
    await shot(page, 'login');

    // Skip link is the first thing the keyboard reaches.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Bỏ qua, đến nội dung chính');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('href'))).toBe('#main');

    await page.getByRole('button', { name: 'Chuyển sang tiếng Anh' }).click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Log in');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await page.reload();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await shot(page, 'login-en');
    await page.getByRole('button', { name: 'Switch to Vietnamese' }).click();
    await page.getByRole('heading', { name: 'Đăng nhập' }).waitFor();

    // A wrong password: one message; after five in a row the account is locked.
    const error = page.getByTestId('login-error');
    for (let i = 1; i <= 6; i++) {
      await page.getByLabel('Tên đăng nhập').fill(users.locked);
      await page.getByLabel('Mật khẩu').fill(`wrong password ${i}`);
      await page.getByRole('button', { name: 'Đăng nhập' }).click();
      await error.waitFor();
      if (i < 5) await expect(error.textContent()).resolves.toBe('Tên đăng nhập hoặc mật khẩu không đúng.');
      await page.waitForFunction(
        () => !document.querySelector('button[type=submit]')?.hasAttribute('disabled'),
      );
    }
    await expect(error.textContent()).resolves.toMatch(
      /Tài khoản tạm thời bị khóa .* Thử lại sau 1[45] phút\./,
    );
    // Even the right password is refused while locked.
    await page.getByLabel('Mật khẩu').fill(PASSWORD);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.waitForFunction(
      () => !document.querySelector('button[type=submit]')?.hasAttribute('disabled'),
    );
    await expect(error.textContent()).resolves.toMatch(/bị khóa/);
    await shot(page, 'login-locked');
    await context.close();
  });

  it('a case from entry to contact follow-up, and another province sees none of it', async () => {
    const { context, page } = await newPage();
    await logIn(page, users.hcm);
    await page.waitForURL(/\/dashboard$/);
    const nav = page.getByRole('navigation', { name: 'Điều hướng chính' });
    const navItems = await nav.getByRole('link').allTextContents();
    expect(navItems).toEqual([
      'Tổng quan',
      'Ca bệnh (F0)',
      'Người tiếp xúc (F1/F2)',
      'Sơ đồ lây nhiễm',
      'Khai báo y tế',
      'Kiểm tra mã QR',
      'Báo cáo',
      'Thông báo',
      'Nhật ký truy cập',
      'Người dùng',
      'Tài khoản',
    ]);

    // Administrators land on the dashboard; cases are one click away.
    await nav.getByRole('link', { name: 'Ca bệnh (F0)' }).click();
    await page.waitForURL(/\/cases$/);

    // Enter a case in District 1 of Hồ Chí Minh City: the codes are shown once.
    await page.getByLabel('Quận/huyện').selectOption('760');
    await page.getByRole('button', { name: 'Nhập ca bệnh và cấp mã' }).click();
    const firstCode = page.getByTestId('short-code');
    await firstCode.waitFor();
    expect((await firstCode.textContent())?.replace(/\s/g, '')).toMatch(/^\d{8}$/);
    await expect(
      page
        .getByText(/Hết hạn sau \d+:\d\d/)
        .first()
        .isVisible(),
    ).resolves.toBe(true);
    await shot(page, 'cases');
    const caseId = /case_[A-Za-z0-9_-]+/.exec(
      (await page.getByRole('status').first().textContent()) ?? '',
    )?.[0];
    expect(caseId).toBeDefined();

    // Open the case and issue new codes: the phone uses these.
    await page.getByRole('link', { name: 'Mở' }).click();
    await page.waitForURL(new RegExp(`/cases/${caseId}$`));
    await page.getByRole('button', { name: 'Cấp lại mã' }).click();
    const code = page.getByTestId('short-code');
    await code.waitFor();
    const shortCode = (await code.textContent())?.replace(/\s/g, '') ?? '';
    expect(shortCode).toMatch(/^\d{8}$/);
    // The printable slip: the print stylesheet shows the codes and hides the navigation.
    await page.emulateMedia({ media: 'print' });
    expect(await page.getByRole('navigation', { name: 'Điều hướng chính' }).isVisible()).toBe(false);
    expect(await page.getByText('Phiếu mã xác nhận Bluezone').isVisible()).toBe(true);
    expect(await code.isVisible()).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'portal-code-slip.png') });
    await page.emulateMedia({ media: 'screen' });

    // Phone A uploads with the code; the keys go out in a file; B finds the exposure and reports.
    const upload = await phones.A.submitDiagnosis(
      recordUploadConsent({ confirmedAt: clock.now(), shownText: 'Tôi đồng ý gửi mã khóa.' }),
      { code: shortCode },
    );
    expect(upload.insertedExposures).toBeGreaterThan(0);
    expect((await runExportsNow(config, server.storage)).status).toBe('ok');
    expect((await phones.B.checkExposure()).status).toMatch(/ok|partial/);
    const report = await phones.B.sendExposureReport(
      recordReportConsent({ confirmedAt: clock.now(), shownText: 'Gửi thông tin tiếp xúc.' }),
    );
    expect(report).toMatchObject({ contactLevel: 'F1', linkedCases: 1 });

    // The case page shows the upload and the new contact.
    await page.reload();
    await page.getByRole('heading', { name: `Ca bệnh ${caseId}` }).waitFor();
    await page.getByText('Đã công bố khóa').first().waitFor();
    expect(Number(await page.getByTestId('keys-published').textContent())).toBe(upload.insertedExposures);
    const contactLink = page.getByRole('region', { name: 'Người tiếp xúc của ca bệnh' }).getByRole('link');
    await contactLink.first().waitFor();
    expect(await contactLink.count()).toBe(1);
    const contactId = (await contactLink.first().textContent()) ?? '';
    expect(contactId).toMatch(/^ct_[a-z0-9]+$/);
    await shot(page, 'case');

    // The province-wide contact list, filtered to F1 in District 1.
    await nav.getByRole('link', { name: 'Người tiếp xúc (F1/F2)' }).click();
    await page.getByLabel('Mức độ').selectOption('F1');
    await page.getByLabel('Quận/huyện').selectOption('760');
    await page.getByRole('button', { name: 'Lọc', exact: true }).click();
    await page.waitForURL(/level=F1/);
    const row = page.getByRole('row').filter({ hasText: contactId });
    await row.waitFor();
    expect(await row.textContent()).toContain('Mới');
    await shot(page, 'contacts');

    // The contact: reveal the phone number (audited).
    await row.getByRole('link', { name: contactId }).click();
    await page.getByRole('heading', { name: `Người tiếp xúc ${contactId}` }).waitFor();
    await page.getByRole('button', { name: 'Hiện số điện thoại' }).click();
    await expect(page.getByTestId('phone-number').textContent()).resolves.toBe(`+84${numbers.B.slice(1)}`);

    // A recursive code for the F1: B uploads with it, and C, who met B, reports as F2.
    await page.getByRole('button', { name: 'Cấp mã đệ quy cho F1' }).click();
    const recursiveCode = (await page.getByTestId('short-code').textContent())?.replace(/\s/g, '') ?? '';
    expect(recursiveCode).toMatch(/^\d{8}$/);
    await page.getByRole('link', { name: /Ca đệ quy: case_/ }).waitFor();
    await page.getByRole('button', { name: 'Đã ghi lại mã, ẩn đi' }).click();
    const recursiveUpload = await phones.B.submitDiagnosis(
      recordUploadConsent({ confirmedAt: clock.now(), shownText: 'Tôi đồng ý gửi mã khóa.' }),
      { code: recursiveCode },
    );
    expect(recursiveUpload.insertedExposures).toBeGreaterThan(0);
    expect((await runExportsNow(config, server.storage)).status).toBe('ok');
    expect((await phones.C.checkExposure()).status).toMatch(/ok|partial/);
    const reportC = await phones.C.sendExposureReport(
      recordReportConsent({ confirmedAt: clock.now(), shownText: 'Gửi thông tin tiếp xúc.' }),
    );
    expect(reportC).toMatchObject({ contactLevel: 'F2', linkedCases: 1 });

    // The workflow: mới → đã liên hệ → cách ly → dương tính, with a note; then a new F0 case.
    for (const status of ['Đã liên hệ', 'Cách ly', 'Dương tính']) {
      await page.getByRole('button', { name: `Chuyển sang “${status}”` }).click();
      await page.locator('.workflow-now .badge').filter({ hasText: status }).waitFor();
    }
    await page.getByLabel('Nội dung ghi chú').fill('Đã gọi điện, người tiếp xúc đồng ý cách ly tại nhà.');
    await page.getByRole('button', { name: 'Thêm ghi chú' }).click();
    await page.getByText('Đã gọi điện, người tiếp xúc đồng ý cách ly tại nhà.').waitFor();
    await page.getByRole('button', { name: 'Nhập thành ca bệnh F0 mới' }).click();
    await page.getByTestId('short-code').waitFor();
    await page.getByRole('link', { name: /Ca bệnh F0 đã tạo: case_/ }).waitFor();
    await shot(page, 'contact');

    // The access log shows the reveal, naming the contact.
    await nav.getByRole('link', { name: 'Nhật ký truy cập' }).click();
    await page.getByLabel('Hành động').fill('contact.phone.reveal');
    await page.getByRole('button', { name: 'Lọc', exact: true }).click();
    // The filtered list replaces the full one when it arrives: wait for it before reading rows.
    await expect.poll(() => page.getByRole('row').count(), { timeout: 10_000 }).toBe(2); // header + the one reveal
    const revealRow = page.getByRole('row').filter({ hasText: `contact:${contactId}` });
    expect(await revealRow.textContent()).toContain('contact.phone.reveal');
    expect(await page.getByRole('button', { name: /Sửa|Xóa/ }).count()).toBe(0);
    const csv = page.getByRole('link', { name: 'Xuất CSV' });
    expect(await csv.getAttribute('href')).toBe('/admin/v1/audit?action=contact.phone.reveal&format=csv');
    await page.getByLabel('Hành động').fill('');
    await page.getByRole('button', { name: 'Lọc', exact: true }).click();
    await page.getByRole('row').filter({ hasText: 'contact.status' }).first().waitFor();
    await shot(page, 'audit');

    // The graph: click the contact node… (the canvas) or use the node list.
    await page.goto(`${server.url}/graph/${caseId}`);
    await page.getByTestId('graph').locator('canvas').waitFor();
    await page.getByText('2 ca bệnh, 2 người tiếp xúc').waitFor();
    await page.waitForTimeout(1500); // let the force layout settle for the screenshot
    await shot(page, 'graph');
    await page.getByText('Danh sách nút (cho bàn phím và trình đọc màn hình)').click();
    const nodeLinks = await page
      .getByRole('region', { name: '2 ca bệnh, 2 người tiếp xúc' })
      .getByRole('link')
      .allTextContents();
    expect(nodeLinks.map((l) => l.split(' · ').slice(0, 2).join(' ')).sort()).toEqual([
      'F0 Ca bệnh',
      'F1 Ca bệnh',
      'F1 Người tiếp xúc',
      'F2 Người tiếp xúc',
    ]);
    await page.getByRole('link', { name: new RegExp(contactId) }).click();
    await page.waitForURL(new RegExp(`/contacts/${contactId}$`));

    // The remaining pages of a province admin.
    await nav.getByRole('link', { name: 'Người dùng' }).click();
    await page.getByRole('cell', { name: users.officer }).waitFor();
    expect(await page.getByRole('cell', { name: users.hanoi }).count()).toBe(0);
    await shot(page, 'users');
    await nav.getByRole('link', { name: 'Tài khoản' }).click();
    await page.getByRole('heading', { name: 'Đổi mật khẩu' }).waitFor();
    await shot(page, 'account');
    await nav.getByRole('link', { name: 'Thông báo' }).click();
    await page.getByRole('heading', { name: 'Gửi thông báo đến điện thoại' }).waitFor();
    await page.getByLabel('Tiêu đề (tiếng Việt)').fill('Xét nghiệm miễn phí tại Quận 1');
    await page
      .getByLabel('Nội dung (tiếng Việt)')
      .fill('Người dân Quận 1 được xét nghiệm miễn phí từ thứ Hai.');
    await page.getByLabel('Tiêu đề (tiếng Anh)').fill('Free testing in District 1');
    await page.getByLabel('Nội dung (tiếng Anh)').fill('District 1 residents are tested free from Monday.');
    await page.getByRole('button', { name: 'Gửi', exact: true }).click();
    const sentList = page.getByRole('region', { name: 'Thông báo đã gửi' });
    await sentList.getByText('Xét nghiệm miễn phí tại Quận 1').waitFor();
    expect(await sentList.getByRole('row').nth(1).textContent()).toContain('Thành phố Hồ Chí Minh');
    await page.getByLabel('Hiển thị bằng').selectOption('en');
    await sentList.getByText('Free testing in District 1').waitFor();
    await shot(page, 'inbox');
    await context.close();

    // Hà Nội's province admin sees nothing of Hồ Chí Minh City's case.
    const other = await newPage();
    await logIn(other.page, users.hanoi);
    await other.page.goto(`${server.url}/cases`);
    await other.page.getByText('Chưa có ca bệnh nào trong phạm vi của bạn.').waitFor();
    await other.page.goto(`${server.url}/contacts`);
    await other.page.getByText('Không có người tiếp xúc nào phù hợp.').waitFor();
    await other.page.goto(`${server.url}/cases/${caseId}`);
    await expect(other.page.getByRole('alert').first().textContent()).resolves.toContain('not_found');
    await other.page.goto(`${server.url}/contacts/${contactId}`);
    await expect(other.page.getByRole('alert').first().textContent()).resolves.toContain('not_found');
    await other.page.goto(`${server.url}/audit`);
    await other.page.getByRole('row').first().waitFor();
    expect(await other.page.getByText(caseId ?? '').count()).toBe(0);
    expect(await other.page.getByText(contactId).count()).toBe(0);
    await other.context.close();
  });

  it('shows each role only what it may use; a tablet gets one column', async () => {
    const officer = await newPage({ width: 820, height: 1180 });
    await logIn(officer.page, users.officer);
    const nav = officer.page.getByRole('navigation', { name: 'Điều hướng chính' });
    expect(await nav.getByRole('link').allTextContents()).toEqual([
      'Tổng quan',
      'Ca bệnh (F0)',
      'Người tiếp xúc (F1/F2)',
      'Sơ đồ lây nhiễm',
      'Khai báo y tế',
      'Kiểm tra mã QR',
      'Báo cáo',
      'Tài khoản',
    ]);
    await officer.page.goto(`${officer.page.url().replace(/\/cases.*$/, '')}/audit`);
    await officer.page.getByText('Không có trang này.').waitFor();
    await officer.page.goto(`${server.url}/contacts`);
    await officer.page.getByRole('heading', { name: 'Người tiếp xúc (F1/F2)' }).waitFor();
    const noOverflow = await officer.page.evaluate(
      () => document.documentElement.scrollWidth <= document.documentElement.clientWidth,
    );
    expect(noOverflow).toBe(true);
    await shot(officer.page, 'contacts-tablet');
    await officer.context.close();

    const national = await newPage();
    await logIn(national.page, users.national);
    const nationalNav = national.page.getByRole('navigation', { name: 'Điều hướng chính' });
    expect(await nationalNav.getByRole('link').allTextContents()).toContain('Khóa API');
    await nationalNav.getByRole('link', { name: 'Khóa API' }).click();
    await national.page.getByRole('heading', { name: 'Khóa API', level: 1 }).waitFor();
    await national.page.getByLabel('Mô tả').fill('Phòng xét nghiệm Pasteur');
    await national.page.getByRole('button', { name: 'Tạo khóa' }).click();
    await national.page.getByRole('cell', { name: /Phòng xét nghiệm Pasteur/ }).waitFor();
    await shot(national.page, 'api-keys');
    // The whole app in English: navigation, pages, dates.
    await national.page.getByRole('button', { name: 'Chuyển sang tiếng Anh' }).click();
    const englishNav = national.page.getByRole('navigation', { name: 'Main navigation' });
    await englishNav.waitFor();
    expect(await englishNav.getByRole('link').allTextContents()).toEqual([
      'Dashboard',
      'Cases (F0)',
      'Contacts (F1/F2)',
      'Transmission graph',
      'Health declarations',
      'QR checkpoint',
      'Reports',
      'Imports',
      'Messages',
      'Access log',
      'Users',
      'API keys',
      'Partner apps',
      'Account',
    ]);
    await englishNav.getByRole('link', { name: 'Cases (F0)' }).click();
    await national.page.getByRole('heading', { name: 'Enter a new case' }).waitFor();
    await national.page.getByLabel('Province/city').selectOption('79');
    expect(await national.page.getByLabel('Province/city').locator('option:checked').textContent()).toBe(
      'Ho Chi Minh (79)',
    );
    await national.page.getByLabel('District').selectOption('760');
    await shot(national.page, 'cases-en');
    await national.page.getByRole('button', { name: 'Switch to Vietnamese' }).click();
    await national.page.getByRole('button', { name: 'Đăng xuất' }).click();
    await national.page.getByRole('heading', { name: 'Đăng nhập' }).waitFor();
    await national.page.goto(`${server.url}/cases`);
    await national.page.waitForURL(/\/login\?next=%2Fcases$/);
    await national.context.close();
  });
});
