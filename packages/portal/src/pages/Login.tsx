import { type FormEvent, useState } from 'react';
import { ApiError, login, type Session } from '../api';
import { ErrorMessage, Field, Notice } from '../components';
import { useTexts } from '../i18n';

/** Đăng nhập. Failed logins get one message whatever the reason (the server does the same). */
export function LoginPage({
  onLogin,
  notice,
}: {
  readonly onLogin: (session: Session) => void;
  readonly notice: string | undefined;
}) {
  const { t } = useTexts();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [other, setOther] = useState<unknown>();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setOther(undefined);
    try {
      onLogin(await login(username.trim(), password));
    } catch (e) {
      setPassword('');
      const minutes = (e instanceof ApiError && e.retryAfter ? Math.ceil(e.retryAfter / 60) : 15).toString();
      if (e instanceof ApiError && e.code === 'login_failed') setError(t('login.failed'));
      else if (e instanceof ApiError && e.code === 'account_locked') setError(t('login.locked', { minutes }));
      else if (e instanceof ApiError && e.code === 'rate_limited')
        setError(t('login.rateLimited', { minutes }));
      else setOther(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="login panel" aria-labelledby="login-title">
      <h1 id="login-title">{t('login.title')}</h1>
      <p>{t('login.intro')}</p>
      {notice ? <Notice>{notice}</Notice> : null}
      {error ? (
        <p className="message error" role="alert" data-testid="login-error">
          {error}
        </p>
      ) : null}
      <ErrorMessage error={other} />
      <form onSubmit={submit}>
        <Field label={t('login.username')}>
          {(id) => (
            <input
              id={id}
              name="username"
              autoComplete="username"
              required
              value={username}
              onChange={(e) => setUsername(e.target.value)}
            />
          )}
        </Field>
        <Field label={t('login.password')}>
          {(id) => (
            <input
              id={id}
              name="password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          )}
        </Field>
        <button type="submit" disabled={busy}>
          {t('login.submit')}
        </button>
      </form>
    </section>
  );
}
