/** Small shared pieces of the pages. */
import { type ReactNode, useCallback, useEffect, useId, useState } from 'react';
import { ApiError, type IssuedCodes } from './api';
import { type TextKey, type Texts, useTexts } from './i18n';
import { unitsOf, useSession } from './session';

/** The message of a failure, for display. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return error instanceof Error ? error.message : String(error);
}

const LOCALIZED_ERRORS = new Set([
  'not_found',
  'forbidden',
  'invalid_request',
  'conflict',
  'invalid_status_transition',
  'network',
  'rate_limited',
  'csrf_invalid',
  'unavailable',
  'internal',
]);

/**
 * A failure shown to the user (announced by screen readers): a sentence in the portal's language
 * for the common codes, then the server's own message (which names the field or object at fault)
 * and its code.
 */
export function ErrorMessage({ error }: { readonly error: unknown }) {
  const { t } = useTexts();
  if (error === undefined || error === null) return null;
  const code = error instanceof ApiError ? error.code : undefined;
  const localized = code && LOCALIZED_ERRORS.has(code) ? t(`error.${code}` as TextKey) : undefined;
  return (
    <div className="message error" role="alert">
      <p>
        <strong>{t('common.error')}:</strong> {localized ?? errorText(error)}
        {code && !localized ? <span className="error-code"> ({code})</span> : null}
      </p>
      {localized ? (
        <p className="error-detail">
          {t('error.details')}: {errorText(error)} <span className="error-code">({code})</span>
        </p>
      ) : null}
    </div>
  );
}

/** A success or information message. */
export function Notice({ children }: { readonly children: ReactNode }) {
  return (
    <p className="message notice" role="status">
      {children}
    </p>
  );
}

export function Loading() {
  const { t } = useTexts();
  return (
    <p className="loading" role="status">
      {t('app.loading')}
    </p>
  );
}

/**
 * The state of a loaded list above its table: the load's error, "loading" until the first data,
 * and `empty` once loaded with no rows (`count` rows).
 */
export function ListStatus({
  list,
  count,
  empty,
}: {
  readonly list: { readonly data: unknown; readonly error: unknown; readonly loading: boolean };
  readonly count: number;
  readonly empty: string;
}) {
  return (
    <>
      <ErrorMessage error={list.error} />
      {list.loading && !list.data ? <Loading /> : null}
      {list.data && count === 0 ? <p>{empty}</p> : null}
    </>
  );
}

/** Loads with `load` whenever `deps` change; `reload` runs it again. */
export function useLoad<T>(
  load: () => Promise<T>,
  deps: readonly unknown[],
): { data: T | undefined; error: unknown; loading: boolean; reload: () => void; setData: (data: T) => void } {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: true,
  });
  const [tick, setTick] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller lists what `load` reads
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: undefined }));
    load().then(
      (data) => live && setState({ data, error: undefined, loading: false }),
      (error: unknown) => live && setState({ data: undefined, error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  const setData = useCallback((data: T) => setState({ data, error: undefined, loading: false }), []);
  return { ...state, reload, setData };
}

/** A labelled form field. */
export function Field({
  label,
  hint,
  children,
}: {
  readonly label: string;
  readonly hint?: string;
  readonly children: (id: string, describedBy: string | undefined) => ReactNode;
}) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children(id, hintId)}
      {hint ? (
        <small id={hintId} className="hint">
          {hint}
        </small>
      ) : null}
    </div>
  );
}

/** Province name in the current language. */
export function useProvinceName(): (code: string | null | undefined) => string {
  const session = useSession();
  const { lang, t } = useTexts();
  const units = unitsOf(session);
  return (code) => {
    if (code === null || code === undefined) return t('common.wholeCountry');
    const province = units?.provinces.find((p) => p.code === code);
    if (!province) return code;
    return lang === 'en' && province.nameEn ? province.nameEn : province.name;
  };
}

export function useDistrictName(): (code: string | null | undefined) => string {
  const session = useSession();
  const { t } = useTexts();
  const units = unitsOf(session);
  return (code) => {
    if (code === null || code === undefined) return t('common.allDistricts');
    return units?.districts.find((d) => d.code === code)?.name ?? code;
  };
}

