// One agent: tabs Overview, Persona & manual (a save is a new version), Tools, Memory, Daily
// log, Dialogue, Runs, Costs (budget: 0 pauses it). The tab is in the query string (?tab=).
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useParams, useSearch } from 'wouter';
import { fmtDateTime, fmtNumber, fmtRelative } from '../../lib/format';
import { useDebounced, useQuery } from '../../lib/query';
import { useLive } from '../../live';
import { ErrorText, Loading, useToast } from '../../ui/feedback';
import { Avatar } from './Agents';
import { agents, type Agent } from './api';
import { DialogueTab, LogTab, MemoryTab, RunsTab, ToolsTab } from './AgentTabs';
import { BudgetBar, StatusChip, WakeButton } from './Wake';

const TABS = ['overview', 'persona', 'tools', 'memory', 'log', 'dialogue', 'runs', 'costs'] as const;
type Tab = (typeof TABS)[number];

export default function AgentPage() {
  const { t } = useTranslation();
  const { id } = useParams<{ id: string }>();
  const [, navigate] = useLocation();
  const asked = new URLSearchParams(useSearch()).get('tab') as Tab | null;
  const tab: Tab = asked && TABS.includes(asked) ? asked : 'overview';
  const q = useQuery(() => agents.get(id), [id]);
  const reload = useDebounced(() => void q.reload(), 800);
  useLive((d) => d.namespace === 'agents' && reload());
  if (!q.data) return q.error ? <ErrorText error={q.error} onRetry={() => void q.reload()} /> : <Loading />;
  const a = q.data;
  return (
    <div className="stack">
      <Link href="/agents">← {t('agent.back')}</Link>
      <div className="page-head row" style={{ gap: 10 }}>
        <Avatar a={a} /><h1>{a.name}</h1><StatusChip status={a.status} />
      </div>
      <div className="tabs" role="tablist" aria-label={t('agent.tabs')}>
        {TABS.map((k) => (
          <button key={k} type="button" role="tab" id={`tab-${k}`} aria-selected={tab === k} aria-controls="agent-panel" onClick={() => navigate(`/agents/${encodeURIComponent(id)}?tab=${k}`, { replace: true })}>
            {t(`agent.tab.${k}`)}
          </button>
        ))}
      </div>
      <div id="agent-panel" role="tabpanel" aria-labelledby={`tab-${tab}`} className="stack">
        {tab === 'overview' && <Overview a={a} onChange={() => void q.reload()} />}
        {tab === 'persona' && <PersonaTab a={a} onSaved={(x) => q.setData(x)} />}
        {tab === 'tools' && <ToolsTab a={a} onSaved={(x) => q.setData(x)} />}
        {tab === 'memory' && <MemoryTab id={a.id} />}
        {tab === 'log' && <LogTab id={a.id} />}
        {tab === 'dialogue' && <DialogueTab id={a.id} />}
        {tab === 'runs' && <RunsTab id={a.id} />}
        {tab === 'costs' && <CostsTab a={a} onSaved={(x) => q.setData(x)} />}
      </div>
    </div>
  );
}

function Overview({ a, onChange }: { a: Agent; onChange: () => void }) {
  const { t, i18n } = useTranslation();
  const rel = (iso: string | null) => (iso ? fmtRelative(iso, i18n.language) : t('agents.never'));
  const o = a.heartbeat.last_outcome;
  return (
    <div className="glass panel stack">
      <dl className="agent-facts">
        <dt>{t('agents.status')}</dt><dd><StatusChip status={a.status} /></dd>
        <dt>{t('agent.heartbeat')}</dt><dd>{t('agents.every', { n: a.heartbeat.every_minutes })}</dd>
        <dt>{t('agents.lastBeat')}</dt><dd>{rel(a.heartbeat.last_wake_at)}</dd>
        <dt>{t('agents.nextBeat')}</dt><dd>{rel(a.heartbeat.next_wake_at)}</dd>
        <dt>{t('agent.lastOutcome')}</dt>
        <dd>{o?.kind ? t(`agents.outcome.${o.kind}`, { defaultValue: o.summary ?? o.kind }) : '—'}{o?.summary && <div className="muted small">{o.summary}</div>}
          {o?.run_id && <Link href={`/runs/${encodeURIComponent(o.run_id)}`}>{t('agents.outcome.seeRun')}</Link>}</dd>
        <dt>{t('agents.budget')}</dt><dd><BudgetBar percent={a.budget.percent} /></dd>
        <dt>{t('agents.waiting')}</dt><dd>{a.proposals_waiting}</dd>
      </dl>
      <WakeButton id={a.id} name={a.name} onWoken={onChange} />
    </div>
  );
}

