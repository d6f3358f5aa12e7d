/**
 * Personal QR codes at a checkpoint (docs/declarations.md §4): reading the code from a camera and
 * the offline check with the published keys.
 *
 * - **Camera.** `getUserMedia` (needs a secure context: HTTPS or localhost); frames are decoded by
 *   the browser's `BarcodeDetector` where it exists and knows `qr_code` (Chrome on Android,
 *   ChromeOS, macOS), else by jsQR on a canvas copy of the frame, a few times a second. Without a
 *   camera, or when the user refuses it, the page works with a pasted token.
 * - **Offline check.** `verifyQrToken` of @bluezone/protocol (pure: jose on WebCrypto) against
 *   `GET /v1/qr/keys`, with the issuer named in the server's device configuration. It proves the
 *   server signed the code and that it has not expired; it cannot see a status change or a copy,
 *   which only the online check (`POST /v1/qr/verify`) can.
 */
import { type VerifiedQrToken, verifyQrToken } from '@bluezone/protocol';
import jsQR from 'jsqr';
import { ApiError, deviceConfig, type QrVerification, qrKeys } from './api';

/** The published keys and the issuer they are accepted for. */
export interface QrKeySet {
  readonly jwks: Awaited<ReturnType<typeof qrKeys>>;
  readonly issuer: string;
  readonly loadedAt: number;
}

/** The default health authority ID (BLUEZONE_HEALTH_AUTHORITY_ID), used when the configuration does not name one. */
const DEFAULT_ISSUER = 'vn-moh';

function base64UrlJson(part: string): unknown {
  const base64 = part
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(part.length / 4) * 4, '=');
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

/**
 * Loads the published keys, and the issuer from the device configuration's payload (read, not
 * verified: it comes from the same server as the keys themselves).
 */
export async function loadQrKeys(now = Date.now()): Promise<QrKeySet> {
  const [jwks, config] = await Promise.all([qrKeys(), deviceConfig()]);
  let issuer = DEFAULT_ISSUER;
  try {
    const payload = base64UrlJson(config.jws.split('.')[1] ?? '') as { healthAuthorityId?: unknown };
    if (typeof payload.healthAuthorityId === 'string' && payload.healthAuthorityId !== '')
      issuer = payload.healthAuthorityId;
  } catch {
    // an unreadable configuration: keep the default issuer
  }
  return { jwks, issuer, loadedAt: now };
}

/** The outcome of the offline check. */
export type OfflineCheck =
  | { readonly kind: 'ok'; readonly value: VerifiedQrToken }
  | { readonly kind: 'fail'; readonly code: string; readonly message: string }
  | { readonly kind: 'unavailable'; readonly message: string };

/** Checks `token` offline against `keys`; never throws. */
export async function checkOffline(
  token: string,
  keys: QrKeySet | undefined,
  now = Date.now(),
): Promise<OfflineCheck> {
  if (!keys) return { kind: 'unavailable', message: 'the published keys are not loaded' };
  if (typeof crypto === 'undefined' || !crypto.subtle)
    return {
      kind: 'unavailable',
      message: 'this page has no WebCrypto (it needs HTTPS or localhost)',
    };
  try {
    const result = await verifyQrToken(token, {
      jwks: keys.jwks,
      issuer: keys.issuer,
      now: Math.floor(now / 1000),
    });
    if (result.ok) return { kind: 'ok', value: result.value };
    return { kind: 'fail', code: result.error.code, message: result.error.message };
  } catch (error) {
    return { kind: 'unavailable', message: error instanceof Error ? error.message : String(error) };
  }
}

/** The outcome of the online check: the server's answer, or its error (or a network failure). */
export type OnlineCheck =
  | { readonly kind: 'ok'; readonly value: QrVerification }
  | { readonly kind: 'fail'; readonly error: ApiError };

/** The errors by which the server rejects a code (the others — network, rate limit — are no verdict). */
export const QR_REJECTIONS = ['qr_invalid', 'qr_expired', 'qr_revoked', 'qr_replayed'] as const;

export function isRejection(online: OnlineCheck): boolean {
  return online.kind === 'fail' && (QR_REJECTIONS as readonly string[]).includes(online.error.code);
}

