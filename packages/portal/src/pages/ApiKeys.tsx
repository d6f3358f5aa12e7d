import { type FormEvent, useState } from 'react';
import { type ApiKey, type ApiKeyRole, createApiKey, listApiKeys, revokeApiKey } from '../api';
import { ErrorMessage, Field, ListStatus, useLoad } from '../components';
import { useTexts } from '../i18n';

const KEY_ROLES: readonly ApiKeyRole[] = ['lab', 'admin', 'device'];

/** Khóa API (national admins): integration keys; a new key is shown once; revoke. */
export function ApiKeysPage() {
  const texts = useTexts();
  const { t } = texts;
  const list = useLoad(async () => (await listApiKeys()).apiKeys, []);
  const [role, setRole] = useState<ApiKeyRole>('lab');
  const [label, setLabel] = useState('');
  const [created, setCreated] = useState<string | undefined>();
  const [error, setError] = useState<unknown>();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    setCreated(undefined);
    try {
      const made = await createApiKey(role, label.trim());
      setCreated(made.key);
      setLabel('');
      list.reload();
    } catch (e) {
      setError(e);
    }
  };
  const revoke = async (key: ApiKey) => {
    if (!window.confirm(t('keys.revokeConfirm', { label: key.label }))) return;
    setError(undefined);
    try {
      await revokeApiKey(key.id);
      list.reload();
    } catch (e) {
      setError(e);
    }
  };

  return (
    <>
      <h1>{t('keys.title')}</h1>
      <p className="hint">{t('keys.intro')}</p>
      <section className="panel" aria-labelledby="keys-new">
        <h2 id="keys-new">{t('keys.create')}</h2>
        {created ? (
          <p className="message notice" role="status">
            {t('keys.created', { key: '' })}
            <output className="code small-code">{created}</output>
          </p>
        ) : null}
        <ErrorMessage error={error} />
        <form className="grid-form" onSubmit={submit}>
          <Field label={t('keys.role')}>
            {(id) => (
              <select id={id} value={role} onChange={(e) => setRole(e.target.value as ApiKeyRole)}>
                {KEY_ROLES.map((r) => (
                  <option key={r} value={r}>
                    {t(`keys.role.${r}`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t('keys.label')}>
            {(id) => (
              <input
                id={id}
                required
                maxLength={100}
                value={label}
                onChange={(e) => setLabel(e.target.value)}
              />
            )}
          </Field>
          <div className="form-actions">
            <button type="submit">{t('keys.create')}</button>
          </div>
        </form>
      </section>
      <section className="panel" aria-label={t('keys.title')}>
        <ListStatus list={list} count={list.data?.length ?? 0} empty={t('keys.none')} />
        {list.data && list.data.length > 0 ? (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('keys.label')}</th>
                  <th scope="col">{t('keys.role')}</th>
                  <th scope="col">{t('keys.createdAt')}</th>
                  <th scope="col">{t('users.status')}</th>
                </tr>
              </thead>
              <tbody>
                {list.data.map((k) => (
                  <tr key={k.id}>
                    <td>
                      {k.label} <small className="block mono">{k.id}</small>
                    </td>
                    <td>{t(`keys.role.${k.role}`)}</td>
                    <td className="nowrap">{texts.dateTime(k.createdAt)}</td>
                    <td>
                      {k.revoked ? (
                        `${t('keys.revoked')} ${texts.dateTime(k.revokedAt)}`
                      ) : (
                        <button type="button" className="danger small" onClick={() => revoke(k)}>
                          {t('keys.revoke')}
                        </button>
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
