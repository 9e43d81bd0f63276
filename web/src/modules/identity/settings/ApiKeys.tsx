// API keys: scoped, the secret shown once with a copy button, revocable.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CreatedApiKey } from '../../../../../sdk/src/index.js';
import { api } from '../../../api';
import { fmtDateTime } from '../../../lib/format';
import { useQuery } from '../../../lib/query';
import { CopyButton } from '../../../ui/CopyButton';
import { ErrorText, Loading, useAction } from '../../../ui/feedback';
import { useStepUp } from '../../../ui/StepUp';

const SCOPES = ['read', 'write', 'admin'] as const;

export function ApiKeys() {
  const { t, i18n } = useTranslation();
  const q = useQuery(() => api.apiKeys.list(), []);
  const run = useAction();
  const stepUp = useStepUp();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['read']);
  const [days, setDays] = useState('');
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [error, setError] = useState<unknown>(null);

  const create = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const key = await stepUp.run(() => api.apiKeys.create({ name: name.trim(), scopes, ...(days ? { expires_in_days: Number(days) } : {}) }));
      setCreated(key);
      setName('');
      await q.reload();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <div className="stack">
      <form className="glass panel form" onSubmit={create}>
        <h2>{t('keys.create')}</h2>
        <div className="grid grid-2">
          <div className="field">
            <label htmlFor="key-name">{t('fields.name')}</label>
            <input id="key-name" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="key-days">{t('keys.expiresInDays')}</label>
            <input id="key-days" type="number" min={1} max={3650} value={days} onChange={(e) => setDays(e.target.value)} placeholder={t('keys.never')} />
          </div>
        </div>
        <fieldset className="fieldset">
          <legend>{t('keys.scopes')}</legend>
          <div className="choices">
            {SCOPES.map((s) => (
              <label key={s} className="choice">
                <input type="checkbox" checked={scopes.includes(s)} onChange={(e) => setScopes(e.target.checked ? [...scopes, s] : scopes.filter((x) => x !== s))} />
                {t(`keys.scope.${s}`)}
              </label>
            ))}
          </div>
        </fieldset>
        <ErrorText error={error} />
        <div><button type="submit" className="btn-primary" disabled={scopes.length === 0}>{t('keys.createButton')}</button></div>
      </form>
      {created && (
        <div className="glass panel alert info" role="status">
          <p><strong>{t('keys.onceTitle')}</strong> {t('keys.onceBody')}</p>
          <div className="row"><code className="secret" style={{ flex: 1 }} data-testid="new-key">{created.key}</code><CopyButton text={created.key} /></div>
          <button type="button" className="btn-sm" style={{ marginTop: 8 }} onClick={() => setCreated(null)}>{t('keys.done')}</button>
        </div>
      )}
      <section className="glass panel">
        <h2>{t('settings.tab.api-keys')}</h2>
        {!q.data ? (q.error ? <ErrorText error={q.error} /> : <Loading />) : q.data.length === 0 ? <p className="empty">{t('keys.none')}</p> : (
          <ul className="list">
            {q.data.map((k) => (
              <li key={k.id} className="row" style={{ justifyContent: 'space-between' }}>
                <span>
                  <strong>{k.name}</strong> <span className="muted small">{k.scopes.join(', ')} · {t('settings.created', { when: fmtDateTime(k.created_at, i18n.language) })} · {k.last_used_at ? t('keys.lastUsed', { when: fmtDateTime(k.last_used_at, i18n.language) }) : t('keys.neverUsed')}</span>
                  {k.revoked_at && <span className="chip">{t('keys.revoked')}</span>}
                </span>
                {!k.revoked_at && <button type="button" className="btn-sm btn-danger" onClick={async () => (await run(() => api.apiKeys.revoke(k.id), t('keys.revokedToast'))) && void q.reload()}>{t('settings.revoke')}</button>}
              </li>
            ))}
          </ul>
        )}
      </section>
      {stepUp.dialog}
    </div>
  );
}
