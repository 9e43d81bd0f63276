// The agent page's data tabs: Tools (mode, add from the commands I may use), Memory (working
// buffer, facts with search, contradicted facts; edit/forget with a why), Daily log, Dialogue, Runs.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import { fmtDateTime } from '../../lib/format';
import { useQuery } from '../../lib/query';
import { ErrorText, Loading, useToast } from '../../ui/feedback';
import { WhyDialog } from '../../ui/WhyDialog';
import { agents, type Agent, type Memory, type Tool } from './api';

export function ToolsTab({ a, onSaved }: { a: Agent; onSaved: (a: Agent) => void }) {
  const { t } = useTranslation();
  const choices = useQuery(() => agents.tools(), []);
  const [pick, setPick] = useState('');
  const [error, setError] = useState<unknown>(null);
  const save = async (tools: Tool[]) => {
    setError(null);
    try { onSaved(await agents.update(a.id, { tools })); } catch (err) { setError(err); }
  };
  const have = new Set(a.tools.map((x) => x.command));
  const chosen = choices.data?.find((c) => c.command === pick);
  return (
    <div className="glass panel stack">
      {a.tools.length === 0 ? <p className="empty">{t('agent.noTools')}</p> : (
        <ul className="stack" style={{ listStyle: 'none', padding: 0, margin: 0 }} data-testid="agent-tools">
          {a.tools.map((tool, i) => (
            <li key={tool.command} className="row" style={{ flexWrap: 'wrap' }}>
              <span className="mono" style={{ flex: 1 }}>{tool.command}</span>
              <select aria-label={t('agent.modeLabel', { command: tool.command })} value={tool.mode} onChange={(e) => void save(a.tools.map((x, j) => (j === i ? { ...x, mode: e.target.value as Tool['mode'] } : x)))}>
                <option value="approval">{t('agent.mode.approval')}</option>
                <option value="direct">{t('agent.mode.direct')}</option>
              </select>
              <button type="button" onClick={() => void save(a.tools.filter((_, j) => j !== i))}>{t('agent.remove')}</button>
            </li>
          ))}
        </ul>
      )}
      <form className="row" style={{ flexWrap: 'wrap', alignItems: 'flex-end' }} onSubmit={(e) => { e.preventDefault(); if (chosen?.allowed) void save([...a.tools, { command: pick, mode: 'approval' }]).then(() => setPick('')); }}>
        <div className="field" style={{ flex: 1 }}>
          <label htmlFor="ag-add-tool">{t('agent.addTool')}</label>
          <select id="ag-add-tool" value={pick} onChange={(e) => setPick(e.target.value)} aria-describedby="ag-tool-hint">
            <option value="">{t('agent.pickTool')}</option>
            {(choices.data ?? []).filter((c) => !have.has(c.command)).map((c) => (
              <option key={c.command} value={c.command} disabled={!c.allowed}>{c.command} — {c.summary}{c.allowed ? '' : ` (${t('agent.notAllowed')})`}</option>
            ))}
          </select>
          <span id="ag-tool-hint" className="hint">{t('agent.notAllowed')}</span>
        </div>
        <button type="submit" disabled={!chosen?.allowed}>{t('agent.add')}</button>
      </form>
      <ErrorText error={error} />
    </div>
  );
}

export function MemoryTab({ id }: { id: string }) {
  const { t } = useTranslation();
  const [search, setSearch] = useState('');
  const working = useQuery(() => agents.memory(id, { tier: 'working' }), [id]);
  const facts = useQuery(() => agents.memory(id, { tier: 'fact', q: search }), [id, search]);
  const contradicted = useQuery(() => agents.memory(id, { tier: 'fact', status: 'contradicted' }), [id]);
  const reload = () => { void facts.reload(); void contradicted.reload(); };
  return (
    <>
      <MemoryList title={t('agent.working')} q={working} />
      <section className="glass panel stack" aria-labelledby="mem-facts">
        <h2 id="mem-facts" style={{ fontSize: 16 }}>{t('agent.facts')}</h2>
        <div className="field"><label htmlFor="mem-q">{t('agent.search')}</label><input id="mem-q" type="search" value={search} onChange={(e) => setSearch(e.target.value)} /></div>
        <MemoryItems q={facts} editable onChange={reload} />
      </section>
      <MemoryList title={t('agent.contradicted')} q={contradicted} />
    </>
  );
}

type Q = ReturnType<typeof useQuery<Memory[]>>;
function MemoryList({ title, q }: { title: string; q: Q }) {
  const hid = `mem-${title.replace(/\W+/g, '-')}`;
  return (
    <section className="glass panel stack" aria-labelledby={hid}>
      <h2 id={hid} style={{ fontSize: 16 }}>{title}</h2>
      <MemoryItems q={q} />
    </section>
  );
}

