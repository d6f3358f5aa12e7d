/**
 * Báo cáo (Reports): the register of issued reports (number, kind, date, author, the DOCX/PDF/XLSX
 * as issued) and the forms that issue the province quick report ("Báo cáo nhanh") and the national
 * summary, with a preview first: the figures the report will print (from the statistics API, as
 * of the same hour) and the document rendered by the server without a number.
 */
import { type FormEvent, type ReactNode, useEffect, useMemo, useState } from 'react';
import { listUsers } from '../api';
import {
  ErrorMessage,
  Field,
  Loading,
  Notice,
  todayInVietnam,
  useLoad,
  useProvinceName,
} from '../components';
import { useTexts } from '../i18n';
import { can, unitsOf, useSession } from '../session';
import {
  asOfParam,
  type IssuedReport,
  issueReport,
  listReports,
  nationalStats,
  previewReport,
  progressStats,
  type ReportContent,
  type ReportKind,
  type ReportRequest,
  vietnamDateHour,
} from '../stats-api';
import { statsFormat } from '../stats-format';
import { useAsOfText } from './DashboardParts';

const HOURS = Array.from({ length: 24 }, (_, i) => i + 1);

/** Lines of a textarea, trimmed, empty ones left out. */
const lines = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
/** A whole number typed in a field, or undefined when empty. */
const whole = (text: string) => (text.trim() === '' ? undefined : Number(text.replace(/[.\s,]/g, '')));

interface QuickForm {
  provinceCode: string;
  round: string;
  date: string;
  hour: number;
  reportDate: string;
  basis: string;
  directives: string;
  agencies: string;
  propaganda: string;
  telecom: string;
  grassroots: string;
  pressFrom: string;
  pressTo: string;
  articles: string;
  outlets: string;
  sms: string;
  zalo: string;
  audio: string;
  fanpages: { name: string; followers: string }[];
  lessons: string;
  proposals: string;
  recipients: string;
  authority: string;
  signerTitle: string;
  signerName: string;
  exampleProvince: string;
  directions: string;
}

function emptyForm(provinceCode: string, asOf: string): QuickForm {
  const { date, hour } = vietnamDateHour(asOf);
  return {
    provinceCode,
    round: '1',
    date,
    hour,
    reportDate: todayInVietnam(),
    basis: '',
    directives: '',
    agencies: '',
    propaganda: '',
    telecom: '',
    grassroots: '',
    pressFrom: '',
    pressTo: '',
    articles: '',
    outlets: '',
    sms: '',
    zalo: '',
    audio: '',
    fanpages: [{ name: '', followers: '' }],
    lessons: '',
    proposals: '',
    recipients: '',
    authority: 'KT. GIÁM ĐỐC',
    signerTitle: 'PHÓ GIÁM ĐỐC',
    signerName: '',
    exampleProvince: '',
    directions: '',
  };
}

/** The API request of the form. */
function requestOf(kind: ReportKind, f: QuickForm): ReportRequest {
  const text = (v: string) => (v.trim() ? v.trim() : undefined);
  const clean = <O extends object>(o: O): O | undefined => {
    const kept = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
    return Object.keys(kept).length > 0 ? (kept as O) : undefined;
  };
  const signer = clean({
    authority: text(f.authority),
    title: text(f.signerTitle),
    name: text(f.signerName),
  });
  const recipients = lines(f.recipients);
  const asOf = asOfParam(f.date, f.hour);
  if (kind === 'national') {
    const directions = lines(f.directions);
    const content: ReportContent = {
      ...(directions.length ? { directions } : {}),
      ...(signer ? { signer } : {}),
      ...(recipients.length ? { recipients } : {}),
    };
    return {
      kind,
      params: {
        asOf,
        date: f.reportDate,
        ...(f.exampleProvince ? { exampleProvince: f.exampleProvince } : {}),
      },
      content,
    };
  }
  const lessons = lines(f.lessons);
  const proposals = lines(f.proposals);
  const narrative = clean({
    basis: text(f.basis),
    directives: text(f.directives),
    agencies: text(f.agencies),
    propaganda: text(f.propaganda),
    telecom: text(f.telecom),
    grassroots: text(f.grassroots),
    lessons: lessons.length ? lessons : undefined,
    proposals: proposals.length ? proposals : undefined,
  });
  const fanpages = f.fanpages
    .filter((p) => p.name.trim())
    .map((p) => ({ name: p.name.trim(), followers: whole(p.followers) ?? 0 }));
  const press =
    f.pressFrom && f.pressTo && f.articles.trim()
      ? { from: f.pressFrom, to: f.pressTo, articles: whole(f.articles) ?? 0, outlets: whole(f.outlets) ?? 0 }
      : undefined;
  const campaign = clean({
    press,
    smsMessages: whole(f.sms),
    zaloMessages: whole(f.zalo),
    audioFiles: whole(f.audio),
    fanpages: fanpages.length ? fanpages : undefined,
  });
  return {
    kind,
    params: { provinceCode: f.provinceCode, round: Number(f.round), asOf, date: f.reportDate },
    content: {
      ...(narrative ? { narrative } : {}),
      ...(campaign ? { campaign } : {}),
      ...(signer ? { signer } : {}),
      ...(recipients.length ? { recipients } : {}),
    },
  };
}

