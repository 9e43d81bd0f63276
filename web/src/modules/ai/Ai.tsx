// AI: providers (configured or not, circuit-breaker state), provider keys (write-only: a key
// is never shown, only whether one is set), alias routing (editable by admins: Routing),
// price overrides (Prices), privacy and cache (Privacy), the monthly budget
// (tokens/cost, offline beyond it) with this month's usage, and usage by day.
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AiBudget, AiSettings } from '../../../../sdk/src/ai.js';
import { useSession } from '../../app/session';
import { fmtDay, fmtNumber } from '../../lib/format';
import { useQuery, type Query } from '../../lib/query';
import { ErrorText, Loading, useToast } from '../../ui/feedback';
import { useStepUp } from '../../ui/StepUp';
import { Prices } from './Prices';
import { Privacy } from './Privacy';
import { Routing } from './Routing';
import { ai } from './shared';
const usd = (n: number, lng: string) => `${fmtNumber(Math.round(n * 10_000) / 10_000, lng)} $`;

export function Ai() {
  const { t, i18n } = useTranslation();
  const { can } = useSession();
  const providers = useQuery(() => ai.providers(), []);
  const settings = useQuery(() => ai.settings(), []);
  const budget = useQuery(() => ai.budget(), []);
  const usage = useQuery(() => ai.usage({ group_by: 'day' }), []);
  const lng = i18n.language;
  const admin = can('admin');

  return (
    <div className="stack" data-testid="ai-settings">
      <section className="glass panel" aria-labelledby="ai-prov-h">
        <h2 id="ai-prov-h">{t('ai.providers')}</h2>
        {!providers.data ? (providers.error ? <ErrorText error={providers.error} onRetry={() => void providers.reload()} /> : <Loading />) : (
          <div className="table-wrap">
            <table data-testid="ai-providers">
              <thead>
                <tr>
                  <th scope="col">{t('ai.provider')}</th>
                  <th scope="col">{t('fields.status')}</th>
                  <th scope="col">{t('ai.breaker')}</th>
                  <th scope="col" className="hide-mobile">{t('ai.key')}</th>
                </tr>
              </thead>
              <tbody>
                {providers.data.providers.map((p) => (
                  <tr key={p.id}>
                    <td>
                      <strong>{p.id}</strong> <span className="muted small">{p.kind}</span>
                      <div className="mono small wrap-any">{p.model}</div>
                    </td>
                    <td>
                      <span className={`chip ${p.configured ? 'status-done' : 'status-blocked'}`}>{p.configured ? `✓ ${t('ai.configured')}` : `✕ ${t('ai.unconfigured')}`}</span>
                      {p.unconfigured_reason && <div className="muted small">{t(`ai.reason.${p.unconfigured_reason.replace(/ /g, '_')}`, { defaultValue: p.unconfigured_reason })}</div>}
                    </td>
                    <td>{p.breaker ? <span className={`chip ${p.breaker.state === 'closed' ? '' : 'status-blocked'}`}>{t(`ai.breakerState.${p.breaker.state}`, { defaultValue: p.breaker.state })}</span> : <span className="muted">{t('ai.noBreaker')}</span>}</td>
                    <td className="hide-mobile">{p.kind === 'offline' ? '—' : p.api_key_set ? t('ai.keySet') : t('ai.keyNotSet')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      {admin && <ProviderKeyForm settings={settings} onSaved={() => void providers.reload()} />}

      {!providers.data || !settings.data ? (
        (providers.error ?? settings.error) ? null : <section className="glass panel"><Loading /></section>
      ) : (
        <>
          <Routing
            providers={providers.data.providers}
            effective={providers.data.aliases}
            stored={settings.data.aliases}
            admin={admin}
            onSaved={async () => void (await Promise.all([providers.reload(), settings.reload()]))}
          />
          <Prices prices={settings.data.prices} models={knownModels(providers.data, settings.data)} admin={admin} onSaved={(x) => settings.setData(x)} />
          <Privacy settings={settings.data} admin={admin} onSaved={(x) => settings.setData(x)} />
        </>
      )}
      {settings.error && !providers.error ? <section className="glass panel"><ErrorText error={settings.error} onRetry={() => void settings.reload()} /></section> : null}

      <section className="glass panel" aria-labelledby="ai-budget-h">
        <h2 id="ai-budget-h">{t('ai.budget')}</h2>
        {!budget.data ? (budget.error ? <ErrorText error={budget.error} onRetry={() => void budget.reload()} /> : <Loading />) : (
          <>
            <BudgetStatus b={budget.data} />
            {admin && <BudgetForm b={budget.data} onSaved={(b) => budget.setData(b)} />}
          </>
        )}
      </section>

      <section className="glass panel" aria-labelledby="ai-usage-h">
        <h2 id="ai-usage-h">{t('ai.usageByDay')}</h2>
        {!usage.data ? (usage.error ? <ErrorText error={usage.error} onRetry={() => void usage.reload()} /> : <Loading />) : usage.data.rows.length === 0 ? (
          <p className="empty">{t('ai.noUsage')}</p>
        ) : (
          <div className="table-wrap">
            <table data-testid="ai-usage">
              <thead>
                <tr>
                  <th scope="col">{t('ai.day')}</th>
                  <th scope="col">{t('ai.calls')}</th>
                  <th scope="col">{t('ai.tokensIn')}</th>
                  <th scope="col">{t('ai.tokensOut')}</th>
                  <th scope="col">{t('ai.cost')}</th>
                  <th scope="col" className="hide-mobile">{t('ai.cacheHits')}</th>
                </tr>
              </thead>
              <tbody>
                {usage.data.rows.map((r) => (
                  <tr key={r.key}>
                    <td>{fmtDay(r.key, lng)}</td>
                    <td>{fmtNumber(r.calls, lng)}</td>
                    <td>{fmtNumber(r.input_tokens, lng)}</td>
                    <td>{fmtNumber(r.output_tokens, lng)}</td>
                    <td>{usd(r.cost_usd, lng)}</td>
                    <td className="hide-mobile">{fmtNumber(r.cache_hits, lng)}</td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <th scope="row">{t('ai.total')}</th>
                  <td>{fmtNumber(usage.data.totals.calls, lng)}</td>
                  <td>{fmtNumber(usage.data.totals.input_tokens, lng)}</td>
                  <td>{fmtNumber(usage.data.totals.output_tokens, lng)}</td>
                  <td>{usd(usage.data.totals.cost_usd, lng)}</td>
                  <td className="hide-mobile">{fmtNumber(usage.data.totals.cache_hits, lng)}</td>
                </tr>
              </tfoot>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}

function BudgetStatus({ b }: { b: AiBudget }) {
  const { t, i18n } = useTranslation();
  const lng = i18n.language;
  return (
    <div className="stack" style={{ gap: 6 }}>
      <p>
        <span className={`chip ${b.state === 'exceeded' ? 'status-blocked' : ''}`} data-testid="budget-state">{t(`ai.state.${b.state}`)}</span>{' '}
        {t('ai.usedThisMonth', { tokens: fmtNumber(b.used.tokens, lng), cost: usd(b.used.cost_usd, lng), calls: fmtNumber(b.used.calls, lng) })}
      </p>
      {b.percent !== null && (
        <div className={`usage-meter ${b.state}`} role="meter" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(b.percent)} aria-label={t('ai.percentUsed', { n: Math.round(b.percent) })}>
          <span style={{ width: `${Math.min(100, b.percent)}%` }} />
        </div>
      )}
      <p className="muted small">{b.allow_offline ? t('ai.offlineOn') : t('ai.offlineOff')}</p>
    </div>
  );
}

function BudgetForm({ b, onSaved }: { b: AiBudget; onSaved: (b: AiBudget) => void }) {
  const { t } = useTranslation();
  const toast = useToast();
  const stepUp = useStepUp();
  const [tokens, setTokens] = useState(b.monthly_tokens === null ? '' : String(b.monthly_tokens));
  const [cost, setCost] = useState(b.monthly_cost_usd === null ? '' : String(b.monthly_cost_usd));
  const [offline, setOffline] = useState(b.allow_offline);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form
      className="form"
      style={{ marginTop: 12 }}
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        try {
          const out = await stepUp.run(() => ai.setBudget({ monthly_tokens: tokens === '' ? null : Number(tokens), monthly_cost_usd: cost === '' ? null : Number(cost), allow_offline: offline }));
          onSaved(out);
          toast(t('common.saved'));
        } catch (err) {
          setError(err);
        } finally {
          setBusy(false);
        }
      }}
    >
      <div className="grid grid-2">
        <div className="field">
          <label htmlFor="budget-tokens">{t('ai.monthlyTokens')}</label>
          <input id="budget-tokens" type="number" min={0} step={1} value={tokens} onChange={(e) => setTokens(e.target.value)} placeholder={t('ai.noLimit')} />
        </div>
        <div className="field">
          <label htmlFor="budget-cost">{t('ai.monthlyCost')}</label>
          <input id="budget-cost" type="number" min={0} step="0.01" value={cost} onChange={(e) => setCost(e.target.value)} placeholder={t('ai.noLimit')} />
        </div>
      </div>
      <label className="choice"><input type="checkbox" checked={offline} onChange={(e) => setOffline(e.target.checked)} />{t('ai.allowOffline')}</label>
      <ErrorText error={error} />
      <div><button type="submit" className="btn-primary" disabled={busy}>{t('ai.saveBudget')}</button></div>
      {stepUp.dialog}
    </form>
  );
}

/** Models worth suggesting for a price: the providers', the chains' and those already priced. */
function knownModels(p: { providers: { model: string; embed_model: string | null }[]; aliases: Record<string, { model: string }[]> }, s: AiSettings): string[] {
  const all = [...p.providers.flatMap((x) => [x.model, x.embed_model ?? '']), ...Object.values(p.aliases).flatMap((c) => c.map((l) => l.model)), ...Object.keys(s.prices)];
  return [...new Set(all.filter(Boolean))].sort();
}

function ProviderKeyForm({ settings, onSaved }: { settings: Query<AiSettings>; onSaved: () => void }) {
  const { t } = useTranslation();
  const toast = useToast();
  const stepUp = useStepUp();
  const [id, setId] = useState('openai');
  const [kind, setKind] = useState<'openai-compatible' | 'anthropic'>('openai-compatible');
  const [baseUrl, setBaseUrl] = useState('https://api.openai.com/v1');
  const [model, setModel] = useState('gpt-4o-mini');
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const existing = settings.data?.providers[id];
  // Filled from the stored provider once per name typed: the settings object is renewed by
  // every save in the other sections, which must not wipe what is being typed here.
  const filledFor = useRef<string | null>(null);
  useEffect(() => {
    if (!existing || filledFor.current === id) return;
    filledFor.current = id;
    setKind(existing.kind as 'anthropic');
    setBaseUrl(existing.base_url ?? '');
    setModel(existing.model);
  }, [id, existing]);
  return (
    <form
      className="glass panel form"
      autoComplete="off"
      data-testid="ai-provider-form"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        try {
          await stepUp.run(() => ai.updateSettings({ providers: { [id.trim()]: { kind, base_url: baseUrl.trim() || null, model: model.trim(), ...(key ? { api_key: key } : {}) } } }));
          setKey('');
          toast(t('ai.keySaved'));
          await settings.reload();
          onSaved();
        } catch (err) {
          setError(err);
        } finally {
          setBusy(false);
        }
      }}
    >
      <h2>{t('ai.keysTitle')}</h2>
      <p className="muted small">{t('ai.keysHint')}</p>
      <div className="grid grid-2">
        <div className="field">
          <label htmlFor="prov-id">{t('ai.providerId')}</label>
          <input id="prov-id" required pattern="[a-z][a-z0-9_\-]{0,39}" value={id} onChange={(e) => setId(e.target.value.toLowerCase())} list="prov-ids" />
          <datalist id="prov-ids">{Object.keys(settings.data?.providers ?? {}).concat(['openai', 'anthropic', 'mistral']).map((x) => <option key={x} value={x} />)}</datalist>
        </div>
        <div className="field">
          <label htmlFor="prov-kind">{t('ai.kind')}</label>
          <select id="prov-kind" value={kind} onChange={(e) => setKind(e.target.value as 'anthropic')}>
            <option value="openai-compatible">{t('ai.kindOpenai')}</option>
            <option value="anthropic">Anthropic</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="prov-url">{t('ai.baseUrl')}</label>
          <input id="prov-url" type="url" value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="prov-model">{t('ai.model')}</label>
          <input id="prov-model" required value={model} onChange={(e) => setModel(e.target.value)} />
        </div>
      </div>
      <div className="field">
        <label htmlFor="prov-key">{t('ai.apiKey')}</label>
        <input id="prov-key" type="password" autoComplete="new-password" value={key} onChange={(e) => setKey(e.target.value)} placeholder={existing?.api_key_set ? t('ai.keyKeep') : ''} />
        <span className="hint">{existing?.api_key_set ? t('ai.keySetHint') : t('ai.keyWriteOnly')}</span>
      </div>
      <ErrorText error={error} />
      <div><button type="submit" className="btn-primary" disabled={busy}>{t('ai.saveProvider')}</button></div>
      {stepUp.dialog}
    </form>
  );
}
