import { type FormEvent, useState } from 'react';
import { type CaseStatus, createCase, type IssuedCodes, listCases } from '../api';
import {
  CodesPanel,
  ErrorMessage,
  Field,
  ListStatus,
  StateBadge,
  todayInVietnam,
  UnitPickers,
  useDistrictName,
  useLoad,
  useProvinceName,
} from '../components';
import { useTexts } from '../i18n';
import { Link } from '../router';
import { can, useSession } from '../session';

/** Ca bệnh (F0): the cases of the caller's scope, newest first, and the form to enter one. */
export function CasesPage() {
  const texts = useTexts();
  const { t } = texts;
  const session = useSession();
  const provinceName = useProvinceName();
  const districtName = useDistrictName();
  const [issued, setIssued] = useState<IssuedCodes | undefined>();
  const [pages, setPages] = useState<CaseStatus[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [moreError, setMoreError] = useState<unknown>();
  const list = useLoad(async () => {
    const first = await listCases({ limit: 50 });
    setPages([]);
    setCursor(first.nextCursor);
    return first.cases;
  }, []);

  const more = async () => {
    if (!cursor) return;
    try {
      const next = await listCases({ limit: 50, cursor });
      setPages((p) => [...p, ...next.cases]);
      setCursor(next.nextCursor);
    } catch (e) {
      setMoreError(e);
    }
  };

  const cases = [...(list.data ?? []), ...pages];
  return (
    <>
      <h1>{t('cases.title')}</h1>
      {issued ? (
        <>
          <p className="message notice" role="status">
            {t('cases.created', { id: issued.caseId })}{' '}
            <Link href={`/cases/${encodeURIComponent(issued.caseId)}`}>{t('common.open')}</Link>
          </p>
          <CodesPanel codes={issued} onHide={() => setIssued(undefined)} />
        </>
      ) : null}
      {can(session.user, 'cases.write') && !issued ? (
        <NewCaseForm
          onCreated={(codes) => {
            setIssued(codes);
            list.reload();
          }}
        />
      ) : null}
      <section aria-labelledby="cases-list" className="panel">
        <h2 id="cases-list">{t('cases.list')}</h2>
        <ListStatus list={list} count={cases.length} empty={t('cases.none')} />
        {cases.length > 0 ? (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('cases.case')}</th>
                  <th scope="col">{t('common.province')}</th>
                  <th scope="col">{t('common.district')}</th>
                  <th scope="col">{t('cases.testType')}</th>
                  <th scope="col">{t('cases.testDate')}</th>
                  <th scope="col">{t('cases.state')}</th>
                  <th scope="col" className="num">
                    {t('cases.keys')}
                  </th>
                  <th scope="col">{t('cases.createdAt')}</th>
                </tr>
              </thead>
              <tbody>
                {cases.map((c) => (
                  <tr key={c.caseId}>
                    <td>
                      <Link href={`/cases/${encodeURIComponent(c.caseId)}`} className="mono">
                        {c.caseId}
                      </Link>
                    </td>
                    <td>{provinceName(c.provinceCode)}</td>
                    <td>{c.districtCode ? districtName(c.districtCode) : t('common.none')}</td>
                    <td>{t(`cases.testType.${c.testType}` as 'cases.testType.confirmed')}</td>
                    <td>{texts.day(c.testDate)}</td>
                    <td>
                      <StateBadge state={c.state} />
                    </td>
                    <td className="num">{texts.number(c.keysPublished)}</td>
                    <td>{texts.dateTime(c.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        <ErrorMessage error={moreError} />
        {cursor ? (
          <button type="button" className="secondary" onClick={more}>
            {t('common.more')}
          </button>
        ) : null}
      </section>
    </>
  );
}

function NewCaseForm({ onCreated }: { readonly onCreated: (codes: IssuedCodes) => void }) {
  const { t } = useTexts();
  const { user } = useSession();
  const today = todayInVietnam();
  const [provinceCode, setProvinceCode] = useState(user.provinceCode ?? '');
  const [districtCode, setDistrictCode] = useState(user.districtCodes?.[0] ?? '');
  const [testType, setTestType] = useState<'confirmed' | 'likely'>('confirmed');
  const [symptomDate, setSymptomDate] = useState('');
  const [testDate, setTestDate] = useState(today);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const codes = await createCase({
        provinceCode,
        districtCode: districtCode || null,
        testType,
        symptomDate: symptomDate || null,
        testDate,
      });
      setSymptomDate('');
      onCreated(codes);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="new-case">
      <h2 id="new-case">{t('cases.new')}</h2>
      <ErrorMessage error={error} />
      <form onSubmit={submit} className="grid-form">
        <UnitPickers
          provinceCode={provinceCode}
          districtCode={districtCode}
          allowAllProvinces={false}
          required
          onChange={(p, d) => {
            setProvinceCode(p);
            setDistrictCode(d);
          }}
        />
        <Field label={t('cases.testType')}>
          {(id) => (
            <select
              id={id}
              value={testType}
              onChange={(e) => setTestType(e.target.value as 'confirmed' | 'likely')}
            >
              <option value="confirmed">{t('cases.testType.confirmed')}</option>
              <option value="likely">{t('cases.testType.likely')}</option>
            </select>
          )}
        </Field>
        <Field label={t('cases.testDate')}>
          {(id) => (
            <input
              id={id}
              type="date"
              required
              max={today}
              min="2020-01-01"
              value={testDate}
              onChange={(e) => setTestDate(e.target.value)}
            />
          )}
        </Field>
        <Field label={t('cases.symptomDate')} hint={t('cases.symptomDateHint')}>
          {(id, hint) => (
            <input
              id={id}
              type="date"
              max={testDate || today}
              min="2020-01-01"
              aria-describedby={hint}
              value={symptomDate}
              onChange={(e) => setSymptomDate(e.target.value)}
            />
          )}
        </Field>
        <div className="form-actions">
          <button type="submit" disabled={busy}>
            {t('cases.create')}
          </button>
        </div>
      </form>
    </section>
  );
}
