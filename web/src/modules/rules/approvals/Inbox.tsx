// The one inbox (GET /v1/inbox): agents' proposals, rule-held changes, flow approval steps,
// budgets and memory conflicts, sorted as served (priority, then age). Filters by kind, agent
// and department (in the query string); select several and approve/reject them with one why
// (POST /v1/inbox/decide); keys j/k move, a approve, e edit, r reject, x select.
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useLocation, useSearch } from 'wouter';
import { agents, inbox, INBOX_KINDS, type InboxItem } from '../../agents/api';
import { fmtRelative } from '../../../lib/format';
import { refreshInbox } from '../../../lib/inbox';
import { useDebounced, useQuery } from '../../../lib/query';
import { useLive } from '../../../live';
import { ErrorText, Loading, useToast } from '../../../ui/feedback';
import { useStepUp } from '../../../ui/StepUp';
import { WhyDialog } from '../../../ui/WhyDialog';
import { InboxDetail, type DetailHandle } from './InboxDetail';

const keyOf = (i: { kind: string; id: string }) => `${i.kind}:${i.id}`;
type Batch = { decision: 'approve' | 'reject'; items: InboxItem[] };

export function Inbox() {
  const { t, i18n } = useTranslation();
  const [, navigate] = useLocation();
  const params = new URLSearchParams(useSearch());
  const kind = params.get('kind') ?? '';
  const agent = params.get('agent') ?? '';
  const department = params.get('department') ?? '';
  const q = useQuery(() => inbox.list({ kind, agent, department }), [kind, agent, department]);
  const roster = useQuery(() => agents.list().catch(() => []), []);
  const [current, setCurrent] = useState<string | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [batch, setBatch] = useState<Batch | null>(null);
  const detail = useRef<DetailHandle>(null);
  const stepUp = useStepUp();
  const toast = useToast();
  const refresh = useDebounced(() => void q.reload(), 500);
  useLive((d) => (d.event.startsWith('approval.') || d.namespace === 'agents' || d.event === 'run.waiting') && refresh());

  const items = q.data ?? [];
  const cur = items.find((i) => keyOf(i) === current) ?? items[0] ?? null;
  const picked = items.filter((i) => selected.has(keyOf(i)));
  const departments = [...new Set([...(roster.data ?? []).map((a) => a.department), ...items.map((i) => i.department)].filter((d): d is string => !!d))].sort();
  const setParam = (k: string, v: string) => {
    const next = new URLSearchParams(params);
    if (v) next.set(k, v); else next.delete(k);
    const s = next.toString();
    navigate(`/approvals${s ? `?${s}` : ''}`, { replace: true });
  };
  const toggle = (k: string) => setSelected((s) => { const n = new Set(s); if (n.has(k)) n.delete(k); else n.add(k); return n; });
  const done = async () => { setSelected(new Set()); await Promise.all([q.reload(), refreshInbox()]); };

  // Keys: only when no field has the focus and no dialog is open.
  const keys = useRef<(e: KeyboardEvent) => void>(() => {});
  keys.current = (e) => {
    const el = e.target as HTMLElement | null;
    if (e.ctrlKey || e.metaKey || e.altKey || batch || document.querySelector('[role=dialog]')) return;
    if (el && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName))) return;
    const at = cur ? items.indexOf(cur) : -1;
    const go = (i: number) => { const it = items[Math.max(0, Math.min(items.length - 1, i))]; if (it) { setCurrent(keyOf(it)); document.getElementById(`inbox-${keyOf(it)}`)?.focus(); } };
    if (e.key === 'j') go(at + 1);
    else if (e.key === 'k') go(at - 1);
    else if (e.key === 'x' && cur) toggle(keyOf(cur));
    else if (e.key === 'a') detail.current?.approve();
    else if (e.key === 'r') detail.current?.reject();
    else if (e.key === 'e') detail.current?.edit();
    else return;
    e.preventDefault();
  };
  useEffect(() => {
    const on = (e: KeyboardEvent) => keys.current(e);
    document.addEventListener('keydown', on);
    return () => document.removeEventListener('keydown', on);
  }, []);

  return (
    <section className="stack" aria-labelledby="inbox-h" data-testid="inbox">
      <h2 id="inbox-h" className="sr-only">{t('inbox.title')}</h2>
      <p className="muted small" style={{ margin: 0 }}>{t('inbox.hint')} <span data-testid="inbox-keys">{t('inbox.keys')}</span></p>
      <div className="row glass panel" role="group" aria-label={t('inbox.filters')} style={{ flexWrap: 'wrap' }}>
        <label className="field">{t('inbox.kind')}
          <select value={kind} onChange={(e) => setParam('kind', e.target.value)}>
            <option value="">{t('inbox.any')}</option>
            {INBOX_KINDS.map((k) => <option key={k} value={k}>{t(`inbox.kinds.${k}`)}</option>)}
          </select>
        </label>
        <label className="field">{t('inbox.agent')}
          <select value={agent} onChange={(e) => setParam('agent', e.target.value)}>
            <option value="">{t('inbox.any')}</option>
            {(roster.data ?? []).map((a) => <option key={a.id} value={a.id}>{a.name}</option>)}
          </select>
        </label>
        <label className="field">{t('inbox.department')}
          <select value={department} onChange={(e) => setParam('department', e.target.value)}>
            <option value="">{t('inbox.any')}</option>
            {departments.map((d) => <option key={d} value={d}>{d}</option>)}
          </select>
        </label>
      </div>
      {!q.data ? (q.error ? <ErrorText error={q.error} onRetry={() => void q.reload()} /> : <Loading />) : items.length === 0 ? (
        <p className="empty glass panel">{t('inbox.none')}</p>
      ) : (
        <>
          <div className="row glass panel" style={{ flexWrap: 'wrap' }}>
            <label className="choice">
              <input type="checkbox" checked={picked.length === items.length} onChange={(e) => setSelected(e.target.checked ? new Set(items.map(keyOf)) : new Set())} />
              {t('inbox.selectAll')}
            </label>
            <span style={{ flex: 1 }} />
            <button type="button" className="btn-primary" disabled={!picked.length} onClick={() => setBatch({ decision: 'approve', items: picked })}>{t('inbox.approveSelected', { n: picked.length })}</button>
            <button type="button" className="btn-danger" disabled={!picked.length} onClick={() => setBatch({ decision: 'reject', items: picked })}>{t('inbox.rejectSelected', { n: picked.length })}</button>
          </div>
          <div className="inbox-panes">
            <ul className="inbox-list" data-testid="inbox-list">
              {items.map((it) => {
                const k = keyOf(it);
                return (
                  <li key={k} className="glass panel row" data-inbox={k} aria-current={cur === it} style={{ alignItems: 'flex-start' }}>
                    <input type="checkbox" aria-label={t('inbox.select', { title: it.title })} checked={selected.has(k)} onChange={() => toggle(k)} />
                    <button type="button" id={`inbox-${k}`} className="inbox-open" onClick={() => setCurrent(k)}>
                      <span className="chip">{t(`inbox.kinds.${it.kind}`)}</span> <strong style={{ display: 'block', marginTop: 4 }}>{it.title}</strong>
                      <span className="muted small" style={{ display: 'block' }}>{it.agent ? `${t('inbox.by', { agent: it.agent.name })} · ` : ''}{fmtRelative(it.created_at, i18n.language)}</span>
                    </button>
                  </li>
                );
              })}
            </ul>
            {cur ? <InboxDetail key={keyOf(cur)} ref={detail} item={cur} stepUp={stepUp} onDone={done} /> : <p className="glass panel">{t('inbox.pickOne')}</p>}
          </div>
        </>
      )}
      {batch && (
        <WhyDialog
          title={t(batch.decision === 'approve' ? 'inbox.approveSelected' : 'inbox.rejectSelected', { n: batch.items.length })}
          description={t('inbox.whyHint')}
          confirmLabel={t(batch.decision === 'approve' ? 'inbox.approve' : 'inbox.reject')}
          onCancel={() => setBatch(null)}
          onConfirm={async (why) => {
            const out = await stepUp.run(() => inbox.decide(batch.items.map(({ kind: k, id }) => ({ kind: k, id })), batch.decision, why));
            const failed = out.filter((r) => !r.ok);
            toast(t('inbox.result', { ok: out.length - failed.length, failed: failed.length }), failed.length ? 'error' : 'info');
            for (const f of failed) toast(`${batch.items.find((i) => i.kind === f.kind && i.id === f.id)?.title ?? f.id}: ${t(`errors.${f.error?.code ?? 'UNKNOWN'}`, { defaultValue: f.error?.message ?? t('errors.UNKNOWN') })}`, 'error');
            setBatch(null);
            await done();
          }}
        />
      )}
      {stepUp.dialog}
    </section>
  );
}
