import { type FormEvent, useState } from 'react';
import { INBOX_KINDS, type InboxKind, listInbox, sendInbox } from '../api';
import { ErrorMessage, Field, ListStatus, Notice, useLoad, useProvinceName } from '../components';
import { useTexts } from '../i18n';
import { unitsOf, useSession } from '../session';

/**
 * Thông báo: messages to the phones of a province (or, nationally, to every phone), written in
 * Vietnamese and English — each phone shows its own language; the messages sent, in either one.
 */
export function InboxPage() {
  const texts = useTexts();
  const { t, lang } = texts;
  const session = useSession();
  const { user } = session;
  const units = unitsOf(session);
  const provinceName = useProvinceName();
  const [showIn, setShowIn] = useState<'vi' | 'en'>(lang);
  const list = useLoad(async () => (await listInbox()).messages, []);
  const [provinceCode, setProvinceCode] = useState(user.provinceCode ?? '');
  const [kind, setKind] = useState<InboxKind>('notice');
  const [titleVi, setTitleVi] = useState('');
  const [bodyVi, setBodyVi] = useState('');
  const [titleEn, setTitleEn] = useState('');
  const [bodyEn, setBodyEn] = useState('');
  const [url, setUrl] = useState('');
  const [expires, setExpires] = useState('');
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setNotice(undefined);
    try {
      const sent = await sendInbox({
        kind,
        title: { vi: titleVi.trim(), en: titleEn.trim() },
        body: { vi: bodyVi.trim(), en: bodyEn.trim() },
        ...(url.trim() ? { url: url.trim() } : {}),
        ...(provinceCode ? { provinceCode } : {}),
        ...(expires ? { expiresAt: new Date(`${expires}:00+07:00`).toISOString() } : {}),
      });
      setNotice(t('inbox.sent', { id: sent.id }));
      setTitleVi('');
      setBodyVi('');
      setTitleEn('');
      setBodyEn('');
      setUrl('');
      list.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const provinces = [...(units?.provinces ?? [])].sort((a, b) => a.name.localeCompare(b.name, 'vi'));
  return (
    <>
      <h1>{t('inbox.title')}</h1>
      <section className="panel" aria-labelledby="inbox-new">
        <h2 id="inbox-new">{t('inbox.new')}</h2>
        <p className="hint">{t('inbox.intro')}</p>
        {notice ? <Notice>{notice}</Notice> : null}
        <ErrorMessage error={error} />
        <form className="grid-form" onSubmit={submit}>
          <Field label={t('inbox.recipients')}>
            {(id) => (
              <select
                id={id}
                value={provinceCode}
                onChange={(e) => setProvinceCode(e.target.value)}
                disabled={user.provinceCode !== null}
              >
                {user.provinceCode === null ? <option value="">{t('inbox.everyone')}</option> : null}
                {(user.provinceCode === null
                  ? provinces
                  : provinces.filter((p) => p.code === user.provinceCode)
                ).map((p) => (
                  <option key={p.code} value={p.code}>
                    {provinceName(p.code)}
                  </option>
                ))}
                {units === undefined && user.provinceCode !== null ? (
                  <option value={user.provinceCode}>{user.provinceCode}</option>
                ) : null}
              </select>
            )}
          </Field>
          <Field label={t('inbox.kind')}>
            {(id) => (
              <select id={id} value={kind} onChange={(e) => setKind(e.target.value as InboxKind)}>
                {INBOX_KINDS.map((k) => (
                  <option key={k} value={k}>
                    {t(`inbox.kind.${k}`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t('inbox.url')}>
            {(id) => (
              <input
                id={id}
                type="url"
                pattern="https://.*"
                maxLength={500}
                value={url}
                onChange={(e) => setUrl(e.target.value)}
              />
            )}
          </Field>
          <Field label={t('inbox.expiresAt')}>
            {(id) => (
              <input
                id={id}
                type="datetime-local"
                value={expires}
                onChange={(e) => setExpires(e.target.value)}
              />
            )}
          </Field>
          <div className="wide two">
            <div>
              <Field label={t('inbox.titleVi')}>
                {(id) => (
                  <input
                    id={id}
                    lang="vi"
                    required
                    maxLength={2000}
                    value={titleVi}
                    onChange={(e) => setTitleVi(e.target.value)}
                  />
                )}
              </Field>
              <Field label={t('inbox.bodyVi')}>
                {(id) => (
                  <textarea
                    id={id}
                    lang="vi"
                    required
                    rows={4}
                    maxLength={2000}
                    value={bodyVi}
                    onChange={(e) => setBodyVi(e.target.value)}
                  />
                )}
              </Field>
            </div>
            <div>
              <Field label={t('inbox.titleEn')}>
                {(id) => (
                  <input
                    id={id}
                    lang="en"
                    required
                    maxLength={2000}
                    value={titleEn}
                    onChange={(e) => setTitleEn(e.target.value)}
                  />
                )}
              </Field>
              <Field label={t('inbox.bodyEn')}>
                {(id) => (
                  <textarea
                    id={id}
                    lang="en"
                    required
                    rows={4}
                    maxLength={2000}
                    value={bodyEn}
                    onChange={(e) => setBodyEn(e.target.value)}
                  />
                )}
              </Field>
            </div>
          </div>
          <div className="form-actions">
            <button type="submit" disabled={busy}>
              {t('inbox.send')}
            </button>
          </div>
        </form>
      </section>
      <section className="panel" aria-labelledby="inbox-list">
        <h2 id="inbox-list">{t('inbox.list')}</h2>
        <Field label={t('inbox.showIn')}>
          {(id) => (
            <select
              id={id}
              className="short"
              value={showIn}
              onChange={(e) => setShowIn(e.target.value as 'vi' | 'en')}
            >
              <option value="vi">{t('inbox.lang.vi')}</option>
              <option value="en">{t('inbox.lang.en')}</option>
            </select>
          )}
        </Field>
        <ListStatus list={list} count={list.data?.length ?? 0} empty={t('inbox.none')} />
        {list.data && list.data.length > 0 ? (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('inbox.sentAt')}</th>
                  <th scope="col">{t('inbox.recipients')}</th>
                  <th scope="col">{t('inbox.kind')}</th>
                  <th scope="col">{t('inbox.message')}</th>
                  <th scope="col">{t('inbox.expires')}</th>
                </tr>
              </thead>
              <tbody>
                {list.data.map((m) => (
                  <tr key={m.id}>
                    <td className="nowrap">{texts.dateTime(m.createdAt)}</td>
                    <td>{m.provinceCode === null ? t('inbox.everyone') : provinceName(m.provinceCode)}</td>
                    <td>{t(`inbox.kind.${m.kind}`)}</td>
                    <td lang={showIn}>
                      <strong>{m.title[showIn]}</strong>
                      <span className="block">{m.body[showIn]}</span>
                      {m.url ? <span className="block mono">{m.url}</span> : null}
                    </td>
                    <td className="nowrap">
                      {m.expired ? (
                        <span className="badge state-codes_expired">{t('inbox.expired')}</span>
                      ) : m.expiresAt ? (
                        texts.dateTime(m.expiresAt)
                      ) : (
                        t('inbox.never')
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>
    </>
  );
}
