import { type FormEvent, useState } from 'react';
import { changePassword } from '../api';
import { ErrorMessage, Field, Notice, useDistrictName, useProvinceName } from '../components';
import { useTexts } from '../i18n';
import { useSession } from '../session';

/** Tài khoản: who is logged in, with which role and scope; password change. */
export function AccountPage() {
  const { t } = useTexts();
  const { user } = useSession();
  const provinceName = useProvinceName();
  const districtName = useDistrictName();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setDone(false);
    setError(undefined);
    if (next !== again) {
      setError(new Error(t('account.mismatch')));
      return;
    }
    setBusy(true);
    try {
      await changePassword(current, next);
      setDone(true);
      setCurrent('');
      setNext('');
      setAgain('');
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <h1>{t('account.title')}</h1>
      <section className="panel">
        <dl className="facts">
          <div>
            <dt>{t('account.user')}</dt>
            <dd>{user.username}</dd>
          </div>
          <div>
            <dt>{t('account.role')}</dt>
            <dd>{t(`role.${user.role}`)}</dd>
          </div>
          <div>
            <dt>{t('account.scope')}</dt>
            <dd>
              {provinceName(user.provinceCode)}
              {user.districtCodes ? ` — ${user.districtCodes.map(districtName).join(', ')}` : ''}
            </dd>
          </div>
        </dl>
      </section>
      <section className="panel narrow" aria-labelledby="password-title">
        <h2 id="password-title">{t('account.changePassword')}</h2>
        {done ? <Notice>{t('account.changed')}</Notice> : null}
        <ErrorMessage error={error} />
        <form onSubmit={submit}>
          <Field label={t('account.current')}>
            {(id) => (
              <input
                id={id}
                type="password"
                autoComplete="current-password"
                required
                value={current}
                onChange={(e) => setCurrent(e.target.value)}
              />
            )}
          </Field>
          <Field label={t('account.new')} hint={t('account.hint')}>
            {(id, hint) => (
              <input
                id={id}
                type="password"
                autoComplete="new-password"
                required
                minLength={12}
                maxLength={256}
                aria-describedby={hint}
                value={next}
                onChange={(e) => setNext(e.target.value)}
              />
            )}
          </Field>
          <Field label={t('account.confirm')}>
            {(id) => (
              <input
                id={id}
                type="password"
                autoComplete="new-password"
                required
                value={again}
                onChange={(e) => setAgain(e.target.value)}
              />
            )}
          </Field>
          <button type="submit" disabled={busy}>
            {t('account.changePassword')}
          </button>
        </form>
      </section>
    </>
  );
}
