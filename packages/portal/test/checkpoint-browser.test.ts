/**
 * Issue 9 acceptance, in a real browser (Debian Chromium through playwright-core) against a real
 * listening server with the portal built from the current sources:
 *
 * a phone (the @bluezone/device SDK over HTTP) registers, verifies its number, declares and sends
 * a daily report, and opens its QR code; the checkpoint page — without a camera — verifies the
 * pasted code (valid, online and offline agreeing), rejects a forged code (same claims, signed by
 * another P-256 key) and a tampered one with the error shown, and shows a replayed copy as the
 * server rejects it while the offline check cannot know; with Chromium's fake camera the page
 * reads the live picture until stopped; the declaration is on the declarations
 * page (without personal fields), its detail shows them and the access log has the read; an
 * officer's decision revokes the open code; a national admin registers a partner app.
 * Screenshots: docs/screenshots/portal-{checkpoint-valid,checkpoint-forged,declarations,
 * declaration,partners}.png.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeCrypto } from '@bluezone/crypto-node';
import {
  type BluezoneDevice,
  createBluezoneDevice,
  createMemoryDeviceStore,
  recordDeclarationConsent,
} from '@bluezone/device';
import { signQrToken } from '@bluezone/protocol';
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
  startServer,
  type UserRole,
} from '@bluezone/server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildPortal,
  lastSmsCode,
  launchBrowser,
  launchBrowserWithFakeCamera,
  logIn,
  newPage,
  shot,
  VIEWPORT,
} from './helpers.js';

const PASSWORD = 'correct horse battery staple';
const DAY = 86_400_000;
/** A day in Vietnam (UTC+7) as YYYY-MM-DD, `daysAgo` before today. */
const vnDay = (daysAgo: number) =>
  new Date(Date.now() + 7 * 3_600_000 - daysAgo * DAY).toISOString().slice(0, 10);

const b64url = (text: string) => Buffer.from(text).toString('base64url');
const partsOf = (token: string) => {
  const [header = '', payload = '', signature = ''] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString()) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>,
    raw: { header, payload, signature },
  };
};