function MemoryItems({ q, editable, onChange }: { q: Q; editable?: boolean; onChange?: () => void }) {
  const { t } = useTranslation();
  const toast = useToast();
  const [editing, setEditing] = useState<{ m: Memory; forget: boolean } | null>(null);
  const [value, setValue] = useState('');
  if (!q.data) return q.error ? <ErrorText error={q.error} /> : <Loading />;
  if (q.data.length === 0) return <p className="empty">{t('agent.noMemory')}</p>;
  return (
    <>
      <ul className="stack" style={{ listStyle: 'none', padding: 0, margin: 0 }} data-testid={editable ? 'memory-facts' : undefined}>
        {q.data.map((m) => (
          <li key={m.id} className="row" style={{ flexWrap: 'wrap', alignItems: 'flex-start' }} data-memory={m.key}>
            <div style={{ flex: 1, minWidth: 200 }}>
              <strong>{m.key}</strong> {m.status === 'contradicted' && <span className="chip status-blocked">{t('agent.conflict')}</span>}
              <div style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>{m.value}</div>
              <div className="muted small">{t('agent.confidence', { n: Math.round(m.confidence * 100) })}</div>
            </div>
            {editable && (
              <div className="row">
                <button type="button" aria-label={`${t('agent.edit')} — ${m.key}`} onClick={() => { setValue(m.value); setEditing({ m, forget: false }); }}>{t('agent.edit')}</button>
                <button type="button" className="btn-danger" aria-label={`${t('agent.forget')} — ${m.key}`} onClick={() => setEditing({ m, forget: true })}>{t('agent.forget')}</button>
              </div>
            )}
          </li>
        ))}
      </ul>
      {editing && (
        <WhyDialog
          title={t(editing.forget ? 'agent.forgetTitle' : 'agent.editTitle', { key: editing.m.key })}
          description={t(editing.forget ? 'agent.forgetBody' : 'agent.editBody')}
          confirmLabel={t(editing.forget ? 'agent.forget' : 'agent.edit')}
          onCancel={() => setEditing(null)}
          onConfirm={async (why) => {
            await agents.editMemory(editing.m.id, editing.forget ? { forget: true, why } : { value, why });
            setEditing(null); toast(t('common.saved', { defaultValue: '✓' })); onChange?.();
          }}
        >
          {!editing.forget && <div className="field"><label htmlFor="mem-value">{t('agent.value')}</label><textarea id="mem-value" value={value} onChange={(e) => setValue(e.target.value)} /></div>}
        </WhyDialog>
      )}
    </>
  );
}

export function LogTab({ id }: { id: string }) {
  const { t, i18n } = useTranslation();
  const [day, setDay] = useState<string | undefined>(undefined);
  const q = useQuery(() => agents.log(id, day), [id, day]);
  if (!q.data) return q.error ? <ErrorText error={q.error} /> : <Loading />;
  const days = q.data.days.includes(q.data.day) ? q.data.days : [q.data.day, ...q.data.days];
  return (
    <div className="glass panel stack">
      <div className="field"><label htmlFor="log-day">{t('agent.day')}</label>
        <select id="log-day" value={q.data.day} onChange={(e) => setDay(e.target.value)}>{days.map((d) => <option key={d} value={d}>{d}</option>)}</select>
      </div>
      {q.data.entries.length === 0 ? <p className="empty">{t('agent.noLog')}</p> : (
        <ol className="stack small" style={{ margin: 0 }} data-testid="agent-log">
          {q.data.entries.map((e, i) => (
            <li key={i}><span className="muted">{fmtDateTime(e.at, i18n.language)}</span> <span className="chip">{e.kind}</span> {e.text}
              {e.run_id && <> · <Link href={`/runs/${encodeURIComponent(e.run_id)}`}>{t('agents.outcome.seeRun')}</Link></>}</li>
          ))}
        </ol>
      )}
    </div>
  );
}

export function DialogueTab({ id }: { id: string }) {
  const { t, i18n } = useTranslation();
  const toast = useToast();
  const q = useQuery(() => agents.messages(id), [id]);
  const [body, setBody] = useState('');
  const [error, setError] = useState<unknown>(null);
  return (
    <div className="glass panel stack">
      {!q.data ? <Loading /> : q.data.length === 0 ? <p className="empty">{t('agent.noMessages')}</p> : (
        <ul className="stack" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
          {q.data.map((m) => (
            <li key={m.id}><div className="muted small">{m.from.type === 'user' ? t('agent.fromYou') : m.from.id} · {fmtDateTime(m.created_at, i18n.language)}</div>
              <div style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>{m.body}</div></li>
          ))}
        </ul>
      )}
      <form className="form" onSubmit={async (e) => {
        e.preventDefault(); if (!body.trim()) return; setError(null);
        try { await agents.send(id, body.trim()); setBody(''); toast(t('agent.sent')); void q.reload(); } catch (err) { setError(err); }
      }}>
        <div className="field"><label htmlFor="ag-msg">{t('agent.message')}</label><textarea id="ag-msg" value={body} maxLength={8000} onChange={(e) => setBody(e.target.value)} /></div>
        <ErrorText error={error} />
        <div><button type="submit" className="btn-primary">{t('agent.send')}</button></div>
      </form>
    </div>
  );
}

export function RunsTab({ id }: { id: string }) {
  const { t, i18n } = useTranslation();
  const q = useQuery(() => agents.runs(id), [id]);
  if (!q.data) return q.error ? <ErrorText error={q.error} /> : <Loading />;
  return q.data.length === 0 ? <p className="empty glass panel">{t('agent.noRuns')}</p> : (
    <ul className="glass panel stack" style={{ listStyle: 'none', margin: 0 }}>
      {q.data.map((r) => <li key={r.id}><Link href={`/runs/${encodeURIComponent(r.id)}`}>{fmtDateTime(r.created_at, i18n.language)}</Link> · {t(`runStatus.${r.status}`, { defaultValue: r.status })}</li>)}
    </ul>
  );
}
