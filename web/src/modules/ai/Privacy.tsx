// Privacy and cache: whether prompts and answers are kept in the ledger with each AI call
// (store_prompts), and how long identical questions are answered from the cache
// (cache_ttl_seconds: 0 turns it off, at most 30 days — the API's limits).
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AiSettings } from '../../../../sdk/src/ai.js';
import { fmtNumber } from '../../lib/format';
import { ErrorText, useToast } from '../../ui/feedback';
import { useStepUp } from '../../ui/StepUp';
import { fieldErrors, FieldMessage, fmtDuration, messagesAt, saveSettings, WhyField, withWhy } from './shared';

const MAX_TTL = 2_592_000;

type Props = { settings: AiSettings; admin: boolean; onSaved: (s: AiSettings) => void };

export function Privacy({ settings, admin, onSaved }: Props) {
  const { t, i18n } = useTranslation();
  const lng = i18n.language;
  return (
    <section className="glass panel stack" aria-labelledby="ai-privacy-h" data-testid="ai-privacy">
      <h2 id="ai-privacy-h">{t('aiSettings.privacyTitle')}</h2>
      {admin ? (
        <PrivacyForm settings={settings} onSaved={onSaved} />
      ) : (
        <ul className="list">
          <li>
            <strong>{t('aiSettings.storePrompts')}</strong>{' '}
            <span className="chip" data-testid="store-prompts-state">{settings.store_prompts ? t('aiSettings.on') : t('aiSettings.off')}</span>
            <p className="hint" style={{ margin: '6px 0 0' }}>{t('aiSettings.storePromptsHint')}</p>
          </li>
          <li>
            <strong>{t('aiSettings.cacheTtl')}</strong>{' '}
            <span className="chip">{fmtDuration(settings.cache_ttl_seconds, t, lng)}</span>
            <p className="hint" style={{ margin: '6px 0 0' }}>{t('aiSettings.cacheHint', { max: fmtNumber(MAX_TTL, lng) })}</p>
          </li>
        </ul>
      )}
    </section>
  );
}

function PrivacyForm({ settings, onSaved }: { settings: AiSettings; onSaved: (s: AiSettings) => void }) {
  const { t, i18n } = useTranslation();
  const lng = i18n.language;
  const toast = useToast();
  const stepUp = useStepUp();
  const uid = useId();
  const [store, setStore] = useState(settings.store_prompts);
  const [ttl, setTtl] = useState(String(settings.cache_ttl_seconds));
  const [why, setWhy] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [ttlMissing, setTtlMissing] = useState(false);
  const errors = fieldErrors(error);
  const ttlErrors = messagesAt(errors, 'cache_ttl_seconds');
  const storeErrors = messagesAt(errors, 'store_prompts');
  const ttlNumber = ttl.trim() === '' ? NaN : Number(ttl);

  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    setTtlMissing(ttl.trim() === '');
    if (ttl.trim() === '') return;
    setBusy(true);
    try {
      const out = await stepUp.run(() => saveSettings({ store_prompts: store, cache_ttl_seconds: Number(ttl), ...withWhy(why) }));
      onSaved(out);
      setWhy('');
      toast(t('common.saved'));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="form" onSubmit={save} noValidate data-testid="ai-privacy-form">
      <div className="stack" style={{ gap: 5 }}>
        <label className="choice">
          <input
            type="checkbox" checked={store} onChange={(e) => setStore(e.target.checked)}
            aria-describedby={`${uid}-store-hint${storeErrors.length > 0 ? ` ${uid}-store-err` : ''}`} aria-invalid={storeErrors.length > 0 || undefined}
          />
          {t('aiSettings.storePrompts')}
        </label>
        <span id={`${uid}-store-hint`} className="hint">{t('aiSettings.storePromptsHint')}</span>
        <FieldMessage id={`${uid}-store-err`} messages={storeErrors} />
      </div>
      <div className="field">
        <label htmlFor={`${uid}-ttl`}>{t('aiSettings.cacheTtl')}</label>
        <input
          style={{ maxWidth: 240 }} id={`${uid}-ttl`} type="number" inputMode="numeric" min={0} max={MAX_TTL} step={1} value={ttl} onChange={(e) => setTtl(e.target.value)}
          aria-describedby={`${uid}-ttl-hint${ttlErrors.length > 0 || ttlMissing ? ` ${uid}-ttl-err` : ''}`} aria-invalid={ttlErrors.length > 0 || ttlMissing || undefined}
        />
        <span id={`${uid}-ttl-hint`} className="hint">
          {Number.isInteger(ttlNumber) && ttlNumber >= 0 && <><strong data-testid="cache-ttl-now">{t('aiSettings.cacheNow', { duration: fmtDuration(ttlNumber, t, lng) })}</strong>{' '}</>}
          {t('aiSettings.cacheHint', { max: fmtNumber(MAX_TTL, lng) })}
        </span>
        <FieldMessage id={`${uid}-ttl-err`} messages={ttlErrors} local={ttlMissing ? t('aiSettings.ttlRequired') : undefined} />
      </div>
      <WhyField value={why} onChange={setWhy} />
      <ErrorText error={error} />
      <div><button type="submit" className="btn-primary" disabled={busy}>{t('aiSettings.savePrivacy')}</button></div>
      {stepUp.dialog}
    </form>
  );
}