export function ReportsPage() {
  const texts = useTexts();
  const { t } = texts;
  const { user } = useSession();
  const provinceName = useProvinceName();
  const register = useLoad(async () => {
    const page = await listReports();
    setMore({ reports: [], cursor: page.nextCursor });
    return page.reports;
  }, []);
  // Older pages of the register ("Tải thêm"), after the first 50.
  const [more, setMore] = useState<{ reports: IssuedReport[]; cursor: string | null }>({
    reports: [],
    cursor: null,
  });
  const [moreError, setMoreError] = useState<unknown>();
  const loadMore = async () => {
    setMoreError(undefined);
    try {
      const page = await listReports({ cursor: more.cursor });
      setMore({ reports: [...more.reports, ...page.reports], cursor: page.nextCursor });
    } catch (e) {
      setMoreError(e);
    }
  };
  const reports = register.data ? [...register.data, ...more.reports] : undefined;
  const people = useLoad(
    async () =>
      can(user, 'users.manage')
        ? new Map((await listUsers()).users.map((u) => [`user:${u.id}`, u.username]))
        : new Map<string, string>(),
    [user],
  );
  const mayIssue = user.role === 'national_admin' || user.role === 'province_admin';
  const [issued, setIssued] = useState<IssuedReport | undefined>();

  return (
    <>
      <h1>{t('reports.title')}</h1>
      {mayIssue ? (
        <IssueForm
          onIssued={(report) => {
            setIssued(report);
            register.reload();
          }}
        />
      ) : (
        <p className="hint">{t('reports.readOnly')}</p>
      )}
      {issued ? (
        <Notice>
          {t('reports.issued', { number: issued.number })} <FileLinks report={issued} />
        </Notice>
      ) : null}
      <section className="panel" aria-labelledby="register-title">
        <h2 id="register-title">{t('reports.register')}</h2>
        <ErrorMessage error={register.error} />
        {register.loading && !register.data ? <Loading /> : null}
        {reports && reports.length === 0 ? <p>{t('reports.none')}</p> : null}
        {reports && reports.length > 0 ? (
          <div className="table-wrap">
            <table data-testid="report-register">
              <thead>
                <tr>
                  <th scope="col">{t('reports.number')}</th>
                  <th scope="col">{t('reports.kind')}</th>
                  <th scope="col">{t('common.province')}</th>
                  <th scope="col">{t('reports.date')}</th>
                  <th scope="col">{t('reports.asOf')}</th>
                  <th scope="col">{t('reports.author')}</th>
                  <th scope="col">{t('reports.files')}</th>
                </tr>
              </thead>
              <tbody>
                {reports.map((r) => (
                  <tr key={r.id}>
                    <th scope="row" className="nowrap">
                      {r.number}
                    </th>
                    <td>
                      {t(`reports.kind.${r.kind}`)}
                      {r.params.round ? ` · ${t('reports.roundN', { round: r.params.round })}` : ''}
                    </td>
                    <td>{r.provinceCode ? provinceName(r.provinceCode) : t('common.wholeCountry')}</td>
                    <td className="nowrap">{texts.day(r.date)}</td>
                    <td>
                      <AsOfCell iso={r.asOf} />
                    </td>
                    <td>
                      {people.data?.get(r.author) ?? (r as { authorName?: string }).authorName ?? (
                        <span className="mono">{r.author}</span>
                      )}
                    </td>
                    <td>
                      <FileLinks report={r} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        <ErrorMessage error={moreError} />
        {more.cursor ? (
          <button type="button" className="secondary" onClick={loadMore}>
            {t('common.more')}
          </button>
        ) : null}
      </section>
    </>
  );
}

function AsOfCell({ iso }: { readonly iso: string }) {
  const asOfText = useAsOfText();
  return <>{asOfText(iso)}</>;
}

function FileLinks({ report }: { readonly report: IssuedReport }) {
  const { t } = useTexts();
  return (
    <span className="file-links">
      {report.files.map((f) => (
        <a
          key={f.format}
          href={f.url}
          download
          aria-label={t('reports.download', { format: f.format.toUpperCase(), number: report.number })}
        >
          {f.format.toUpperCase()}
        </a>
      ))}
    </span>
  );
}

function IssueForm({ onIssued }: { readonly onIssued: (report: IssuedReport) => void }) {
  const texts = useTexts();
  const { t, lang } = texts;
  const session = useSession();
  const { user } = session;
  const units = unitsOf(session);
  const fmt = useMemo(() => statsFormat(lang), [lang]);
  const asOfText = useAsOfText();
  const national = user.provinceCode === null;
  const [kind, setKind] = useState<ReportKind>('quick');
  // The latest figures' hour is the default as-of (the API's last whole hour).
  const latest = useLoad(async () => (await nationalStats(undefined)).asOf, []);
  const [form, setForm] = useState<QuickForm | undefined>();
  useEffect(() => {
    if (latest.data && !form) setForm(emptyForm(user.provinceCode ?? '', latest.data));
  }, [latest.data, form, user.provinceCode]);
  const [preview, setPreview] = useState<
    { request: ReportRequest; figures: ReactNode; pdf: string; docx: string } | undefined
  >();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  useEffect(
    () => () => {
      if (preview) {
        URL.revokeObjectURL(preview.pdf);
        URL.revokeObjectURL(preview.docx);
      }
    },
    [preview],
  );

  if (latest.error) return <ErrorMessage error={latest.error} />;
  if (!form) return <Loading />;
  const set = <K extends keyof QuickForm>(key: K, value: QuickForm[K]) => {
    setForm({ ...form, [key]: value });
    setPreview(undefined);
  };
  const provinces = [...(units?.provinces ?? [])]
    .filter((p) => national || p.code === user.provinceCode)
    .sort((a, b) => a.name.localeCompare(b.name, 'vi'));

  const doPreview = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setPreview(undefined);
    try {
      const request = requestOf(kind, form);
      const asOf = request.params.asOf;
      const [stats, progress, pdf, docx] = await Promise.all([
        nationalStats(asOf),
        progressStats(asOf),
        previewReport(request, 'pdf'),
        previewReport(request, 'docx'),
      ]);
      const row = kind === 'quick' ? stats.provinces.find((p) => p.code === form.provinceCode) : undefined;
      const gap =
        kind === 'quick' ? progress.provinces.find((p) => p.code === form.provinceCode) : progress.total;
      const figures = (
        <dl className="facts" data-testid="preview-figures">
          <div>
            <dt>{t('reports.asOf')}</dt>
            <dd>{asOfText(stats.asOf)}</dd>
          </div>
          <div>
            <dt>{t('stats.installs')}</dt>
            <dd>{fmt.count(row ? row.installs : stats.total.installs)}</dd>
          </div>
          <div>
            <dt>{t('stats.phoneRegistered')}</dt>
            <dd>{fmt.count(row ? row.phoneRegistered : stats.total.phoneRegistered)}</dd>
          </div>
          <div>
            <dt>{t('stats.rate')}</dt>
            <dd>{fmt.percent(row ? row.rate : stats.total.rate)}</dd>
          </div>
          {row ? (
            <div>
              <dt>{t('stats.rank')}</dt>
              <dd>{row.rank === null ? '—' : `${row.rank}/${stats.provinces.length}`}</dd>
            </div>
          ) : null}
          {gap?.phoneRegisteredNeeded ? (
            <div>
              <dt>{t('stats.needed', { target: fmt.percent(progress.target, 0) })}</dt>
              <dd>{fmt.count(gap.phoneRegisteredNeeded)}</dd>
            </div>
          ) : null}
        </dl>
      );
      setPreview({ request, figures, pdf: URL.createObjectURL(pdf), docx: URL.createObjectURL(docx) });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const doIssue = async () => {
    if (!preview) return;
    setBusy(true);
    setError(undefined);
    try {
      const report = await issueReport(preview.request);
      setPreview(undefined);
      setForm(emptyForm(user.provinceCode ?? '', latest.data ?? report.asOf));
      onIssued(report);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const area = (key: keyof QuickForm, label: string, hint?: string, rows = 3) => (
    <Field label={label} hint={hint}>
      {(id, describedBy) => (
        <textarea
          id={id}
          rows={rows}
          aria-describedby={describedBy}
          value={form[key] as string}
          onChange={(e) => set(key, e.target.value as never)}
        />
      )}
    </Field>
  );
  const count = (key: keyof QuickForm, label: string) => (
    <Field label={label}>
      {(id) => (
        <input
          id={id}
          inputMode="numeric"
          pattern="[0-9.\s]*"
          value={form[key] as string}
          onChange={(e) => set(key, e.target.value as never)}
        />
      )}
    </Field>
  );

  return (
    <section className="panel" aria-labelledby="issue-title">
      <h2 id="issue-title">{t('reports.issueTitle')}</h2>
      <form className="issue-form" onSubmit={doPreview}>
        <div className="grid-form">
          <Field label={t('reports.kind')}>
            {(id) => (
              <select
                id={id}
                value={kind}
                onChange={(e) => {
                  setKind(e.target.value as ReportKind);
                  setPreview(undefined);
                }}
              >
                <option value="quick">{t('reports.kind.quick')}</option>
                {national ? <option value="national">{t('reports.kind.national')}</option> : null}
              </select>
            )}
          </Field>
          {kind === 'quick' ? (
            <>
              <Field label={t('common.province')}>
                {(id) => (
                  <select
                    id={id}
                    required
                    value={form.provinceCode}
                    disabled={!national}
                    onChange={(e) => set('provinceCode', e.target.value)}
                  >
                    {national ? <option value="" /> : null}
                    {provinces.map((p) => (
                      <option key={p.code} value={p.code}>
                        {lang === 'en' && p.nameEn ? p.nameEn : p.name}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Field label={t('reports.round')}>
                {(id) => (
                  <input
                    id={id}
                    type="number"
                    min={1}
                    max={999}
                    required
                    value={form.round}
                    onChange={(e) => set('round', e.target.value)}
                  />
                )}
              </Field>
            </>
          ) : (
            <Field label={t('reports.exampleProvince')}>
              {(id) => (
                <select
                  id={id}
                  value={form.exampleProvince}
                  onChange={(e) => set('exampleProvince', e.target.value)}
                >
                  <option value="" />
                  {provinces.map((p) => (
                    <option key={p.code} value={p.code}>
                      {lang === 'en' && p.nameEn ? p.nameEn : p.name}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          )}
          <Field label={t('stats.asOfDate')}>
            {(id) => (
              <input
                id={id}
                type="date"
                required
                value={form.date}
                onChange={(e) => set('date', e.target.value)}
              />
            )}
          </Field>
          <Field label={t('stats.asOfHour')}>
            {(id) => (
              <select id={id} value={form.hour} onChange={(e) => set('hour', Number(e.target.value))}>
                {HOURS.map((h) => (
                  <option key={h} value={h}>
                    {t('stats.hourOption', { hour: String(h).padStart(2, '0') })}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t('reports.date')}>
            {(id) => (
              <input
                id={id}
                type="date"
                required
                value={form.reportDate}
                onChange={(e) => set('reportDate', e.target.value)}
              />
            )}
          </Field>
        </div>
        <p className="hint">{t('reports.placeholderHint')}</p>
        {kind === 'quick' ? (
          <>
            <fieldset>
              <legend>{t('reports.narrative')}</legend>
              <div className="two">
                {area('basis', t('reports.basis'), t('reports.basisHint'), 2)}
                {area('directives', t('reports.directives'))}
                {area('agencies', t('reports.agencies'))}
                {area('propaganda', t('reports.propaganda'))}
                {area('telecom', t('reports.telecom'))}
                {area('grassroots', t('reports.grassroots'))}
              </div>
            </fieldset>
            <fieldset>
              <legend>{t('reports.campaign')}</legend>
              <div className="grid-form">
                <Field label={t('reports.pressFrom')}>
                  {(id) => (
                    <input
                      id={id}
                      type="date"
                      value={form.pressFrom}
                      onChange={(e) => set('pressFrom', e.target.value)}
                    />
                  )}
                </Field>
                <Field label={t('reports.pressTo')}>
                  {(id) => (
                    <input
                      id={id}
                      type="date"
                      value={form.pressTo}
                      onChange={(e) => set('pressTo', e.target.value)}
                    />
                  )}
                </Field>
                {count('articles', t('reports.articles'))}
                {count('outlets', t('reports.outlets'))}
                {count('sms', t('reports.sms'))}
                {count('zalo', t('reports.zalo'))}
                {count('audio', t('reports.audio'))}
              </div>
              <h3>{t('reports.fanpages')}</h3>
              {form.fanpages.map((page, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place, never reordered
                <div className="two fanpage" key={i}>
                  <Field label={t('reports.fanpageName', { n: i + 1 })}>
                    {(id) => (
                      <input
                        id={id}
                        value={page.name}
                        onChange={(e) =>
                          set(
                            'fanpages',
                            form.fanpages.map((p, j) => (j === i ? { ...p, name: e.target.value } : p)),
                          )
                        }
                      />
                    )}
                  </Field>
                  <Field label={t('reports.fanpageFollowers', { n: i + 1 })}>
                    {(id) => (
                      <input
                        id={id}
                        inputMode="numeric"
                        pattern="[0-9.\s]*"
                        value={page.followers}
                        onChange={(e) =>
                          set(
                            'fanpages',
                            form.fanpages.map((p, j) => (j === i ? { ...p, followers: e.target.value } : p)),
                          )
                        }
                      />
                    )}
                  </Field>
                </div>
              ))}
              <button
                type="button"
                className="secondary small"
                onClick={() => set('fanpages', [...form.fanpages, { name: '', followers: '' }])}
              >
                {t('reports.addFanpage')}
              </button>
            </fieldset>
            <fieldset>
              <legend>{t('reports.lessonsProposals')}</legend>
              <div className="two">
                {area('lessons', t('reports.lessons'), t('reports.onePerLine'))}
                {area('proposals', t('reports.proposals'), t('reports.onePerLine'))}
              </div>
            </fieldset>
          </>
        ) : (
          <fieldset>
            <legend>{t('reports.narrative')}</legend>
            {area('directions', t('reports.directions'), t('reports.onePerLine'), 4)}
          </fieldset>
        )}
        <fieldset>
          <legend>{t('reports.closing')}</legend>
          <div className="grid-form">
            <Field label={t('reports.authority')}>
              {(id) => (
                <input id={id} value={form.authority} onChange={(e) => set('authority', e.target.value)} />
              )}
            </Field>
            <Field label={t('reports.signerTitle')}>
              {(id) => (
                <input
                  id={id}
                  value={form.signerTitle}
                  onChange={(e) => set('signerTitle', e.target.value)}
                />
              )}
            </Field>
            <Field label={t('reports.signerName')}>
              {(id) => (
                <input id={id} value={form.signerName} onChange={(e) => set('signerName', e.target.value)} />
              )}
            </Field>
          </div>
          {area('recipients', t('reports.recipients'), t('reports.recipientsHint'), 4)}
        </fieldset>
        <ErrorMessage error={error} />
        <div className="form-actions">
          <button type="submit" disabled={busy}>
            {t('reports.preview')}
          </button>
        </div>
      </form>
      {preview ? (
        <section className="preview" aria-labelledby="preview-title">
          <h3 id="preview-title">{t('reports.previewTitle')}</h3>
          {preview.figures}
          <p className="actions">
            <a className="button secondary" href={preview.pdf} target="_blank" rel="noreferrer">
              {t('reports.previewPdf')}
            </a>
            <a className="button secondary" href={preview.docx} download={t('reports.previewFile')}>
              {t('reports.previewDocx')}
            </a>
            <button type="button" onClick={doIssue} disabled={busy}>
              {t('reports.issue')}
            </button>
          </p>
          <p className="hint">{t('reports.issueHint')}</p>
        </section>
      ) : null}
    </section>
  );
}
