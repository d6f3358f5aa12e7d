import { useState } from 'react';
import { type Contact, caseContacts, closeCase, getCase, type IssuedCodes, reissueCodes } from '../api';
import {
  CodesPanel,
  ErrorMessage,
  ListStatus,
  Loading,
  Notice,
  RiskBadge,
  StateBadge,
  useDistrictName,
  useLoad,
  useProvinceName,
} from '../components';
import { useTexts } from '../i18n';
import { Link } from '../router';
import { can, useSession } from '../session';

const STEPS = ['codes_issued', 'codes_claimed', 'certificate_issued', 'keys_published'] as const;

/** One case: details, upload progress, code re-issue, its contacts (phone numbers on request). */
export function CaseDetailPage({ id }: { readonly id: string }) {
  const texts = useTexts();
  const { t } = texts;
  const { user } = useSession();
  const provinceName = useProvinceName();
  const districtName = useDistrictName();
  const found = useLoad(() => getCase(id), [id]);
  const [codes, setCodes] = useState<IssuedCodes | undefined>();
  const [actionError, setActionError] = useState<unknown>();
  const [closedNotice, setClosedNotice] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const reissue = async () => {
    if (!window.confirm(t('case.reissueConfirm'))) return;
    setBusy(true);
    setActionError(undefined);
    try {
      setCodes(await reissueCodes(id));
      found.reload();
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy(false);
    }
  };

  const close = async () => {
    if (!window.confirm(t('case.closeConfirm'))) return;
    setBusy(true);
    setActionError(undefined);
    try {
      const closed = await closeCase(id);
      setClosedNotice(t('case.closed', { date: texts.dateTime(closed.contactDataDeletedAfter) }));
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy(false);
    }
  };

  const c = found.data;
  const reached = c ? (c.state === 'codes_expired' ? 0 : STEPS.indexOf(c.state)) : -1;
  return (
    <>
      <p>
        <Link href="/cases">{t('case.back')}</Link>
      </p>
      <h1>{t('case.title', { id })}</h1>
      <ErrorMessage error={found.error} />
      {found.loading && !c ? <Loading /> : null}
      {codes ? <CodesPanel codes={codes} onHide={() => setCodes(undefined)} /> : null}
      <ErrorMessage error={actionError} />
      {closedNotice ? <Notice>{closedNotice}</Notice> : null}
      {c ? (
        <div className="columns">
          <section className="panel" aria-labelledby="case-details">
            <h2 id="case-details">{t('case.details')}</h2>
            <dl className="facts">
              <div>
                <dt>{t('common.province')}</dt>
                <dd>{provinceName(c.provinceCode)}</dd>
              </div>
              <div>
                <dt>{t('common.district')}</dt>
                <dd>{c.districtCode ? districtName(c.districtCode) : t('common.none')}</dd>
              </div>
              <div>
                <dt>{t('cases.testType')}</dt>
                <dd>{t(`cases.testType.${c.testType}` as 'cases.testType.confirmed')}</dd>
              </div>
              <div>
                <dt>{t('cases.testDate')}</dt>
                <dd>{texts.day(c.testDate)}</dd>
              </div>
              <div>
                <dt>{t('cases.symptomDate')}</dt>
                <dd>{texts.day(c.symptomDate)}</dd>
              </div>
              <div>
                <dt>{t('cases.createdAt')}</dt>
                <dd>{texts.dateTime(c.createdAt)}</dd>
              </div>
            </dl>
            <div className="actions">
              {can(user, 'codes.issue') ? (
                <button type="button" onClick={reissue} disabled={busy}>
                  {t('case.reissue')}
                </button>
              ) : null}
              {can(user, 'contacts.read') ? (
                <Link className="button secondary" href={`/graph/${encodeURIComponent(id)}`}>
                  {t('case.graph')}
                </Link>
              ) : null}
              {can(user, 'cases.write') ? (
                <button type="button" className="danger" onClick={close} disabled={busy}>
                  {t('case.close')}
                </button>
              ) : null}
            </div>
          </section>
          <section className="panel" aria-labelledby="case-upload">
            <h2 id="case-upload">{t('case.upload')}</h2>
            <p>
              <StateBadge state={c.state} />
            </p>
            <ol className="steps">
              {STEPS.map((step, i) => (
                <li key={step} className={i <= reached ? 'done' : ''}>
                  {t(`state.${step}`)}
                </li>
              ))}
            </ol>
            <dl className="facts">
              <div>
                <dt>{t('case.codesIssuedAt')}</dt>
                <dd>{texts.dateTime(c.codesIssuedAt)}</dd>
              </div>
              <div>
                <dt>{t('case.codesClaimedAt')}</dt>
                <dd>{texts.dateTime(c.codesClaimedAt)}</dd>
              </div>
              <div>
                <dt>{t('case.certificateIssuedAt')}</dt>
                <dd>{texts.dateTime(c.certificateIssuedAt)}</dd>
              </div>
              <div>
                <dt>{t('cases.keys')}</dt>
                <dd data-testid="keys-published">{texts.number(c.keysPublished)}</dd>
              </div>
            </dl>
          </section>
        </div>
      ) : null}
      {c && can(user, 'contacts.read') ? <CaseContacts caseId={id} /> : null}
    </>
  );
}

