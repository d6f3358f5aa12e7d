import { type FormEvent, useState } from 'react';
import {
  addNote,
  CONTACT_STATUSES,
  type ContactDetail,
  type ContactStatus,
  changeContact,
  contactToConfirmedCase,
  getContact,
  type IssuedCodes,
  listUsers,
  recursiveCase,
  revealContactPhone,
  STATUS_TRANSITIONS,
} from '../api';
import { CodesPanel, ErrorMessage, Field, Loading, RiskBadge, StatusBadge, useLoad } from '../components';
import { useTexts } from '../i18n';
import { Link } from '../router';
import { can, useSession } from '../session';

/** One contact: exposure, phone number on request (audited), workflow, assignment, notes, cases. */
export function ContactDetailPage({ id }: { readonly id: string }) {
  const texts = useTexts();
  const { t } = texts;
  const { user } = useSession();
  const found = useLoad(() => getContact(id), [id]);
  const [actionError, setActionError] = useState<unknown>();
  const [codes, setCodes] = useState<IssuedCodes | undefined>();
  const [phone, setPhone] = useState<string | null | undefined>();
  const [busy, setBusy] = useState(false);
  const c = found.data;

  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    setActionError(undefined);
    try {
      await action();
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy(false);
    }
  };

  const reveal = () =>
    run(async () => {
      if (c) setPhone(await revealContactPhone(c));
    });
  const move = (status: ContactStatus) =>
    run(async () => {
      found.setData(await changeContact(id, { status }));
    });
  const toCase = () =>
    run(async () => {
      setCodes(await contactToConfirmedCase(id));
      found.reload();
    });
  const recursive = () =>
    run(async () => {
      setCodes(await recursiveCase(id));
      found.reload();
    });

  const admin = user.role === 'national_admin' || user.role === 'province_admin';
  const mayWrite = can(user, 'cases.write');
  const purged = c?.purgedAt !== null && c?.purgedAt !== undefined;

  return (
    <>
      <p>
        <Link href="/contacts">{t('contact.back')}</Link>
      </p>
      <h1>{t('contact.title', { id })}</h1>
      <ErrorMessage error={found.error} />
      {found.loading && !c ? <Loading /> : null}
      {codes ? <CodesPanel codes={codes} onHide={() => setCodes(undefined)} /> : null}
      <ErrorMessage error={actionError} />
      {c ? (
        <>
          {purged ? <p className="message notice">{t('contact.purged')}</p> : null}
          <div className="columns">
            <section className="panel" aria-labelledby="contact-exposure">
              <h2 id="contact-exposure">{t('case.details')}</h2>
              <dl className="facts">
                <div>
                  <dt>{t('contact.level')}</dt>
                  <dd>
                    <span className={`badge level-${c.level}`}>{c.level}</span>
                  </dd>
                </div>
                <div>
                  <dt>{t('contacts.case')}</dt>
                  <dd>
                    <Link className="mono" href={`/cases/${encodeURIComponent(c.caseId)}`}>
                      {c.caseId}
                    </Link>
                  </dd>
                </div>
                <div>
                  <dt>{t('contacts.exposureDays')}</dt>
                  <dd>
                    {c.exposureDays && c.exposureDays.length > 0 ? (
                      <ul className="inline-list">
                        {c.exposureDays.map((d) => (
                          <li key={d}>{texts.day(d)}</li>
                        ))}
                      </ul>
                    ) : (
                      t('common.none')
                    )}
                  </dd>
                </div>
                <div>
                  <dt>{t('contacts.risk')}</dt>
                  <dd>
                    <RiskBadge level={c.maxRiskLevel} />
                  </dd>
                </div>
                <div>
                  <dt>{t('contact.reportCount')}</dt>
                  <dd>{texts.number(c.reportCount)}</dd>
                </div>
                <div>
                  <dt>{t('contact.matchedKeys')}</dt>
                  <dd>{texts.number(c.matchedKeys)}</dd>
                </div>
                <div>
                  <dt>{t('contacts.reportedAt')}</dt>
                  <dd>{texts.dateTime(c.reportedAt)}</dd>
                </div>
                {can(user, 'contacts.reveal') ? (
                  <div>
                    <dt>{t('contact.phone')}</dt>
                    <dd>
                      {phone === undefined ? (
                        <>
                          <button
                            type="button"
                            className="secondary"
                            onClick={reveal}
                            disabled={busy || purged}
                          >
                            {t('contact.reveal')}
                          </button>
                          <small className="hint block">{t('contact.revealNote')}</small>
                        </>
                      ) : (
                        <span className="mono phone" data-testid="phone-number">
                          {phone ?? t('contact.noPhone')}
                        </span>
                      )}
                    </dd>
                  </div>
                ) : null}
              </dl>
              {c.recursiveCaseId ? (
                <p>
                  <Link href={`/cases/${encodeURIComponent(c.recursiveCaseId)}`}>
                    {t('contact.recursiveCase', { id: c.recursiveCaseId })}
                  </Link>
                </p>
              ) : null}
              {c.confirmedCaseId ? (
                <p>
                  <Link href={`/cases/${encodeURIComponent(c.confirmedCaseId)}`}>
                    {t('contact.confirmedCase', { id: c.confirmedCaseId })}
                  </Link>
                </p>
              ) : null}
              {can(user, 'codes.issue') && c.level === 'F1' && !c.recursiveCaseId && !purged ? (
                <div className="actions">
                  <button type="button" className="secondary" onClick={recursive} disabled={busy}>
                    {t('contact.recursive')}
                  </button>
                  <small className="hint">{t('contact.recursiveHint')}</small>
                </div>
              ) : null}
            </section>
            <section className="panel" aria-labelledby="contact-workflow">
              <h2 id="contact-workflow">{t('contact.workflow')}</h2>
              <p className="workflow-now">
                <StatusBadge status={c.workflowStatus} />{' '}
                {c.workflowUpdatedAt ? (
                  <small className="hint">
                    {t('contact.updated', { time: texts.dateTime(c.workflowUpdatedAt) })}
                  </small>
                ) : null}
              </p>
              <ol className="steps">
                {(['new', 'contacted', 'quarantined'] as const).map((s) => (
                  <li key={s} className={c.workflowStatus === s ? 'current' : ''}>
                    {t(`status.${s}`)}
                  </li>
                ))}
                <li
                  className={
                    c.workflowStatus === 'tested_negative' || c.workflowStatus === 'tested_positive'
                      ? 'current'
                      : ''
                  }
                >
                  {t('status.tested_negative')} / {t('status.tested_positive')}
                </li>
                <li className={c.workflowStatus === 'closed' ? 'current' : ''}>{t('status.closed')}</li>
              </ol>
              {mayWrite ? (
                <div className="actions">
                  {(c.workflowStatus !== 'closed' || admin ? STATUS_TRANSITIONS[c.workflowStatus] : []).map(
                    (to) => (
                      <button
                        key={to}
                        type="button"
                        className={to === 'tested_positive' ? 'danger' : 'secondary'}
                        onClick={() => move(to)}
                        disabled={busy}
                      >
                        {c.workflowStatus === 'closed'
                          ? t('contact.reopen')
                          : CONTACT_STATUSES.indexOf(to) < CONTACT_STATUSES.indexOf(c.workflowStatus)
                            ? t('contact.backTo', { status: t(`status.${to}`) })
                            : t('contact.moveTo', { status: t(`status.${to}`) })}
                      </button>
                    ),
                  )}
                </div>
              ) : null}
              {mayWrite && c.workflowStatus === 'tested_positive' && !c.confirmedCaseId ? (
                <p>
                  <button type="button" onClick={toCase} disabled={busy}>
                    {t('contact.toCase')}
                  </button>
                </p>
              ) : null}
              <Assignment contact={c} onChange={found.setData} />
            </section>
          </div>
          <Notes contact={c} onAdded={found.reload} />
        </>
      ) : null}
    </>
  );
}