function PersonaTab({ a, onSaved }: { a: Agent; onSaved: (a: Agent) => void }) {
  const { t, i18n } = useTranslation();
  const toast = useToast();
  const [persona, setPersona] = useState(a.persona);
  const [manual, setManual] = useState(a.manual);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const versions = useQuery(() => agents.versions(a.id), [a.id, a.version]);
  return (
    <>
      <form className="glass panel form" onSubmit={async (e) => {
        e.preventDefault(); setBusy(true); setError(null);
        try { const x = await agents.update(a.id, { persona, manual }); onSaved(x); toast(t('agent.saved', { n: x.version })); } catch (err) { setError(err); } finally { setBusy(false); }
      }}>
        <div className="field"><label htmlFor="ag-persona">{t('agent.persona')}</label><textarea id="ag-persona" rows={8} value={persona} onChange={(e) => setPersona(e.target.value)} /></div>
        <div className="field"><label htmlFor="ag-manual">{t('agent.manual')}</label><textarea id="ag-manual" rows={10} value={manual} onChange={(e) => setManual(e.target.value)} /></div>
        <ErrorText error={error} />
        <div><button type="submit" className="btn-primary" disabled={busy}>{t('agent.save')}</button></div>
      </form>
      <section className="glass panel stack" aria-labelledby="ag-versions">
        <h2 id="ag-versions" style={{ fontSize: 16 }}>{t('agent.versions')}</h2>
        <ul className="small">{(versions.data ?? []).map((v) => <li key={v.version}>{t('agent.versionBy', { n: v.version, when: fmtDateTime(v.created_at, i18n.language) })}</li>)}</ul>
      </section>
    </>
  );
}

function CostsTab({ a, onSaved }: { a: Agent; onSaved: (a: Agent) => void }) {
  const { t, i18n } = useTranslation();
  const toast = useToast();
  const [tokens, setTokens] = useState(a.budget.monthly_tokens === null ? '' : String(a.budget.monthly_tokens));
  const [usd, setUsd] = useState(a.budget.monthly_cost_usd === null ? '' : String(a.budget.monthly_cost_usd));
  const [error, setError] = useState<unknown>(null);
  const num = (s: string) => (s.trim() === '' ? null : Number(s));
  return (
    <form className="glass panel form" onSubmit={async (e) => {
      e.preventDefault(); setError(null);
      try { onSaved(await agents.update(a.id, { monthly_tokens: num(tokens), monthly_cost_usd: num(usd) })); toast(t('agent.budgetSaved')); } catch (err) { setError(err); }
    }}>
      <p className="small">{t('agent.used', { tokens: fmtNumber(a.budget.used_tokens, i18n.language), usd: fmtNumber(a.budget.used_cost_usd, i18n.language) })}</p>
      <BudgetBar percent={a.budget.percent} />
      <div className="field"><label htmlFor="ag-tokens">{t('agent.tokens')}</label><input id="ag-tokens" type="number" min={0} step={1} value={tokens} onChange={(e) => setTokens(e.target.value)} aria-describedby="ag-budget-hint" /></div>
      <div className="field"><label htmlFor="ag-usd">{t('agent.usd')}</label><input id="ag-usd" type="number" min={0} step={0.01} value={usd} onChange={(e) => setUsd(e.target.value)} aria-describedby="ag-budget-hint" /></div>
      <span id="ag-budget-hint" className="hint">{t('agent.budgetHint')}</span>
      <ErrorText error={error} />
      <div><button type="submit" className="btn-primary">{t('agent.saveBudget')}</button></div>
    </form>
  );
}
