import { type FormEvent, useCallback, useEffect, useRef, useState } from 'react';
import { verifyQrOnline } from '../api';
import { Field } from '../components';
import { type TextKey, type Texts, useTexts } from '../i18n';
import {
  agreement,
  asApiError,
  cameraSupported,
  checkOffline,
  isRejection,
  loadQrKeys,
  type OfflineCheck,
  type OnlineCheck,
  type QrKeySet,
  type Scanner,
  startScanner,
} from '../qr';

type Camera =
  | { readonly state: 'off' }
  | { readonly state: 'starting' }
  | { readonly state: 'on'; readonly decoder: string }
  | { readonly state: 'failed'; readonly message: string };

interface Checked {
  readonly token: string;
  readonly online: OnlineCheck;
  readonly offline: OfflineCheck;
}

/**
 * Kiểm tra mã QR: a checkpoint reads a person's QR code with the camera (where there is one and
 * the user allows it) or from pasted text, checks it online (`POST /v1/qr/verify`, the verdict)
 * and offline with the published keys, and shows a large result in words, not only in colour.
 */
export function CheckpointPage() {
  const texts = useTexts();
  const { t } = texts;
  const [token, setToken] = useState('');
  const [keys, setKeys] = useState<QrKeySet | undefined>();
  const [keysError, setKeysError] = useState<string | undefined>();
  const [checking, setChecking] = useState(false);
  const [result, setResult] = useState<Checked | undefined>();
  const [camera, setCamera] = useState<Camera>({ state: 'off' });
  const video = useRef<HTMLVideoElement>(null);
  const scanner = useRef<Scanner | undefined>(undefined);
  const resultBox = useRef<HTMLElement>(null);
  const canScan = cameraSupported();
  // The scanner's callback outlives renders: it reads the keys loaded by then.
  const keysRef = useRef<QrKeySet | undefined>(undefined);
  keysRef.current = keys;

  const reloadKeys = useCallback(() => {
    setKeysError(undefined);
    loadQrKeys().then(setKeys, (error: unknown) => setKeysError(asApiError(error).message));
  }, []);
  useEffect(reloadKeys, [reloadKeys]);
  // The camera stops when the page is left.
  useEffect(() => () => scanner.current?.stop(), []);

  const check = async (value: string) => {
    const trimmed = value.trim();
    if (trimmed === '') return;
    setChecking(true);
    setResult(undefined);
    const [online, offline] = await Promise.all([
      verifyQrOnline(trimmed).then(
        (v): OnlineCheck => ({ kind: 'ok', value: v }),
        (error: unknown): OnlineCheck => ({ kind: 'fail', error: asApiError(error) }),
      ),
      checkOffline(trimmed, keysRef.current),
    ]);
    setResult({ token: trimmed, online, offline });
    setChecking(false);
  };
  // The result takes the focus: screen readers read it, and the next scan is one Tab away.
  useEffect(() => {
    if (result) resultBox.current?.focus();
  }, [result]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void check(token);
  };

  const startCamera = async () => {
    const element = video.current;
    if (!element) return;
    setCamera({ state: 'starting' });
    try {
      scanner.current = await startScanner(element, (text) => {
        scanner.current = undefined;
        setCamera({ state: 'off' });
        setToken(text);
        void check(text);
      });
      setCamera({ state: 'on', decoder: scanner.current.decoder });
    } catch (error) {
      scanner.current = undefined;
      setCamera({ state: 'failed', message: error instanceof Error ? error.message : String(error) });
    }
  };
  const stopCamera = () => {
    scanner.current?.stop();
    scanner.current = undefined;
    setCamera({ state: 'off' });
  };

  const cameraOn = camera.state === 'on' || camera.state === 'starting';

  return (
    <>
      <h1>{t('qr.title')}</h1>
      <p className="hint">{t('qr.intro')}</p>
      <div className="columns">
        <section className="panel" aria-labelledby="qr-scan">
          <h2 id="qr-scan">{t('qr.scan')}</h2>
          {canScan ? (
            <>
              <div className="actions tight">
                {cameraOn ? (
                  <button type="button" className="secondary" onClick={stopCamera}>
                    {t('qr.stopCamera')}
                  </button>
                ) : (
                  <button type="button" onClick={startCamera}>
                    {t('qr.startCamera')}
                  </button>
                )}
              </div>
              <p className="hint">{t('qr.cameraHint')}</p>
              {camera.state === 'on' ? (
                <p className="hint" role="status">
                  {t('qr.scanning', { decoder: camera.decoder })}
                </p>
              ) : null}
              {camera.state === 'failed' ? (
                <p className="message error" role="alert" data-testid="camera-error">
                  {t('qr.cameraFailed', { message: camera.message })}
                </p>
              ) : null}
            </>
          ) : (
            <p className="message notice" role="status" data-testid="camera-error">
              {t('qr.noCamera')}
            </p>
          )}
          <video ref={video} className="qr-video" hidden={!cameraOn} aria-label={t('qr.video')} muted />
        </section>
        <section className="panel" aria-labelledby="qr-paste">
          <h2 id="qr-paste">{t('qr.paste')}</h2>
          <form onSubmit={submit}>
            <Field label={t('qr.token')} hint={t('qr.tokenHint')}>
              {(id, describedBy) => (
                <textarea
                  id={id}
                  aria-describedby={describedBy}
                  className="mono qr-token"
                  rows={5}
                  required
                  maxLength={4096}
                  spellCheck={false}
                  autoComplete="off"
                  value={token}
                  onChange={(e) => setToken(e.target.value)}
                />
              )}
            </Field>
            <div className="form-actions">
              <button type="submit" disabled={checking}>
                {t('qr.verify')}
              </button>
              <button
                type="button"
                className="secondary"
                onClick={() => {
                  setToken('');
                  setResult(undefined);
                }}
              >
                {t('qr.clear')}
              </button>
            </div>
          </form>
          <p className="hint" data-testid="qr-keys">
            {keys
              ? t('qr.keys', {
                  count: keys.jwks.keys.length,
                  issuer: keys.issuer,
                  time: texts.dateTime(keys.loadedAt),
                })
              : keysError
                ? t('qr.offlineUnavailable', { message: keysError })
                : t('qr.keysLoading')}{' '}
            <button type="button" className="secondary small" onClick={reloadKeys}>
              {t('qr.reloadKeys')}
            </button>
          </p>
        </section>
      </div>
      {checking ? (
        <p className="loading" role="status">
          {t('qr.checking')}
        </p>
      ) : null}
      {result ? <Result result={result} texts={texts} boxRef={resultBox} /> : null}
    </>
  );
}