function CaseContacts({ caseId }: { readonly caseId: string }) {
  const texts = useTexts();
  const { t } = texts;
  const { user } = useSession();
  const [revealed, setRevealed] = useState<ReadonlyMap<string, string | null> | undefined>();
  const [revealError, setRevealError] = useState<unknown>();
  const list = useLoad(async () => {
    const all: Contact[] = [];
    let cursor: string | null = null;
    do {
      const page: { contacts: Contact[]; nextCursor: string | null } = await caseContacts(caseId, { cursor });
      all.push(...page.contacts);
      cursor = page.nextCursor;
    } while (cursor !== null && all.length < 5000);
    return all;
  }, [caseId]);

  const reveal = async () => {
    setRevealError(undefined);
    try {
      const numbers = new Map<string, string | null>();
      let cursor: string | null = null;
      do {
        const page: { contacts: Contact[]; nextCursor: string | null } = await caseContacts(caseId, {
          reveal: true,
          cursor,
        });
        for (const c of page.contacts) numbers.set(c.id, c.phoneNumber ?? null);
        cursor = page.nextCursor;
      } while (cursor !== null);
      setRevealed(numbers);
    } catch (e) {
      setRevealError(e);
    }
  };

  return (
    <section className="panel" aria-labelledby="case-contacts">
      <h2 id="case-contacts">{t('case.contacts')}</h2>
      <ListStatus list={list} count={list.data?.length ?? 0} empty={t('case.noContacts')} />
      {list.data && list.data.length > 0 ? (
        <>
          {can(user, 'contacts.reveal') && !revealed ? (
            <p className="actions">
              <button type="button" className="secondary" onClick={reveal}>
                {t('case.revealPhones')}
              </button>
              <small className="hint">{t('case.revealNote')}</small>
            </p>
          ) : null}
          <ErrorMessage error={revealError} />
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('contacts.contact')}</th>
                  <th scope="col">{t('contacts.level')}</th>
                  <th scope="col">{t('contacts.exposureDays')}</th>
                  <th scope="col">{t('contacts.risk')}</th>
                  <th scope="col">{t('contacts.reportedAt')}</th>
                  {revealed ? <th scope="col">{t('contact.phone')}</th> : null}
                </tr>
              </thead>
              <tbody>
                {list.data.map((c) => (
                  <tr key={c.id}>
                    <td>
                      <Link href={`/contacts/${encodeURIComponent(c.id)}`} className="mono">
                        {c.id}
                      </Link>
                    </td>
                    <td>
                      <span className={`badge level-${c.level}`}>{c.level}</span>
                    </td>
                    <td>
                      {c.exposureDays ? c.exposureDays.map((d) => texts.day(d)).join(', ') : t('common.none')}
                    </td>
                    <td>
                      <RiskBadge level={c.maxRiskLevel} />
                    </td>
                    <td>{texts.dateTime(c.reportedAt)}</td>
                    {revealed ? <td className="mono">{revealed.get(c.id) ?? t('common.none')}</td> : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </section>
  );
}
