import { type FormEvent, useState } from 'react';
import { type CreatedPartner, createPartner, listPartners, PARTNER_SCOPES, type PartnerScope } from '../api';
import { ErrorMessage, Field, ListStatus, useLoad } from '../components';
import { type TextKey, useTexts } from '../i18n';

/**
 * Ứng dụng đối tác (national admins): the health apps (NCOVI, VHD, …) that may read a consenting
 * person's declaration status; register one — its API key and webhook secret are shown once.
 */
export function PartnersPage() {
  const texts = useTexts();
  const { t } = texts;
  const list = useLoad(async () => (await listPartners()).partners, []);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<readonly PartnerScope[]>(['status:read']);
  const [webhookUrl, setWebhookUrl] = useState('');
  const [created, setCreated] = useState<CreatedPartner | undefined>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const toggle = (scope: PartnerScope, on: boolean) =>
    setScopes((s) => (on ? [...s.filter((x) => x !== scope), scope] : s.filter((x) => x !== scope)));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    setCreated(undefined);
    if (scopes.length === 0) {
      setError(new Error(t('partners.scopeRequired')));
      return;
    }
    setBusy(true);
    try {
      const url = webhookUrl.trim();
      setCreated(
        await createPartner({
          name: name.trim(),
          scopes: [...scopes],
          ...(url === '' ? {} : { webhookUrl: url }),
        }),
      );
      setName('');
      setWebhookUrl('');
      list.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <h1>{t('partners.title')}</h1>
      <p className="hint">{t('partners.intro')}</p>
      <section className="panel" aria-labelledby="partners-new">
        <h2 id="partners-new">{t('partners.new')}</h2>
        {created ? (
          <div className="message notice" role="status" data-testid="partner-created">
            <p>{t('partners.created', { name: created.name, id: created.partnerId })}</p>
            <dl className="facts one-column">
              <div>
                <dt>{t('partners.apiKey')}</dt>
                <dd>
                  <output className="code small-code" data-testid="partner-api-key">
                    {created.apiKey}
                  </output>
                </dd>
              </div>
              <div>
                <dt>{t('partners.webhookSecret')}</dt>
                <dd>
                  {created.webhookSecret ? (
                    <output className="code small-code" data-testid="partner-webhook-secret">
                      {created.webhookSecret}
                    </output>
                  ) : (
                    t('partners.noWebhook')
                  )}
                </dd>
              </div>
            </dl>
          </div>
        ) : null}
        <ErrorMessage error={error} />
        <form className="grid-form" onSubmit={submit}>
          <Field label={t('partners.name')}>
            {(id) => (
              <input
                id={id}
                required
                maxLength={100}
                value={name}
                onChange={(e) => setName(e.target.value)}
              />
            )}
          </Field>
          <Field label={t('partners.webhookUrl')} hint={t('partners.webhookHint')}>
            {(id, describedBy) => (
              <input
                id={id}
                type="url"
                maxLength={500}
                placeholder="https://"
                aria-describedby={describedBy}
                value={webhookUrl}
                onChange={(e) => setWebhookUrl(e.target.value)}
              />
            )}
          </Field>
          <fieldset className="field wide scopes">
            <legend>{t('partners.scopes')}</legend>
            {PARTNER_SCOPES.map((scope) => (
              <label key={scope}>
                <input
                  type="checkbox"
                  checked={scopes.includes(scope)}
                  onChange={(e) => toggle(scope, e.target.checked)}
                />{' '}
                {t(`partners.scope.${scope}` as TextKey)} <code className="mono">{scope}</code>
              </label>
            ))}
          </fieldset>
          <div className="form-actions">
            <button type="submit" disabled={busy}>
              {t('partners.create')}
            </button>
          </div>
        </form>
      </section>
      <section className="panel" aria-labelledby="partners-list">
        <h2 id="partners-list">{t('partners.list')}</h2>
        <ListStatus list={list} count={list.data?.length ?? 0} empty={t('partners.none')} />
        {list.data && list.data.length > 0 ? (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('partners.name')}</th>
                  <th scope="col">{t('partners.scopes')}</th>
                  <th scope="col">{t('partners.webhook')}</th>
                  <th scope="col">{t('partners.deliveries')}</th>
                  <th scope="col">{t('partners.createdAt')}</th>
                  <th scope="col">{t('partners.state')}</th>
                </tr>
              </thead>
              <tbody>
                {list.data.map((p) => (
                  <tr key={p.partnerId}>
                    <td>
                      {p.name} <small className="block mono">{p.partnerId}</small>
                    </td>
                    <td>
                      <ul className="inline-list">
                        {p.scopes.map((s) => (
                          <li key={s}>
                            <span className="badge">{s}</span>
                          </li>
                        ))}
                      </ul>
                    </td>
                    <td className="details">{p.webhookUrl ?? t('partners.noWebhook')}</td>
                    <td>
                      {p.webhookUrl
                        ? t('partners.deliveryCounts', {
                            delivered: texts.number(p.deliveries.delivered),
                            pending: texts.number(p.deliveries.pending),
                            failed: texts.number(p.deliveries.failed),
                          })
                        : t('common.none')}
                    </td>
                    <td className="nowrap">{texts.dateTime(p.createdAt)}</td>
                    <td>
                      {p.disabledAt
                        ? t('partners.disabled', { time: texts.dateTime(p.disabledAt) })
                        : t('partners.active')}
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
