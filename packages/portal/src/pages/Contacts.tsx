import { type FormEvent, useState } from 'react';
import { CONTACT_STATUSES, type Contact, type ContactFilters, listContacts } from '../api';
import {
  ErrorMessage,
  Field,
  ListStatus,
  RiskBadge,
  StatusBadge,
  UnitPickers,
  useDistrictName,
  useLoad,
  useProvinceName,
} from '../components';
import { useTexts } from '../i18n';
import { Link, navigate, useLocation } from '../router';
import { useSession } from '../session';

const FILTER_NAMES = [
  'provinceCode',
  'districtCode',
  'level',
  'status',
  'exposureFrom',
  'exposureTo',
  'assignedTo',
  'caseId',
] as const;
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

/** Người tiếp xúc (F1/F2): the province-wide contact list with filters kept in the URL. */
export function ContactsPage() {
  const texts = useTexts();
  const { t } = texts;
  const { user } = useSession();
  const provinceName = useProvinceName();
  const districtName = useDistrictName();
  const where = useLocation();
  const applied = filtersOf(where.search);
  const [draft, setDraft] = useState<Filters>(applied);
  const [more, setMore] = useState<Contact[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [moreError, setMoreError] = useState<unknown>();
  const query: ContactFilters = { ...applied, limit: 100 };
  const list = useLoad(async () => {
    const page = await listContacts(query);
    setMore([]);
    setCursor(page.nextCursor);
    return page.contacts;
  }, [where.search]);

  const apply = (event: FormEvent) => {
    event.preventDefault();
    navigate(`/contacts${searchOf(draft)}`);
  };
  const reset = () => {
    setDraft({});
    navigate('/contacts');
  };
  const loadMore = async () => {
    if (!cursor) return;
    try {
      const page = await listContacts({ ...query, cursor });
      setMore((m) => [...m, ...page.contacts]);
      setCursor(page.nextCursor);
    } catch (e) {
      setMoreError(e);
    }
  };
  const set = (name: FilterName, value: string) => setDraft((d) => ({ ...d, [name]: value }));
  const contacts = [...(list.data ?? []), ...more];

  return (
    <>
      <h1>{t('contacts.title')}</h1>
      <section className="panel" aria-labelledby="contact-filters">
        <h2 id="contact-filters" className="visually-hidden">
          {t('contacts.filters')}
        </h2>
        <form className="filters" onSubmit={apply}>
          <UnitPickers
            provinceCode={draft.provinceCode ?? user.provinceCode ?? ''}
            districtCode={draft.districtCode ?? ''}
            allowAllProvinces={user.provinceCode === null}
            onChange={(p, d) => setDraft((f) => ({ ...f, provinceCode: p, districtCode: d }))}
          />
          <Field label={t('contacts.level')}>
            {(id) => (
              <select id={id} value={draft.level ?? ''} onChange={(e) => set('level', e.target.value)}>
                <option value="">{t('common.all')}</option>
                <option value="F1">F1</option>
                <option value="F2">F2</option>
              </select>
            )}
          </Field>
          <Field label={t('contacts.status')}>
            {(id) => (
              <select id={id} value={draft.status ?? ''} onChange={(e) => set('status', e.target.value)}>
                <option value="">{t('common.all')}</option>
                {CONTACT_STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {t(`status.${s}`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t('contacts.exposureFrom')}>
            {(id) => (
              <input
                id={id}
                type="date"
                value={draft.exposureFrom ?? ''}
                onChange={(e) => set('exposureFrom', e.target.value)}
              />
            )}
          </Field>
          <Field label={t('contacts.exposureTo')}>
            {(id) => (
              <input
                id={id}
                type="date"
                value={draft.exposureTo ?? ''}
                onChange={(e) => set('exposureTo', e.target.value)}
              />
            )}
          </Field>
          <div className="field checkbox">
            <label>
              <input
                type="checkbox"
                checked={draft.assignedTo === 'me'}
                onChange={(e) => set('assignedTo', e.target.checked ? 'me' : '')}
              />{' '}
              {t('contacts.assignedToMe')}
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
      <section className="panel" aria-label={t('contacts.title')}>
        <ListStatus list={list} count={contacts.length} empty={t('contacts.none')} />
        {contacts.length > 0 ? (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('contacts.contact')}</th>
                  <th scope="col">{t('contacts.level')}</th>
                  <th scope="col">{t('contacts.status')}</th>
                  <th scope="col">{t('contacts.exposureDays')}</th>
                  <th scope="col">{t('contacts.risk')}</th>
                  <th scope="col">{t('common.province')}</th>
                  <th scope="col">{t('contacts.case')}</th>
                  <th scope="col">{t('contacts.reportedAt')}</th>
                </tr>
              </thead>
              <tbody>
                {contacts.map((c) => (
                  <tr key={c.id}>
                    <td>
                      <Link href={`/contacts/${encodeURIComponent(c.id)}`} className="mono">
                        {c.id}
                      </Link>
                    </td>
                    <td>
                      <span className={`badge level-${c.level}`}>{c.level}</span>
                    </td>
                    <td>{c.workflowStatus ? <StatusBadge status={c.workflowStatus} /> : t('common.none')}</td>
                    <td>
                      {c.exposureDays ? c.exposureDays.map((d) => texts.day(d)).join(', ') : t('common.none')}
                    </td>
                    <td>
                      <RiskBadge level={c.maxRiskLevel} />
                    </td>
                    <td>
                      {c.provinceCode ? provinceName(c.provinceCode) : t('common.none')}
                      {c.districtCode ? (
                        <small className="block">{districtName(c.districtCode)}</small>
                      ) : null}
                    </td>
                    <td>
                      <Link href={`/cases/${encodeURIComponent(c.caseId)}`} className="mono">
                        {c.caseId}
                      </Link>
                    </td>
                    <td>{texts.dateTime(c.reportedAt)}</td>
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
