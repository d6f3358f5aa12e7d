/**
 * Nhập số liệu thống kê (Statistics imports), national admins: upload a denominators CSV (smartphones
 * by area and carrier) or an installs CSV (from another system) to `POST /admin/v1/stats/…`. Each
 * file is all or nothing; the server's summary is shown, or its line-numbered errors, one per line.
 */
import { type FormEvent, useId, useMemo, useState } from 'react';
import { ApiError } from '../api';
import { ErrorMessage, Notice } from '../components';
import { useTexts } from '../i18n';
import { type ImportSummary, importCsv } from '../stats-api';
import { statsFormat } from '../stats-format';

type Kind = 'denominators' | 'installs';

const COLUMNS: Readonly<Record<Kind, string>> = {
  denominators: 'effective_date,province_code,district_code,carrier,smartphones',
  installs:
    'install_id,created_at,platform,province_code,district_code,phone_verified_at,carrier,last_active_at',
};

export function ImportsPage() {
  const { t } = useTexts();
  return (
    <>
      <h1>{t('imports.title')}</h1>
      <p className="hint">{t('imports.intro')}</p>
      <ImportForm kind="denominators" />
      <ImportForm kind="installs" />
    </>
  );
}

function ImportForm({ kind }: { readonly kind: Kind }) {
  const { t, lang } = useTexts();
  const fmt = useMemo(() => statsFormat(lang), [lang]);
  const id = useId();
  const [file, setFile] = useState<File | undefined>();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ name: string; summary: ImportSummary } | undefined>();
  const [error, setError] = useState<unknown>();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!file) return;
    setBusy(true);
    setError(undefined);
    setResult(undefined);
    try {
      const summary = await importCsv(kind, await file.text());
      setResult({ name: file.name, summary });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  // An import_invalid message: "N invalid lines, nothing imported: line 3: …; line 5: …; … (K more)".
  const rejected =
    error instanceof ApiError && error.code === 'import_invalid'
      ? {
          total: Number(/^(\d+) invalid line/.exec(error.message)?.[1] ?? 0),
          lines: [...error.message.matchAll(/line \d+: .*?(?=; line \d+:|; … \(|$)/g)].map((m) => m[0]),
        }
      : undefined;
  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t(`imports.${kind}.title`)}</h2>
      <p className="hint">{t(`imports.${kind}.hint`)}</p>
      <p>
        {t('imports.columns')} <code className="mono">{COLUMNS[kind]}</code>
      </p>
      <form className="inline-form" onSubmit={submit}>
        <div className="field">
          <label htmlFor={`${id}-file`}>{t('imports.file')}</label>
          <input
            id={`${id}-file`}
            type="file"
            accept=".csv,text/csv"
            required
            onChange={(e) => {
              setFile(e.target.files?.[0]);
              setResult(undefined);
              setError(undefined);
            }}
          />
        </div>
        <button type="submit" disabled={busy || !file}>
          {busy ? t('imports.uploading') : t('imports.upload')}
        </button>
      </form>
      {result ? (
        <Notice>
          {t('imports.done', {
            file: result.name,
            rows: fmt.count(result.summary.rows),
            id: result.summary.importId,
          })}
          {result.summary.phoneRegistered !== undefined
            ? ` ${t('imports.installsDone', {
                phone: fmt.count(result.summary.phoneRegistered),
                active: fmt.count(result.summary.withActivity ?? 0),
              })}`
            : ''}
        </Notice>
      ) : null}
      {rejected && rejected.lines.length > 0 ? (
        <div className="message error import-errors" role="alert">
          <p>
            <strong>{t('common.error')}:</strong>{' '}
            {t('imports.rejected', { count: fmt.count(Math.max(rejected.total, rejected.lines.length)) })}{' '}
            <span className="error-code">(import_invalid)</span>
          </p>
          <ol data-testid={`${kind}-errors`}>
            {rejected.lines.map((l) => (
              <li key={l}>{l}</li>
            ))}
          </ol>
          {rejected.total > rejected.lines.length ? (
            <p>{t('imports.moreLines', { count: fmt.count(rejected.total - rejected.lines.length) })}</p>
          ) : null}
        </div>
      ) : (
        <ErrorMessage error={error} />
      )}
    </section>
  );
}