describe('QR checkpoint, declarations and partners in a browser', { timeout: 240_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bluezone-checkpoint-e2e-'));
  const outDir = join(dir, 'portal');
  const smsFile = join(dir, 'sms.jsonl');
  const config = loadConfig({
    BLUEZONE_DATA_DIR: dir,
    BLUEZONE_PORT: '0',
    BLUEZONE_LOG_LEVEL: 'silent',
    BLUEZONE_JOBS: 'false',
    BLUEZONE_SMS: `file:${smsFile}`,
    BLUEZONE_COOKIE_SECURE: 'false',
    BLUEZONE_PORTAL_DIR: outDir,
  });
  const users = { hcm: 'hcm.admin', national: 'moh.admin' };
  const fullName = 'Nguyễn Văn An';
  let server: RunningServer;
  let browser: Browser;
  // Two people, so that the tests (run in random order) do not change each other's declaration:
  // the holder shows QR codes at the checkpoint; the declarant's declaration is read and decided on.
  let holder: BluezoneDevice;
  let declarant: BluezoneDevice;
  let declarationId: string;

  const ctx = () =>
    createContext(config, {
      storage: server.storage,
      secrets: deriveSecrets(loadMasterKey(config)),
      adminUnits: loadAdminUnits(),
      now: Date.now,
    });

  /**
   * A phone registered in District 1 with a verified number that made a domestic declaration with
   * a cough and a contact with a case (so: under monitoring) and sent today's report.
   */
  const declaringPhone = async (
    deviceKey: string,
    trustedConfigKeys: { id: string; publicKey: string }[],
    number: string,
    name: string,
  ) => {
    const phone = createBluezoneDevice({
      baseUrl: server.url,
      apiKey: deviceKey,
      trustedConfigKeys,
      store: createMemoryDeviceStore(),
      crypto: nodeCrypto,
      deviceModel: 'Pixel 4',
      clock: {
        now: Date.now,
        sleep: async () => {},
        setTimer: (cb, ms) => {
          const id = setTimeout(cb, ms);
          return { cancel: () => clearTimeout(id) };
        },
      },
    });
    await phone.register({
      platform: 'android',
      appVersion: '1.0.0',
      provinceCode: '79',
      districtCode: '760',
      locale: 'vi',
    });
    await phone.requestPhoneCode(number);
    await phone.verifyPhoneCode(number, lastSmsCode(smsFile, `+84${number.slice(1)}`));
    const consent = recordDeclarationConsent({ confirmedAt: Date.now(), shownText: 'Gửi tờ khai y tế' });
    const receipt = await phone.submitDeclaration(consent, {
      kind: 'domestic',
      body: {
        fullName: name,
        yearOfBirth: 1985,
        gender: 'male',
        address: { provinceCode: '79', districtCode: '760', street: '12 Lê Lợi, phường Bến Nghé' },
        symptoms: ['cough'],
        contactWithConfirmedCase: true,
        contactWithSuspectedCase: false,
        contactWithArrival: false,
        places: [{ date: vnDay(2), provinceCode: '79', districtCode: '760', description: 'Chợ Bến Thành' }],
        travel: [
          { date: vnDay(5), fromProvinceCode: '01', toProvinceCode: '79', means: 'air', reference: 'VN0213' },
        ],
      },
    });
    expect(receipt).toMatchObject({ kind: 'domestic', status: 'monitoring' });
    await phone.submitDailyReport(consent, {
      day: vnDay(0),
      symptoms: ['cough', 'fatigue'],
      temperatureCelsius: 37.8,
      note: 'Ho khan buổi sáng',
    });
    return { phone, declarationId: receipt.declarationId };
  };

  beforeAll(async () => {
    await buildPortal(outDir);
    server = await startServer(config, { logger: false });
    const add = (username: string, role: UserRole, provinceCode: string | null) =>
      createUser(ctx(), 'test', { username, role, provinceCode, password: PASSWORD }, Date.now());
    await add(users.hcm, 'province_admin', '79');
    await add(users.national, 'national_admin', null);

    const deviceKey = (await createApiKey(server.storage.db, 'device', 'checkpoint e2e app', Date.now())).key;
    await fetch(`${server.url}/v1/config`);
    const trustedConfigKeys = (await publishedSigningKeys(ctx(), 'config')).map((k) => ({
      id: k.id,
      publicKey: Buffer.from(k.publicKeySpki).toString('base64'),
    }));
    holder = (await declaringPhone(deviceKey, trustedConfigKeys, '0912000201', 'Trần Thị Bình')).phone;
    const second = await declaringPhone(deviceKey, trustedConfigKeys, '0912000202', fullName);
    declarant = second.phone;
    declarationId = second.declarationId;

    browser = await launchBrowser();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await holder?.close();
    await declarant?.close();
    await server?.close();
  });

  const checkToken = async (page: Page, token: string) => {
    await page.getByLabel('Mã QR (chuỗi ký tự)').fill(token);
    await page.getByRole('button', { name: 'Kiểm tra', exact: true }).click();
    await page.getByTestId('qr-result').waitFor();
    return {
      verdict: (await page.getByTestId('qr-verdict').textContent()) ?? '',
      online: (await page.getByTestId('qr-online').textContent()) ?? '',
      offline: (await page.getByTestId('qr-offline').textContent()) ?? '',
    };
  };

  it('the checkpoint verifies a valid code and rejects forged, tampered and replayed ones', async () => {
    const { context, page } = await newPage(browser);
    await logIn(page, server.url, users.hcm, PASSWORD);
    const nav = page.getByRole('navigation', { name: 'Điều hướng chính' });
    await nav.getByRole('link', { name: 'Kiểm tra mã QR' }).click();
    await page.getByRole('heading', { name: 'Kiểm tra mã QR', level: 1 }).waitFor();
    await page
      .getByTestId('qr-keys')
      .getByText(/1 khóa công khai của vn-moh/)
      .waitFor();

    // No camera here (headless, no permission): the page says so and pasting still works.
    await page.getByRole('button', { name: 'Bật camera' }).click();
    await expect(page.getByTestId('camera-error').textContent()).resolves.toMatch(
      /^Không mở được camera: .+\. Hãy dán mã vào ô bên dưới\.$/,
    );

    // A valid code, opened by the phone just now.
    const qr = await holder.getQrToken();
    const valid = await checkToken(page, qr.token);
    expect(valid.verdict).toBe('HỢP LỆ');
    expect(valid.online).toContain('Mã QR hợp lệ: đã kiểm tra với máy chủ.');
    expect(valid.offline).toContain('Chữ ký hợp lệ, mã còn hạn.');
    expect(valid.offline).toContain('Khớp với kết quả trực tuyến.');
    const result = page.getByTestId('qr-result');
    expect(await result.getByText('Đang theo dõi sức khỏe').isVisible()).toBe(true);
    expect(await result.getByText('Khai báo nội địa').isVisible()).toBe(true);
    // The result has the focus (screen readers read it) and is green in words too.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('qr-result');
    expect(await result.getAttribute('class')).toContain('qr-valid');
    await shot(page, 'checkpoint-valid');

    // Forged: the same header and claims, signed by a P-256 key that is not the server's.
    const original = partsOf(qr.token);
    const foreign = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ]);
    const claims = original.payload;
    const forged = await signQrToken(
      {
        issuer: String(claims['iss']),
        status: 'declared',
        kind: 'domestic',
        declaredOn: String(claims['dd']),
        declarationValidUntil: Number(claims['du']),
        jti: String(claims['jti']),
      },
      { kid: String(original.header['kid']), privateKey: foreign.privateKey },
      { now: Number(claims['iat']), lifetimeSeconds: Number(claims['exp']) - Number(claims['iat']) },
    );
    const rejected = await checkToken(page, forged);
    expect(rejected.verdict).toBe('KHÔNG HỢP LỆ');
    expect(await page.getByTestId('qr-reason').textContent()).toBe(
      'Mã giả mạo, bị sửa đổi hoặc không do hệ thống cấp.',
    );
    expect(rejected.online).toContain('(qr_invalid)');
    expect(rejected.offline).toContain('(qr_invalid_signature)');
    expect(rejected.offline).toContain('Khớp với kết quả trực tuyến.');
    expect(await page.getByRole('alert').filter({ hasText: 'KHÔNG HỢP LỆ' }).count()).toBe(1);
    expect(await page.getByTestId('qr-result').getAttribute('class')).toContain('qr-invalid');
    // No status is shown for a rejected code.
    expect(await page.getByTestId('qr-result').getByText('Đang theo dõi sức khỏe').count()).toBe(0);
    await shot(page, 'checkpoint-forged');

    // Tampered: the real signature over claims changed to "cleared".
    const tampered = [
      original.raw.header,
      b64url(JSON.stringify({ ...original.payload, st: 'cleared' })),
      original.raw.signature,
    ].join('.');
    const tamperedResult = await checkToken(page, tampered);
    expect(tamperedResult.verdict).toBe('KHÔNG HỢP LỆ');
    expect(tamperedResult.online).toContain('(qr_invalid)');
    expect(tamperedResult.offline).toContain('(qr_invalid_signature)');

    // Not a token at all.
    const garbage = await checkToken(page, 'not-a-qr-code');
    expect(garbage.verdict).toBe('KHÔNG HỢP LỆ');
    expect(garbage.offline).toContain('(qr_malformed)');

    // Replayed: the phone opened a newer code, so the first one is an old copy. Offline it still
    // verifies: the page says the two differ and that the online result decides.
    const newer = await holder.getQrToken();
    const replayed = await checkToken(page, qr.token);
    expect(replayed.verdict).toBe('KHÔNG HỢP LỆ');
    expect(await page.getByTestId('qr-reason').textContent()).toBe(
      'Đây là bản sao cũ hoặc ảnh chụp màn hình: người này đã mở mã mới hơn.',
    );
    expect(replayed.offline).toContain('Chữ ký hợp lệ, mã còn hạn.');
    expect(replayed.offline).toContain('Khác kết quả trực tuyến');
    expect((await checkToken(page, newer.token)).verdict).toBe('HỢP LỆ');

    // The whole page in English.
    await page.getByRole('button', { name: 'Chuyển sang tiếng Anh' }).click();
    await page.getByRole('heading', { name: 'QR checkpoint', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    await page.getByTestId('qr-verdict').getByText('VALID', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Switch to Vietnamese' }).click();
    await context.close();
  });

  it('with a camera, the page reads its frames until the user stops it', async () => {
    const cameraBrowser = await launchBrowserWithFakeCamera();
    try {
      const context = await cameraBrowser.newContext({
        viewport: VIEWPORT,
        locale: 'vi-VN',
        timezoneId: 'Asia/Ho_Chi_Minh',
        permissions: ['camera'],
      });
      const page = await context.newPage();
      await logIn(page, server.url, users.hcm, PASSWORD);
      await page.goto(`${server.url}/checkpoint`);
      await page.getByRole('button', { name: 'Bật camera' }).click();
      // Chromium on Linux has no BarcodeDetector: the frames go to jsQR.
      await page.getByText(/^Đang tìm mã QR… \(bộ đọc: (jsQR|BarcodeDetector)\)$/).waitFor();
      const video = page.getByRole('region', { name: 'Quét bằng camera' }).locator('video');
      await page.waitForFunction(() => (document.querySelector('video')?.videoWidth ?? 0) > 0);
      expect(await video.isVisible()).toBe(true);
      expect(await page.getByTestId('camera-error').count()).toBe(0);
      await page.waitForTimeout(500); // a few frames through the decoder, which finds no code in the pattern
      expect(await page.getByTestId('qr-result').count()).toBe(0);
      await page.getByRole('button', { name: 'Tắt camera' }).click();
      await page.getByRole('button', { name: 'Bật camera' }).waitFor();
      expect(await video.isVisible()).toBe(false);
      expect(await page.evaluate(() => document.querySelector('video')?.srcObject ?? null)).toBeNull();
      await context.close();
    } finally {
      await cameraBrowser.close();
    }
  });

  it('lists the declaration without personal fields; its detail is audited; a decision revokes the open code', async () => {
    const { context, page } = await newPage(browser);
    await logIn(page, server.url, users.hcm, PASSWORD);
    const nav = page.getByRole('navigation', { name: 'Điều hướng chính' });
    await nav.getByRole('link', { name: 'Khai báo y tế' }).click();
    await page.getByRole('heading', { name: 'Khai báo y tế', level: 1 }).waitFor();
    await page.getByLabel('Chỉ người đang được theo dõi').check();
    await page.getByLabel('Loại tờ khai').selectOption('domestic');
    await page.getByRole('button', { name: 'Lọc', exact: true }).click();
    await page.waitForURL(/monitoring=true/);
    const row = page.getByRole('row').filter({ hasText: declarationId });
    await row.waitFor();
    const rowText = (await row.textContent()) ?? '';
    expect(rowText).toContain('Đang theo dõi sức khỏe');
    expect(rowText).toContain('Nội địaỨng dụng Bluezone');
    expect(rowText).toContain('Thành phố Hồ Chí Minh');
    expect(rowText).toContain('Ứng dụng Bluezone');
    expect(rowText).toContain('1gần nhất: '); // one daily report, the last one today
    // The list carries no personal field.
    expect(await page.getByText(fullName).count()).toBe(0);
    expect(await page.getByText('Trần Thị Bình').count()).toBe(0);
    expect(await page.getByText('Lê Lợi').count()).toBe(0);
    await shot(page, 'declarations');
    // The table fits the 1366-pixel screen: no horizontal scrolling.
    expect(await page.locator('.table-wrap').evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);

    // Cleared declarations: none yet.
    await page.goto(`${server.url}/declarations?status=cleared`);
    await page.getByText('Không có tờ khai nào phù hợp.').waitFor();

    // The detail: personal fields, then the daily reports on request.
    await page.goto(`${server.url}/declarations?monitoring=true`);
    await page.getByRole('link', { name: declarationId }).click();
    await page.getByRole('heading', { name: `Tờ khai ${declarationId}` }).waitFor();
    const personal = page.getByTestId('declaration-personal');
    await personal.getByText(fullName).waitFor();
    expect(await personal.textContent()).toContain('12 Lê Lợi, phường Bến Nghé');
    expect(await personal.textContent()).toContain('Ho');
    await page.getByText('Tiếp xúc gần với ca bệnh (F0): Có').waitFor();
    await page.getByText(/Chợ Bến Thành/).waitFor();
    await page.getByText(/Thành phố Hà Nội → Thành phố Hồ Chí Minh, Máy bay VN0213/).waitFor();
    await page.getByRole('button', { name: 'Xem báo cáo hằng ngày' }).click();
    const reportRow = page
      .getByRole('region', { name: 'Báo cáo sức khỏe hằng ngày' })
      .getByRole('row')
      .nth(1);
    await reportRow.waitFor();
    const reportText = (await reportRow.textContent()) ?? '';
    expect(reportText).toContain('Ho, Mệt mỏi');
    expect(reportText).toContain('37,8 °C');
    expect(reportText).toContain('Ho khan buổi sáng');

    // The officer ends the monitoring: the code the phone showed stops verifying (revoked).
    const open = await declarant.getQrToken();
    await page.getByRole('button', { name: 'Kết thúc theo dõi (khỏe mạnh)' }).click();
    await page.getByText('Đã chuyển sang “Đã kết thúc theo dõi”.').waitFor();
    expect(await page.getByTestId('declaration-status').textContent()).toBe('Đã kết thúc theo dõi');
    expect(await page.getByRole('button', { name: 'Kết thúc theo dõi (khỏe mạnh)' }).count()).toBe(0);
    await shot(page, 'declaration');
    await page.goto(`${server.url}/checkpoint`);
    const revoked = await checkToken(page, open.token);
    expect(revoked.verdict).toBe('KHÔNG HỢP LỆ');
    expect(revoked.online).toContain('(qr_revoked)');

    // The access log: the detail read and the reports read, naming the declaration.
    await nav.getByRole('link', { name: 'Nhật ký truy cập' }).click();
    // (Each time: wait until every row shown is of the action filtered for, not the list before.)
    const rowsOf = async (action: string) => {
      await page.getByLabel('Hành động').fill(action);
      await page.getByRole('button', { name: 'Lọc', exact: true }).click();
      await expect
        .poll(async () => {
          const rows = await page.locator('tbody tr').allTextContents();
          return rows.length > 0 && rows.every((r) => r.includes(action));
        })
        .toBe(true);
      return page.locator('tbody tr').filter({ hasText: `declaration:${declarationId}` });
    };
    const reads = await rowsOf('declaration.read');
    expect(await reads.count()).toBe(1);
    expect(await reads.textContent()).toContain(users.hcm);
    expect(await (await rowsOf('declaration.daily_reports.read')).count()).toBe(1);
    expect(await (await rowsOf('declaration.status')).textContent()).toContain('cleared');
    await context.close();
  });

  it('a national admin registers a partner app; the key and secret are shown once', async () => {
    const province = await newPage(browser);
    await logIn(province.page, server.url, users.hcm, PASSWORD);
    const provinceNav = await province.page
      .getByRole('navigation', { name: 'Điều hướng chính' })
      .getByRole('link')
      .allTextContents();
    expect(provinceNav).toContain('Khai báo y tế');
    expect(provinceNav).toContain('Kiểm tra mã QR');
    expect(provinceNav).not.toContain('Ứng dụng đối tác');
    await province.page.goto(`${server.url}/partners`);
    await province.page.getByText('Không có trang này.').waitFor();
    await province.context.close();

    const { context, page } = await newPage(browser);
    await logIn(page, server.url, users.national, PASSWORD);
    await page
      .getByRole('navigation', { name: 'Điều hướng chính' })
      .getByRole('link', { name: 'Ứng dụng đối tác' })
      .click();
    await page.getByRole('heading', { name: 'Ứng dụng đối tác', level: 1 }).waitFor();
    await page.getByText('Chưa có ứng dụng đối tác nào.').waitFor();
    // Without a scope: the page refuses before asking the server.
    await page.getByLabel('Tên ứng dụng').fill('VHD – Khai báo y tế điện tử');
    await page.getByLabel(/Đọc trạng thái khai báo/).uncheck();
    await page.getByRole('button', { name: 'Đăng ký', exact: true }).click();
    await page.getByText('Chọn ít nhất một quyền.').waitFor();
    await page.getByLabel(/Đọc trạng thái khai báo/).check();
    await page.getByLabel(/Nhận thông báo thay đổi tờ khai/).check();
    await page.getByLabel('Địa chỉ webhook (tùy chọn)').fill('https://vhd.example.vn/bluezone/webhook');
    await page.getByRole('button', { name: 'Đăng ký', exact: true }).click();
    const created = page.getByTestId('partner-created');
    await created.waitFor();
    const apiKey = (await page.getByTestId('partner-api-key').textContent()) ?? '';
    const secret = (await page.getByTestId('partner-webhook-secret').textContent()) ?? '';
    expect(apiKey.length).toBeGreaterThan(20);
    expect(secret.length).toBeGreaterThan(20);
    const row = page.getByRole('row').filter({ hasText: 'VHD – Khai báo y tế điện tử' });
    await row.waitFor();
    const rowText = (await row.textContent()) ?? '';
    expect(rowText).toContain('status:read');
    expect(rowText).toContain('declarations:read');
    expect(rowText).toContain('0 đã gửi, 0 đang chờ, 0 thất bại');
    expect(rowText).not.toContain(apiKey);
    // The key works for the partner API (no consent token: 403 consent_invalid, not 401).
    const status = await fetch(`${server.url}/partner/v1/status`, { headers: { 'x-api-key': apiKey } });
    expect(((await status.json()) as { error: { code: string } }).error.code).toBe('consent_invalid');
    await shot(page, 'partners');
    // Shown once: after a reload only the list remains.
    await page.reload();
    await row.waitFor();
    expect(await page.getByTestId('partner-api-key').count()).toBe(0);
    await context.close();
  });
});
