import { type FormEvent, useState } from 'react';
import { createUser, disableUser, listUsers, resetUserPassword, type User, type UserRole } from '../api';
import {
  ErrorMessage,
  Field,
  Loading,
  Notice,
  UnitPickers,
  useDistrictName,
  useLoad,
  useProvinceName,
} from '../components';
import { useTexts } from '../i18n';
import { useSession } from '../session';

const ROLES: readonly UserRole[] = ['national_admin', 'province_admin', 'health_officer', 'viewer'];

/** Người dùng (admins): the users of the caller's scope; create, reset a password, disable. */
export function UsersPage() {
  const texts = useTexts();
  const { t } = texts;
  const session = useSession();
  const provinceName = useProvinceName();
  const districtName = useDistrictName();
  const list = useLoad(async () => (await listUsers()).users, []);
  const [notice, setNotice] = useState<string | undefined>();
  const [error, setError] = useState<unknown>();

  const reset = async (u: User) => {
    setError(undefined);
    setNotice(undefined);
    try {
      const { password } = await resetUserPassword(u.id);
      setNotice(t('users.resetDone', { name: u.username, password }));
      list.reload();
    } catch (e) {
      setError(e);
    }
  };
  const disable = async (u: User) => {
    if (!window.confirm(t('users.disableConfirm', { name: u.username }))) return;
    setError(undefined);
    setNotice(undefined);
    try {
      await disableUser(u.id);
      list.reload();
    } catch (e) {
      setError(e);
    }
  };

  return (
    <>
      <h1>{t('users.title')}</h1>
      {notice ? <Notice>{notice}</Notice> : null}
      <ErrorMessage error={error} />
      <NewUserForm
        onCreated={(message) => {
          setNotice(message);
          list.reload();
        }}
      />
      <section className="panel" aria-label={t('users.title')}>
        <ErrorMessage error={list.error} />
        {list.loading && !list.data ? <Loading /> : null}
        {list.data ? (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('users.username')}</th>
                  <th scope="col">{t('users.role')}</th>
                  <th scope="col">{t('users.scope')}</th>
                  <th scope="col">{t('users.status')}</th>
                  <th scope="col">{t('users.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {list.data.map((u) => (
                  <tr key={u.id}>
                    <td>{u.username}</td>
                    <td>{t(`role.${u.role}`)}</td>
                    <td>
                      {provinceName(u.provinceCode)}
                      {u.districtCodes ? (
                        <small className="block">{u.districtCodes.map(districtName).join(', ')}</small>
                      ) : null}
                    </td>
                    <td>
                      {u.disabled
                        ? t('users.disabled')
                        : u.lockedUntil && Date.parse(u.lockedUntil) > Date.now()
                          ? t('users.lockedUntil', { time: texts.dateTime(u.lockedUntil) })
                          : t('users.active')}
                    </td>
                    <td>
                      {!u.disabled && u.id !== session.user.id ? (
                        <div className="actions tight">
                          <button type="button" className="secondary small" onClick={() => reset(u)}>
                            {t('users.reset')}
                          </button>
                          <button type="button" className="danger small" onClick={() => disable(u)}>
                            {t('users.disable')}
                          </button>
                        </div>
                      ) : null}
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

function NewUserForm({ onCreated }: { readonly onCreated: (message: string) => void }) {
  const { t } = useTexts();
  const { user } = useSession();
  const roles = user.role === 'national_admin' ? ROLES : ROLES.filter((r) => r !== 'national_admin');
  const [username, setUsername] = useState('');
  const [role, setRole] = useState<UserRole>('health_officer');
  const [provinceCode, setProvinceCode] = useState(user.provinceCode ?? '');
  const [districtCode, setDistrictCode] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const created = await createUser({
        username: username.trim(),
        role,
        provinceCode: role === 'national_admin' ? null : provinceCode || null,
        districtCodes: role === 'national_admin' || !districtCode ? null : [districtCode],
        ...(password ? { password } : {}),
      });
      onCreated(
        created.password
          ? t('users.created', { name: created.user.username, password: created.password })
          : t('users.createdOwn', { name: created.user.username }),
      );
      setUsername('');
      setPassword('');
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="new-user">
      <h2 id="new-user">{t('users.new')}</h2>
      <ErrorMessage error={error} />
      <form className="grid-form" onSubmit={submit}>
        <Field label={t('users.username')}>
          {(id) => (
            <input
              id={id}
              required
              pattern="[a-z0-9._\-]{3,64}"
              autoComplete="off"
              value={username}
              onChange={(e) => setUsername(e.target.value)}
            />
          )}
        </Field>
        <Field label={t('users.role')}>
          {(id) => (
            <select id={id} value={role} onChange={(e) => setRole(e.target.value as UserRole)}>
              {roles.map((r) => (
                <option key={r} value={r}>
                  {t(`role.${r}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        {role !== 'national_admin' ? (
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
        ) : null}
        <Field label={t('users.passwordHint')} hint={t('account.hint')}>
          {(id, hint) => (
            <input
              id={id}
              type="password"
              autoComplete="new-password"
              minLength={12}
              aria-describedby={hint}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          )}
        </Field>
        <div className="form-actions">
          <button type="submit" disabled={busy}>
            {t('users.create')}
          </button>
        </div>
      </form>
    </section>
  );
}
