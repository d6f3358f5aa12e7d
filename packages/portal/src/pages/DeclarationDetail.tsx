import { type ReactNode, useState } from 'react';
import {
  type DailyReportEntry,
  type DeclarationStatus,
  declarationDailyReports,
  getDeclaration,
  setDeclarationStatus,
} from '../api';
import { ErrorMessage, Loading, Notice, useDistrictName, useLoad, useProvinceName } from '../components';
import { type TextKey, type Texts, useTexts } from '../i18n';
import { Link } from '../router';
import { can, useSession } from '../session';
import { DeclarationStatusBadge, sourceText } from './Declarations';

type Json = Readonly<Record<string, unknown>>;

const obj = (value: unknown): Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
const arr = (value: unknown): readonly unknown[] => (Array.isArray(value) ? value : []);
const str = (value: unknown): string | undefined =>
  typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;

/** The statuses an officer can set (the server's POST /admin/v1/declarations/:id/status). */
const SETTABLE: readonly Exclude<DeclarationStatus, 'declared'>[] = ['monitoring', 'cleared', 'revoked'];

function Fact({ label, children }: { readonly label: string; readonly children: ReactNode }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function symptomsText(texts: Texts, value: unknown): string {
  const list = arr(value).map(String);
  return list.length === 0
    ? texts.t('decl.noSymptoms')
    : list.map((s) => texts.t(`decl.symptom.${s}` as TextKey)).join(', ');
}

/**
 * One declaration: the summary, its personal fields (decrypted by the server, which writes
 * `declaration.read` to the access log for this very read), the daily symptom reports (another
 * audited read) and the officer's status decisions.
 */
export function DeclarationDetailPage({ id }: { readonly id: string }) {
  const texts = useTexts();
  const { t } = texts;
  const { user } = useSession();
  const provinceName = useProvinceName();
  const districtName = useDistrictName();
  const found = useLoad(() => getDeclaration(id), [id]);
  const [reports, setReports] = useState<DailyReportEntry[] | undefined>();
  const [reportsError, setReportsError] = useState<unknown>();
  const [actionError, setActionError] = useState<unknown>();
  const [changed, setChanged] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const d = found.data;
  const personal = obj(d?.personal);

  const loadReports = async () => {
    setReportsError(undefined);
    try {
      setReports((await declarationDailyReports(id)).reports);
    } catch (e) {
      setReportsError(e);
    }
  };
  const setStatus = async (status: Exclude<DeclarationStatus, 'declared'>) => {
    if (status === 'revoked' && !window.confirm(t('decl.revokeConfirm', { id }))) return;
    setBusy(true);
    setActionError(undefined);
    setChanged(undefined);
    try {
      const updated = await setDeclarationStatus(id, status);
      if (d) found.setData({ ...d, ...updated });
      setChanged(t('decl.statusChanged', { status: t(`decl.status.${updated.status}` as TextKey) }));
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy(false);
    }
  };

  const place = (p: Json) =>
    [
      str(p['street']),
      str(p['districtCode']) && districtName(str(p['districtCode'])),
      provinceName(str(p['provinceCode'])),
    ]
      .filter(Boolean)
      .join(', ');

  return (
    <>
      <p>
        <Link href="/declarations">{t('decl.back')}</Link>
      </p>
      <h1>{t('decl.detailTitle', { id })}</h1>
      <ErrorMessage error={found.error} />
      {found.loading && !d ? <Loading /> : null}
      {d ? (
        <>
          <section className="panel" aria-labelledby="decl-summary">
            <h2 id="decl-summary">{t('case.details')}</h2>
            <dl className="facts">
              <Fact label={t('decl.kind')}>{t(`decl.kind.${d.kind}` as TextKey)}</Fact>
              <Fact label={t('decl.status')}>
                <span data-testid="declaration-status">
                  <DeclarationStatusBadge status={d.status} />
                </span>
              </Fact>
              <Fact label={t('common.province')}>
                {provinceName(d.provinceCode)}
                {d.districtCode ? <small className="block">{districtName(d.districtCode)}</small> : null}
              </Fact>
              <Fact label={t('decl.declaredOn')}>{texts.day(d.declaredOn)}</Fact>
              <Fact label={t('decl.declaredAt')}>{texts.dateTime(d.declaredAt)}</Fact>
              <Fact label={t('decl.validUntil')}>{texts.dateTime(d.validUntil)}</Fact>
              <Fact label={t('decl.monitoringUntil')}>
                {d.monitoringUntil ? texts.dateTime(d.monitoringUntil) : t('common.none')}
              </Fact>
              <Fact label={t('decl.source')}>{sourceText(texts, d.source)}</Fact>
            </dl>
            {can(user, 'declarations.write') ? (
              <>
                <h3>{t('decl.changeStatus')}</h3>
                {changed ? <Notice>{changed}</Notice> : null}
                <ErrorMessage error={actionError} />
                <div className="actions">
                  {SETTABLE.filter((s) => s !== d.status).map((s) => (
                    <button
                      key={s}
                      type="button"
                      className={s === 'revoked' ? 'danger' : 'secondary'}
                      disabled={busy}
                      onClick={() => setStatus(s)}
                    >
                      {t(`decl.set.${s}`)}
                    </button>
                  ))}
                </div>
                <p className="hint">{t('decl.statusHint')}</p>
              </>
            ) : null}
          </section>

          <section className="panel" aria-labelledby="decl-personal">
            <h2 id="decl-personal">{t('decl.personal')}</h2>
            <p className="hint">{t('decl.auditNote')}</p>
            <dl className="facts" data-testid="declaration-personal">
              <Fact label={t('decl.fullName')}>{str(personal['fullName']) ?? t('common.none')}</Fact>
              <Fact label={t('decl.yearOfBirth')}>{str(personal['yearOfBirth']) ?? t('common.none')}</Fact>
              <Fact label={t('decl.gender')}>
                {str(personal['gender'])
                  ? t(`decl.gender.${str(personal['gender'])}` as TextKey)
                  : t('common.none')}
              </Fact>
              {d.kind === 'domestic' ? (
                <Fact label={t('decl.address')}>{place(obj(personal['address']))}</Fact>
              ) : (
                <>
                  <Fact label={t('decl.nationality')}>
                    {str(personal['nationality']) ?? t('common.none')}
                  </Fact>
                  <Fact label={t('decl.document')}>
                    {str(obj(personal['document'])['type'])
                      ? t(`decl.document.${str(obj(personal['document'])['type'])}` as TextKey)
                      : ''}{' '}
                    <span className="mono">{str(obj(personal['document'])['number'])}</span>
                  </Fact>
                  <Fact label={t('decl.arrival')}>
                    {texts.day(str(obj(personal['arrival'])['date']))}
                    <small className="block">
                      {obj(personal['arrival'])['by'] === 'air'
                        ? t('decl.arrival.air', {
                            flight: str(obj(personal['arrival'])['flightNumber']) ?? '—',
                            airport: str(obj(personal['arrival'])['airport']) ?? '—',
                          })
                        : t('decl.arrival.land', {
                            gate: str(obj(personal['arrival'])['borderGate']) ?? '—',
                          })}
                    </small>
                  </Fact>
                  <Fact label={t('decl.fromCountry')}>
                    {str(obj(personal['arrival'])['fromCountry']) ?? '—'}
                  </Fact>
                  <Fact label={t('decl.countriesVisited')}>
                    {arr(personal['countriesVisited']).map(String).join(', ') || t('decl.noEntries')}
                  </Fact>
                  <Fact label={t('decl.stay')}>
                    {str(obj(personal['stay'])['kind'])
                      ? t(`decl.stay.${str(obj(personal['stay'])['kind'])}` as TextKey)
                      : ''}
                    <small className="block">{place(obj(personal['stay']))}</small>
                  </Fact>
                </>
              )}
              <Fact label={t('decl.symptoms')}>{symptomsText(texts, personal['symptoms'])}</Fact>
            </dl>
            {d.kind === 'domestic' ? (
              <>
                <h3>{t('decl.exposure')}</h3>
                <ul className="inline-list">
                  {(
                    [
                      ['contactWithConfirmedCase', 'decl.contactConfirmed'],
                      ['contactWithSuspectedCase', 'decl.contactSuspected'],
                      ['contactWithArrival', 'decl.contactArrival'],
                    ] as const
                  ).map(([field, label]) => (
                    <li key={field}>
                      {t(label)}:{' '}
                      <strong>{personal[field] === true ? t('common.yes') : t('common.no')}</strong>
                    </li>
                  ))}
                </ul>
                <h3>{t('decl.places')}</h3>
                {arr(personal['places']).length === 0 ? (
                  <p>{t('decl.noEntries')}</p>
                ) : (
                  <ul>
                    {arr(personal['places']).map((p, i) => {
                      const place1 = obj(p);
                      return (
                        // biome-ignore lint/suspicious/noArrayIndexKey: the declaration's own order, never reordered
                        <li key={i}>
                          {texts.day(str(place1['date']))}: {str(place1['description']) ?? ''} (
                          {place({ ...place1, street: undefined })})
                        </li>
                      );
                    })}
                  </ul>
                )}
                <h3>{t('decl.travel')}</h3>
                {arr(personal['travel']).length === 0 ? (
                  <p>{t('decl.noEntries')}</p>
                ) : (
                  <ul>
                    {arr(personal['travel']).map((j, i) => {
                      const journey = obj(j);
                      return (
                        // biome-ignore lint/suspicious/noArrayIndexKey: the declaration's own order, never reordered
                        <li key={i}>
                          {texts.day(str(journey['date']))}: {provinceName(str(journey['fromProvinceCode']))}{' '}
                          → {provinceName(str(journey['toProvinceCode']))},{' '}
                          {t(`decl.means.${str(journey['means']) ?? 'other'}` as TextKey)}
                          {str(journey['reference']) ? ` ${str(journey['reference'])}` : ''}
                        </li>
                      );
                    })}
                  </ul>
                )}
              </>
            ) : null}
          </section>

          <section className="panel" aria-labelledby="decl-reports">
            <h2 id="decl-reports">{t('decl.dailyReports')}</h2>
            <ErrorMessage error={reportsError} />
            {reports === undefined ? (
              <>
                <button type="button" className="secondary" onClick={loadReports}>
                  {t('decl.showReports')}
                </button>
                <p className="hint">{t('decl.reportsNote')}</p>
              </>
            ) : reports.length === 0 ? (
              <p>{t('decl.noDailyReports')}</p>
            ) : (
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">{t('decl.day')}</th>
                      <th scope="col">{t('decl.symptoms')}</th>
                      <th scope="col">{t('decl.temperature')}</th>
                      <th scope="col">{t('decl.note')}</th>
                      <th scope="col">{t('decl.declaredAt')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {reports.map((r) => {
                      const report = obj(r.report);
                      const temperature = report['temperatureCelsius'];
                      return (
                        <tr key={r.day}>
                          <td className="nowrap">{texts.day(r.day)}</td>
                          <td>{symptomsText(texts, report['symptoms'])}</td>
                          <td className="num">
                            {typeof temperature === 'number'
                              ? `${texts.number(temperature)} °C`
                              : t('common.none')}
                          </td>
                          <td>{str(report['note']) ?? t('common.none')}</td>
                          <td className="nowrap">{texts.dateTime(r.reportedAt)}</td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        </>
      ) : null}
    </>
  );
}
