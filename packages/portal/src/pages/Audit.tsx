import { type FormEvent, useState } from 'react';
import { type AuditEntry, type AuditFilters, auditCsvUrl, listAudit, listUsers } from '../api';
import { ErrorMessage, Field, ListStatus, useLoad } from '../components';
import { useTexts } from '../i18n';
import { Link } from '../router';
import { can, useSession } from '../session';

/** A date field (YYYY-MM-DD, Vietnam time) as the ISO time the API filters on. */
function vietnamMidnight(day: string): string | undefined {
  return day ? `${day}T00:00:00+07:00` : undefined;
}

/** The details of an entry as `name: value` pairs (nested values as JSON). */
function detailsText(details: unknown): string | undefined {
  if (details === null || details === undefined) return undefined;
  if (typeof details !== 'object' || Array.isArray(details)) return JSON.stringify(details);
  return Object.entries(details as Record<string, unknown>)
    .map(([name, value]) => `${name}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' · ');
}

function subjectHref(subject: string | null): string | undefined {
  if (!subject) return undefined;
  const [kind, id] = subject.split(':');
  if (!id) return undefined;
  if (kind === 'case') return `/cases/${encodeURIComponent(id)}`;
  if (kind === 'contact') return `/contacts/${encodeURIComponent(id)}`;
  return undefined;
}

/** Nhật ký truy cập: the audit log, filterable, exportable as CSV, read-only. */
export function AuditPage() {
  const texts = useTexts();
  const { t } = texts;
  const { user } = useSession();
  // Usernames for the actors `user:<id>` (admins may list the users of their scope).
  const people = useLoad(
    async () =>
      can(user, 'users.manage')
        ? new Map((await listUsers()).users.map((u) => [`user:${u.id}`, u.username]))
        : undefined,
    [],
  );
  const [draft, setDraft] = useState({ actor: '', action: '', subject: '', from: '', to: '' });
  const [applied, setApplied] = useState(draft);
  const [more, setMore] = useState<AuditEntry[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [moreError, setMoreError] = useState<unknown>();
  const filters: AuditFilters = {
    actor: applied.actor.trim() || undefined,
    action: applied.action.trim() || undefined,
    subject: applied.subject.trim() || undefined,
    from: vietnamMidnight(applied.from),
    to: vietnamMidnight(applied.to),
  };
  const list = useLoad(async () => {
    const page = await listAudit({ ...filters, limit: 100 });
    setMore([]);
    setCursor(page.nextCursor);
    return page.entries;
  }, [applied]);

  const apply = (event: FormEvent) => {
    event.preventDefault();
    setApplied({ ...draft });
  };
  const loadMore = async () => {
    if (!cursor) return;
    try {
      const page = await listAudit({ ...filters, limit: 100, cursor });
      setMore((m) => [...m, ...page.entries]);
      setCursor(page.nextCursor);
    } catch (e) {
      setMoreError(e);
    }
  };
  const entries = [...(list.data ?? []), ...more];
  const field = (name: keyof typeof draft, label: string, type = 'text') => (
    <Field label={label}>
      {(id) => (
        <input
          id={id}
          type={type}
          value={draft[name]}
          onChange={(e) => setDraft((d) => ({ ...d, [name]: e.target.value }))}
        />
      )}
    </Field>
  );

  return (
    <>
      <h1>{t('audit.title')}</h1>
      <p className="hint">{t('audit.readOnly')}</p>
      <section className="panel">
        <form className="filters" onSubmit={apply}>
          {field('action', t('audit.action'))}
          {field('actor', t('audit.actor'))}
          {field('subject', t('audit.subject'))}
          {field('from', t('audit.from'), 'date')}
          {field('to', t('audit.to'), 'date')}
          <div className="form-actions">
            <button type="submit">{t('common.apply')}</button>
            <a className="button secondary" href={auditCsvUrl(filters)} download>
              {t('audit.csv')}
            </a>
          </div>
        </form>
      </section>
      <section className="panel" aria-label={t('audit.title')}>
        <ListStatus list={list} count={entries.length} empty={t('audit.none')} />
        {entries.length > 0 ? (
          <div className="table-wrap">
            <table className="audit">
              <thead>
                <tr>
                  <th scope="col">{t('audit.at')}</th>
                  <th scope="col">{t('audit.actor')}</th>
                  <th scope="col">{t('audit.action')}</th>
                  <th scope="col">{t('audit.subject')}</th>
                  <th scope="col">{t('audit.details')}</th>
                </tr>
              </thead>
              <tbody>
                {entries.map((e) => {
                  const href = subjectHref(e.subject);
                  return (
                    <tr key={e.id}>
                      <td className="nowrap">{texts.dateTime(e.at)}</td>
                      <td>
                        {people.data?.get(e.actor) ? (
                          <>
                            {people.data.get(e.actor)}
                            <small className="block mono hint">{e.actor}</small>
                          </>
                        ) : (
                          <span className="mono">{e.actor}</span>
                        )}
                      </td>
                      <td className="mono">{e.action}</td>
                      <td className="mono">
                        {href ? <Link href={href}>{e.subject}</Link> : (e.subject ?? t('common.none'))}
                      </td>
                      <td className="mono details">{detailsText(e.details) ?? t('common.none')}</td>
                    </tr>
                  );
                })}
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