/** Province and district pickers bound to the admin units; shows their loading error. */
export function UnitPickers({
  provinceCode,
  districtCode,
  onChange,
  allowAllProvinces,
  required,
}: {
  readonly provinceCode: string;
  readonly districtCode: string;
  readonly onChange: (provinceCode: string, districtCode: string) => void;
  readonly allowAllProvinces: boolean;
  readonly required?: boolean;
}) {
  const session = useSession();
  const { t, lang } = useTexts();
  const units = unitsOf(session);
  const own = session.user.provinceCode;
  const provinces = (units?.provinces ?? []).filter((p) => own === null || p.code === own);
  const sorted = [...provinces].sort((a, b) => a.name.localeCompare(b.name, 'vi'));
  const ownDistricts = session.user.districtCodes;
  const districts = (units?.districts ?? [])
    .filter((d) => d.provinceCode === provinceCode)
    .filter((d) => ownDistricts === null || ownDistricts.includes(d.code))
    .sort((a, b) => a.code.localeCompare(b.code));
  const unitsError = session.units && 'error' in session.units ? session.units.error : undefined;
  return (
    <>
      {unitsError ? (
        <p className="message error" role="alert">
          {t('common.unitsMissing', { message: unitsError })}
        </p>
      ) : null}
      <Field label={t('common.province')}>
        {(id) =>
          units ? (
            <select
              id={id}
              value={provinceCode}
              required={required}
              onChange={(e) => onChange(e.target.value, '')}
            >
              {allowAllProvinces || own === null ? (
                <option value="">{allowAllProvinces ? t('common.all') : ''}</option>
              ) : null}
              {sorted.map((p) => (
                <option key={p.code} value={p.code}>
                  {lang === 'en' && p.nameEn ? p.nameEn : p.name} ({p.code})
                </option>
              ))}
            </select>
          ) : (
            <input
              id={id}
              value={provinceCode}
              required={required}
              inputMode="numeric"
              pattern="[0-9]{2}"
              onChange={(e) => onChange(e.target.value, '')}
            />
          )
        }
      </Field>
      <Field label={t('common.district')}>
        {(id) =>
          units ? (
            <select id={id} value={districtCode} onChange={(e) => onChange(provinceCode, e.target.value)}>
              <option value="">{ownDistricts === null ? t('common.allDistricts') : ''}</option>
              {districts.map((d) => (
                <option key={d.code} value={d.code}>
                  {d.name} ({d.code})
                </option>
              ))}
            </select>
          ) : (
            <input
              id={id}
              value={districtCode}
              inputMode="numeric"
              pattern="[0-9]{3}"
              onChange={(e) => onChange(provinceCode, e.target.value)}
            />
          )
        }
      </Field>
    </>
  );
}

/** "1:59:58"-style remaining time, or undefined once past. */
function remaining(until: string, now: number): string | undefined {
  const ms = Date.parse(until) - now;
  if (!(ms > 0)) return undefined;
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(sec)}` : `${m}:${two(sec)}`;
}

/** The current time, ticking every second. */
export function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

function Countdown({ until, texts }: { readonly until: string; readonly texts: Texts }) {
  const now = useNow();
  const left = remaining(until, now);
  return (
    <span className={left ? 'countdown' : 'countdown expired'}>
      {left ? texts.t('codes.expiresIn', { time: left }) : texts.t('codes.expired')}
    </span>
  );
}

/** Groups a code for reading: "1234 5671", "K7QW-3MZP-9XRT-2VHD". */
export function groupCode(code: string): string {
  return /^\d+$/.test(code) ? code.replace(/(\d{4})(?=\d)/g, '$1 ') : code.replace(/(.{4})(?=.)/g, '$1-');
}

/** Freshly issued codes: shown once, with their expiry countdown and a printable slip. */
export function CodesPanel({ codes, onHide }: { readonly codes: IssuedCodes; readonly onHide: () => void }) {
  const texts = useTexts();
  const { t } = texts;
  return (
    <section className="codes panel" aria-labelledby="codes-title">
      <h2 id="codes-title">{t('codes.title')}</h2>
      <p className="screen-only warning">{t('codes.warning')}</p>
      <div className="slip">
        <p className="print-only slip-title">{t('codes.slipTitle')}</p>
        <p className="print-only">{t('codes.slipInstructions')}</p>
        <dl className="code-list">
          <div>
            <dt>{t('codes.short')}</dt>
            <dd>
              <output
                className="code"
                data-testid="short-code"
                aria-label={codes.shortCode.split('').join(' ')}
              >
                {groupCode(codes.shortCode)}
              </output>
              <Countdown until={codes.expiresAt} texts={texts} />
              <span className="print-only">
                {t('codes.validUntil', { time: texts.dateTime(codes.expiresAt) })}
              </span>
            </dd>
          </div>
          <div>
            <dt>{t('codes.long')}</dt>
            <dd>
              <output className="code" data-testid="long-code">
                {groupCode(codes.longCode)}
              </output>
              <Countdown until={codes.longExpiresAt} texts={texts} />
              <span className="print-only">
                {t('codes.validUntil', { time: texts.dateTime(codes.longExpiresAt) })}
              </span>
            </dd>
          </div>
        </dl>
        <p className="print-only slip-case">
          {t('cases.case')}: {codes.caseId}
        </p>
      </div>
      <div className="actions screen-only">
        <button type="button" onClick={() => window.print()}>
          {t('codes.print')}
        </button>
        <button type="button" className="secondary" onClick={onHide}>
          {t('codes.hide')}
        </button>
      </div>
    </section>
  );
}

export function StatusBadge({ status }: { readonly status: string }) {
  const { t } = useTexts();
  const key = `status.${status}` as Parameters<typeof t>[0];
  return <span className={`badge status-${status}`}>{t(key)}</span>;
}

export function RiskBadge({ level }: { readonly level: number | null }) {
  const { t } = useTexts();
  if (level === null) return <span>{t('common.none')}</span>;
  return <span className={`badge risk-${level}`}>{level >= 2 ? t('risk.2') : t('risk.1')}</span>;
}

export function StateBadge({ state }: { readonly state: string }) {
  const { t } = useTexts();
  const key = `state.${state}` as Parameters<typeof t>[0];
  return <span className={`badge state-${state}`}>{t(key)}</span>;
}

/** Today in Vietnam as YYYY-MM-DD. */
export function todayInVietnam(now = Date.now()): string {
  return new Date(now + 7 * 3_600_000).toISOString().slice(0, 10);
}