function Assignment({
  contact,
  onChange,
}: {
  readonly contact: ContactDetail;
  readonly onChange: (contact: ContactDetail) => void;
}) {
  const { t } = useTexts();
  const { user } = useSession();
  const mayManage = can(user, 'users.manage');
  const officers = useLoad(
    async () =>
      mayManage
        ? (await listUsers()).users.filter(
            (u) => !u.disabled && (u.role === 'health_officer' || u.role === 'province_admin'),
          )
        : [],
    [mayManage],
  );
  const [choice, setChoice] = useState<string | undefined>();
  const [error, setError] = useState<unknown>();
  if (!can(user, 'cases.write')) return null;
  const assign = async (assignedTo: string | null) => {
    setError(undefined);
    try {
      onChange(await changeContact(contact.id, { assignedTo }));
      setChoice(undefined);
    } catch (e) {
      setError(e);
    }
  };
  const nameOf = (id: string | null) => {
    if (id === null) return t('contact.unassigned');
    if (id === user.id) return `${user.username} (${t('contact.you')})`;
    return officers.data?.find((u) => u.id === id)?.username ?? id;
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void assign(choice === undefined ? contact.assignedTo : choice === '' ? null : choice);
  };
  const mayBeAssigned = user.role === 'health_officer' || user.role === 'province_admin';
  return (
    <div className="assignment">
      <h3>{t('contact.assignTo')}</h3>
      <p>
        {t('contacts.assigned')}: <strong data-testid="assigned-to">{nameOf(contact.assignedTo)}</strong>
      </p>
      <ErrorMessage error={error} />
      {officers.error ? (
        <p className="message error" role="alert">
          {t('contact.officers', { message: String((officers.error as Error).message) })}
        </p>
      ) : null}
      {mayManage && officers.data ? (
        <form className="inline-form" onSubmit={submit}>
          <Field label={t('contact.assignTo')}>
            {(id) => (
              <select
                id={id}
                value={choice ?? contact.assignedTo ?? ''}
                onChange={(e) => setChoice(e.target.value)}
              >
                <option value="">{t('contact.unassigned')}</option>
                {officers.data?.map((u) => (
                  <option key={u.id} value={u.id}>
                    {u.username} — {t(`role.${u.role}`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <button type="submit" className="secondary">
            {t('contact.assign')}
          </button>
        </form>
      ) : null}
      {!mayManage && mayBeAssigned && contact.assignedTo !== user.id ? (
        <button type="button" className="secondary" onClick={() => assign(user.id)}>
          {t('contact.assignMe')}
        </button>
      ) : null}
    </div>
  );
}

function Notes({ contact, onAdded }: { readonly contact: ContactDetail; readonly onAdded: () => void }) {
  const texts = useTexts();
  const { t } = texts;
  const { user } = useSession();
  const [text, setText] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await addNote(contact.id, text.trim());
      setText('');
      onAdded();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="panel" aria-labelledby="contact-notes">
      <h2 id="contact-notes">{t('contact.notes')}</h2>
      {contact.notes === undefined ? (
        <p>{t('contact.notesHidden')}</p>
      ) : contact.notes.length === 0 ? (
        <p>{t('contact.noNotes')}</p>
      ) : (
        <ul className="notes">
          {contact.notes.map((n) => (
            <li key={n.id}>
              <p className="note-meta">
                {texts.dateTime(n.createdAt)} · {n.author === `user:${user.id}` ? user.username : n.author}
              </p>
              <p className="note-text">{n.text}</p>
            </li>
          ))}
        </ul>
      )}
      {can(user, 'cases.write') ? (
        <form onSubmit={submit}>
          <ErrorMessage error={error} />
          <Field label={t('contact.noteText')}>
            {(id) => (
              <textarea
                id={id}
                rows={3}
                maxLength={4000}
                required
                value={text}
                onChange={(e) => setText(e.target.value)}
              />
            )}
          </Field>
          <button type="submit" disabled={busy || text.trim() === ''}>
            {t('contact.addNote')}
          </button>
        </form>
      ) : null}
    </section>
  );
}