/**
 * Whether the offline check agrees with the online one: `undefined` when either gave no verdict
 * (the server unreachable, the keys not loaded). A code the server rejects as revoked or replayed
 * still verifies offline: that is the expected disagreement the page explains.
 */
export function agreement(
  online: OnlineCheck | undefined,
  offline: OfflineCheck | undefined,
): boolean | undefined {
  if (!online || !offline || offline.kind === 'unavailable') return undefined;
  if (online.kind === 'ok') return offline.kind === 'ok' && offline.value.status === online.value.status;
  if (!isRejection(online)) return undefined;
  return offline.kind === 'fail';
}

// ---- Camera ----

interface DetectedBarcode {
  readonly rawValue: string;
}
interface BarcodeDetectorLike {
  detect(source: CanvasImageSource): Promise<DetectedBarcode[]>;
}
interface BarcodeDetectorClass {
  new (options: { formats: string[] }): BarcodeDetectorLike;
  getSupportedFormats?(): Promise<string[]>;
}

/** Whether this page may ask for a camera at all (an API and a secure context). */
export function cameraSupported(): boolean {
  return (
    typeof navigator !== 'undefined' &&
    typeof navigator.mediaDevices?.getUserMedia === 'function' &&
    (typeof window === 'undefined' || window.isSecureContext)
  );
}

async function nativeDetector(): Promise<BarcodeDetectorLike | undefined> {
  const Detector = (globalThis as { BarcodeDetector?: BarcodeDetectorClass }).BarcodeDetector;
  if (!Detector) return undefined;
  try {
    const formats = Detector.getSupportedFormats ? await Detector.getSupportedFormats() : ['qr_code'];
    return formats.includes('qr_code') ? new Detector({ formats: ['qr_code'] }) : undefined;
  } catch {
    return undefined;
  }
}

/** The largest frame side handed to jsQR: enough for a phone screen held up to a webcam, and fast. */
const MAX_SIDE = 720;

/** Decodes one video frame with jsQR; undefined when it holds no readable QR code. */
export function decodeFrame(video: HTMLVideoElement, canvas: HTMLCanvasElement): string | undefined {
  const width = video.videoWidth;
  const height = video.videoHeight;
  if (!width || !height) return undefined;
  const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) return undefined;
  context.drawImage(video, 0, 0, canvas.width, canvas.height);
  const image = context.getImageData(0, 0, canvas.width, canvas.height);
  // Phones show dark-on-light codes; also try inverted for dark-mode screens.
  return jsQR(image.data, image.width, image.height, { inversionAttempts: 'attemptBoth' })?.data || undefined;
}

/** A running camera scan. */
export interface Scanner {
  readonly decoder: 'BarcodeDetector' | 'jsQR';
  stop(): void;
}

/**
 * Opens the (rear) camera into `video` and calls `onCode` once with the first QR code read, then
 * stops the camera. Rejects when there is no camera or the user refuses it.
 */
export async function startScanner(
  video: HTMLVideoElement,
  onCode: (text: string) => void,
): Promise<Scanner> {
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { facingMode: { ideal: 'environment' } },
    audio: false,
  });
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stop = () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
  };
  try {
    video.srcObject = stream;
    video.muted = true;
    video.playsInline = true;
    await video.play();
  } catch (error) {
    stop();
    throw error;
  }
  const detector = await nativeDetector();
  const canvas = document.createElement('canvas');
  const tick = async () => {
    if (stopped) return;
    let text: string | undefined;
    try {
      if (video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA)
        text = detector
          ? (await detector.detect(video)).find((code) => code.rawValue)?.rawValue
          : decodeFrame(video, canvas);
    } catch {
      text = undefined; // a frame the decoder could not read: try the next one
    }
    if (stopped) return;
    if (text) {
      stop();
      onCode(text.trim());
      return;
    }
    timer = setTimeout(tick, 150);
  };
  void tick();
  return { decoder: detector ? 'BarcodeDetector' : 'jsQR', stop };
}

/** An ApiError of any failure of the online call (it already is one; this keeps the type). */
export function asApiError(error: unknown): ApiError {
  return error instanceof ApiError
    ? error
    : new ApiError(0, 'network', error instanceof Error ? error.message : String(error));
}