type Verdict = 'valid' | 'invalid' | 'unknown';

function verdictOf(result: Checked): { verdict: Verdict; offlineOnly: boolean } {
  if (result.online.kind === 'ok') return { verdict: 'valid', offlineOnly: false };
  if (isRejection(result.online)) return { verdict: 'invalid', offlineOnly: false };
  // No verdict from the server (network, rate limit): the offline check alone.
  if (result.offline.kind === 'ok') return { verdict: 'valid', offlineOnly: true };
  if (result.offline.kind === 'fail') return { verdict: 'invalid', offlineOnly: true };
  return { verdict: 'unknown', offlineOnly: true };
}

function Result({
  result,
  texts,
  boxRef,
}: {
  readonly result: Checked;
  readonly texts: Texts;
  readonly boxRef: React.RefObject<HTMLElement | null>;
}) {
  const { t } = texts;
  const { verdict, offlineOnly } = verdictOf(result);
  const { online, offline } = result;
  const agrees = agreement(online, offline);
  const claims =
    online.kind === 'ok'
      ? {
          status: online.value.status,
          kind: online.value.kind,
          declaredOn: online.value.declaredOn,
          validUntil: online.value.validUntil,
          issuedAt: online.value.issuedAt,
          expiresAt: online.value.expiresAt,
        }
      : offline.kind === 'ok' && verdict === 'valid'
        ? {
            status: offline.value.status,
            kind: offline.value.kind,
            declaredOn: offline.value.declaredOn,
            validUntil: new Date(offline.value.declarationValidUntil * 1000).toISOString(),
            issuedAt: new Date(offline.value.issuedAt * 1000).toISOString(),
            expiresAt: new Date(offline.value.expiresAt * 1000).toISOString(),
          }
        : undefined;
  const icon = verdict === 'valid' ? '✓' : verdict === 'invalid' ? '✗' : '?';
  const headline =
    verdict === 'valid' ? t('qr.valid') : verdict === 'invalid' ? t('qr.invalid') : t('qr.unknown');
  const text =
    verdict === 'valid'
      ? offlineOnly
        ? t('qr.validOfflineText')
        : t('qr.validText')
      : verdict === 'invalid'
        ? t('qr.invalidText')
        : t('qr.unknownText');
  const rejection = online.kind === 'fail' && isRejection(online) ? online.error : undefined;

  return (
    <section
      ref={boxRef}
      tabIndex={-1}
      className={`panel qr-result qr-${verdict}`}
      aria-labelledby="qr-result-title"
      data-testid="qr-result"
    >
      <h2 id="qr-result-title" className="visually-hidden">
        {t('qr.result')}
      </h2>
      <div className="qr-headline" role={verdict === 'valid' ? 'status' : 'alert'}>
        <span className="qr-icon" aria-hidden="true">
          {icon}
        </span>
        <div>
          <p className="qr-verdict" data-testid="qr-verdict">
            {headline}
          </p>
          <p className="qr-text">{text}</p>
          {rejection ? (
            <>
              <p className="qr-reason" data-testid="qr-reason">
                {t(`qr.error.${rejection.code}` as TextKey)}
              </p>
              <p className="error-detail">
                {t('qr.serverSays', { message: rejection.message, code: rejection.code })}
              </p>
            </>
          ) : null}
        </div>
      </div>
      {claims ? (
        <dl className="facts">
          <div>
            <dt>{t('qr.status')}</dt>
            <dd>
              <span className={`badge decl-${claims.status}`}>
                {t(`decl.status.${claims.status}` as TextKey)}
              </span>
            </dd>
          </div>
          <div>
            <dt>{t('decl.kind')}</dt>
            <dd>{t(`decl.kind.${claims.kind}` as TextKey)}</dd>
          </div>
          <div>
            <dt>{t('decl.declaredOn')}</dt>
            <dd>{texts.day(claims.declaredOn)}</dd>
          </div>
          <div>
            <dt>{t('decl.validUntil')}</dt>
            <dd>{texts.dateTime(claims.validUntil)}</dd>
          </div>
          <div>
            <dt>{t('qr.issuedAt')}</dt>
            <dd>{texts.dateTime(claims.issuedAt)}</dd>
          </div>
          <div>
            <dt>{t('qr.expiresAt')}</dt>
            <dd>{texts.dateTime(claims.expiresAt)}</dd>
          </div>
        </dl>
      ) : null}
      <dl className="qr-checks">
        <div>
          <dt>{t('qr.online')}</dt>
          <dd data-testid="qr-online">
            {online.kind === 'ok'
              ? `✓ ${t('qr.validText')}`
              : rejection
                ? `✗ ${t('qr.serverSays', { message: rejection.message, code: rejection.code })}`
                : t('qr.onlineFailed', { message: online.error.message, code: online.error.code })}
          </dd>
        </div>
        <div>
          <dt>{t('qr.offline')}</dt>
          <dd data-testid="qr-offline">
            {offline.kind === 'ok'
              ? `✓ ${t('qr.offlineOk')}`
              : offline.kind === 'fail'
                ? `✗ ${t('qr.offlineFail', { message: offline.message, code: offline.code })}`
                : t('qr.offlineUnavailable', { message: offline.message })}
            {agrees === true ? <span className="block">{t('qr.agree')}</span> : null}
            {agrees === false ? (
              <span className="block">{t(online.kind === 'ok' ? 'qr.disagreeKeys' : 'qr.disagree')}</span>
            ) : null}
          </dd>
        </div>
      </dl>
    </section>
  );
}
