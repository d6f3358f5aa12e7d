/**
 * Shared pieces of the portal's browser tests: build the portal from the current sources into a
 * temporary directory, start Chromium, open pages, log in, take screenshots.
 *
 * Several test files use these; add functions, do not change the existing ones' behaviour.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { build } from 'vite';

/** The portal package directory. */
export const PORTAL = fileURLToPath(new URL('..', import.meta.url));
/** docs/screenshots/. */
export const SHOTS = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));
/** Debian's Chromium (apt install chromium). */
export const CHROMIUM = '/usr/bin/chromium';
/** The screenshots' viewport. */
export const VIEWPORT = { width: 1366, height: 768 } as const;

/**
 * Builds the portal with Vite into `outDir` (served through BLUEZONE_PORTAL_DIR). Like the rest
 * of the tests (vitest.config.ts), it uses the TypeScript sources of the workspace packages the
 * portal imports (@bluezone/protocol), not their possibly stale build output.
 */
export async function buildPortal(outDir: string): Promise<void> {
  // Vitest sets NODE_ENV=test, with which Vite would bundle React's development build (StrictMode
  // then runs every effect twice: two audited reads for one page view). Build what ships.
  const nodeEnv = process.env['NODE_ENV'];
  process.env['NODE_ENV'] = 'production';
  try {
    await build({
      root: PORTAL,
      configFile: join(PORTAL, 'vite.config.ts'),
      logLevel: 'warn',
      mode: 'production',
      resolve: {
        alias: {
          '@bluezone/protocol': fileURLToPath(new URL('../../protocol/src/index.ts', import.meta.url)),
        },
      },
      build: { outDir, emptyOutDir: true, sourcemap: false },
    });
  } finally {
    if (nodeEnv === undefined) delete process.env['NODE_ENV'];
    else process.env['NODE_ENV'] = nodeEnv;
  }
  if (!existsSync(join(outDir, 'index.html')))
    throw new Error(`the portal build wrote no index.html to ${outDir}`);
  mkdirSync(SHOTS, { recursive: true });
}

/** Headless Chromium without a camera or microphone. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** A fresh context (Vietnamese, Vietnam time) and page; dialogs (confirm) are accepted. */
export async function newPage(
  browser: Browser,
  viewport: { width: number; height: number } = VIEWPORT,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
  const page = await context.newPage();
  page.on('dialog', (dialog) => void dialog.accept());
  return { context, page };
}

/** A full-page screenshot to docs/screenshots/portal-<name>.png, the mouse parked on the top bar. */
export async function shot(page: Page, name: string): Promise<void> {
  await page.mouse.move(VIEWPORT.width / 2, 5);
  await page.waitForTimeout(100);
  await page.screenshot({ path: join(SHOTS, `portal-${name}.png`), fullPage: true });
}

/** Logs in through the login page (Vietnamese) and waits for the navigation. */
export async function logIn(page: Page, baseUrl: string, username: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel('Tên đăng nhập').fill(username);
  await page.getByLabel('Mật khẩu').fill(password);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  await page.getByRole('navigation', { name: 'Điều hướng chính' }).waitFor();
}

/**
 * Headless Chromium with Chromium's fake camera (a moving test pattern, no QR code in it) and no
 * permission prompt: for the camera path of the QR checkpoint.
 */
export function launchBrowserWithFakeCamera(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
    ],
  });
}

/** The last 6-digit code the file SMS adapter (`BLUEZONE_SMS=file:…`) wrote to `e164`, or "". */
export function lastSmsCode(smsFile: string, e164: string): string {
  const lines = readFileSync(smsFile, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { to: string; text: string });
  return /(\d{6})/.exec(lines.filter((l) => l.to === e164).at(-1)?.text ?? '')?.[1] ?? '';
}
