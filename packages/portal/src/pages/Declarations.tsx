import { type FormEvent, useState } from 'react';
import { DECLARATION_STATUSES, type DeclarationListItem, listDeclarations } from '../api';
import { ErrorMessage, Field, ListStatus, useDistrictName, useLoad, useProvinceName } from '../components';
import { type TextKey, type Texts, useTexts } from '../i18n';
import { Link, navigate, useLocation } from '../router';
import { can, useSession } from '../session';

const FILTER_NAMES = ['kind', 'status', 'monitoring'] as const;
type FilterName = (typeof FILTER_NAMES)[number];
type Filters = Partial<Record<FilterName, string>>;

function filtersOf(search: string): Filters {
  const params = new URLSearchParams(search);
  const filters: Filters = {};
  for (const name of FILTER_NAMES) {
    const value = params.get(name);
    if (value) filters[name] = value;
  }
  return filters;
}

function searchOf(filters: Filters): string {
  const params = new URLSearchParams();
  for (const name of FILTER_NAMES) if (filters[name]) params.set(name, filters[name]);
  const qs = params.toString();
  return qs ? `?${qs}` : '';
}

/** A declaration status as a badge (words, with a colour). */
export function DeclarationStatusBadge({ status }: { readonly status: string }) {
  const { t } = useTexts();
  return <span className={`badge decl-${status}`}>{t(`decl.status.${status}` as TextKey)}</span>;
}

/** "Ứng dụng Bluezone" or "Ứng dụng đối tác ptn_…". */
export function sourceText(texts: Texts, source: string): string {
  if (source === 'device') return texts.t('decl.source.device');
  if (source.startsWith('partner:'))
    return texts.t('decl.source.partner', { id: source.slice('partner:'.length) });
  return source;
}

/**
 * Khai báo y tế: the declarations of the caller's area, newest first, without personal fields;
 * filters (kind, status, under monitoring now) kept in the URL. Opening one reads its personal
 * fields, which the server audits.
 */
export function DeclarationsPage() {
  const texts = useTexts();
  const { t } = texts;
  const { user } = useSession();
  const provinceName = useProvinceName();
  const districtName = useDistrictName();
  const where = useLocation();
  const applied = filtersOf(where.search);
  const [draft, setDraft] = useState<Filters>(applied);
  const [more, setMore] = useState<DeclarationListItem[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [moreError, setMoreError] = useState<unknown>();
  const mayOpen = can(user, 'declarations.reveal');
  const query = { ...applied, limit: 100 };
  const list = useLoad(async () => {
    const page = await listDeclarations(query);
    setMore([]);
    setMoreError(undefined);
    setCursor(page.nextCursor);
    return page.declarations;
  }, [where.search]);

  const apply = (event: FormEvent) => {
    event.preventDefault();
    navigate(`/declarations${searchOf(draft)}`);
  };
  const reset = () => {
    setDraft({});
    navigate('/declarations');
  };
  const loadMore = async () => {
    if (!cursor) return;
    try {
      const page = await listDeclarations({ ...query, cursor });
      setMore((m) => [...m, ...page.declarations]);
      setCursor(page.nextCursor);
    } catch (e) {
      setMoreError(e);
    }
  };
  const set = (name: FilterName, value: string) => setDraft((d) => ({ ...d, [name]: value }));
  const rows = [...(list.data ?? []), ...more];

  return (
    <>
      <h1>{t('decl.title')}</h1>
      <p className="hint">{mayOpen ? t('decl.intro') : t('decl.noReveal')}</p>
      <section className="panel" aria-labelledby="decl-filters">
        <h2 id="decl-filters" className="visually-hidden">
          {t('decl.filters')}
        </h2>
        <form className="filters" onSubmit={apply}>
          <Field label={t('decl.kind')}>
            {(id) => (
              <select id={id} value={draft.kind ?? ''} onChange={(e) => set('kind', e.target.value)}>
                <option value="">{t('common.all')}</option>
                <option value="domestic">{t('decl.kind.domestic')}</option>
                <option value="entry">{t('decl.kind.entry')}</option>
              </select>
            )}
          </Field>
          <Field label={t('decl.status')}>
            {(id) => (
              <select id={id} value={draft.status ?? ''} onChange={(e) => set('status', e.target.value)}>
                <option value="">{t('common.all')}</option>
                {DECLARATION_STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {t(`decl.status.${s}`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <div className="field checkbox">
            <label>
              <input
                type="checkbox"
                checked={draft.monitoring === 'true'}
                onChange={(e) => set('monitoring', e.target.checked ? 'true' : '')}
              />{' '}
              {t('decl.monitoringNow')}
            </label>
          </div>
          <div className="form-actions">
            <button type="submit">{t('common.apply')}</button>
            <button type="button" className="secondary" onClick={reset}>
              {t('common.reset')}
            </button>
          </div>
        </form>
      </section>
      <section className="panel" aria-label={t('decl.title')}>
        <ListStatus list={list} count={rows.length} empty={t('decl.none')} />
        {rows.length > 0 ? (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('decl.declaration')}</th>
                  <th scope="col">{t('decl.kind')}</th>
                  <th scope="col">{t('decl.status')}</th>
                  <th scope="col">{t('common.province')}</th>
                  <th scope="col">{t('decl.validUntil')}</th>
                  <th scope="col">{t('decl.monitoringUntil')}</th>
                  <th scope="col">{t('decl.reports')}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((d) => (
                  <tr key={d.declarationId}>
                    <td>
                      {mayOpen ? (
                        <Link
                          href={`/declarations/${encodeURIComponent(d.declarationId)}`}
                          className="mono nowrap"
                        >
                          {d.declarationId}
                        </Link>
                      ) : (
                        <span className="mono nowrap">{d.declarationId}</span>
                      )}
                      <small className="block">
                        {t('decl.declaredOnShort', { day: texts.day(d.declaredOn) })}
                      </small>
                    </td>
                    <td>
                      {t(`decl.kindShort.${d.kind}` as TextKey)}
                      <small className="block">{sourceText(texts, d.source)}</small>
                    </td>
                    <td>
                      <DeclarationStatusBadge status={d.status} />
                    </td>
                    <td>
                      {provinceName(d.provinceCode)}
                      {d.districtCode ? (
                        <small className="block">{districtName(d.districtCode)}</small>
                      ) : null}
                    </td>
                    <td className="nowrap">{texts.dateTime(d.validUntil)}</td>
                    <td className="nowrap">
                      {d.monitoringUntil ? texts.dateTime(d.monitoringUntil) : t('common.none')}
                    </td>
                    <td>
                      {texts.number(d.dailyReports)}
                      {d.lastReportOn ? (
                        <small className="block">
                          {t('decl.lastReport', { day: texts.day(d.lastReportOn) })}
                        </small>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        <ErrorMessage error={moreError} />
        {cursor ? (
          <button type="button" className="secondary" onClick={loadMore}>
            {t('common.more')}
          </button>
        ) : null}
      </section>
    </>
  );
}
