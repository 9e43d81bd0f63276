// The audit log: every diff, filtered (namespace, entity, actor, event, time range) or found
// by its whys (full-text search), with the diff viewer, whys, causation and replay; export
// as CSV or JSONL with the same filters.
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useLocation, useSearch } from 'wouter';
import type { AnnotationHit, Diff, DiffFilters } from '../../../../sdk/src/index.js';
import { api } from '../../api';
import { useActorName, useSession } from '../../app/session';
import { entityName, firstWhy } from '../../lib/diffs';
import { fmtDateTime } from '../../lib/format';
import { useNames } from '../../lib/names';
import { useDebounced } from '../../lib/query';
import { useLive } from '../../live';
import { ErrorText, Loading } from '../../ui/feedback';
import { DiffDetail } from './DiffDetail';
import { Replay } from './Replay';

const FILTER_KEYS = ['namespace', 'entity_type', 'entity_id', 'event', 'actor_id', 'since', 'until'] as const;
const toIso = (local: string) => (local ? new Date(local).toISOString() : undefined);

export default function Audit() {
  const { t, i18n } = useTranslation();
  const { members, names: people } = useSession();
  const actorName = useActorName();
  const [, navigate] = useLocation();
  const params = new URLSearchParams(useSearch());
  const tab = params.get('tab') === 'replay' ? 'replay' : 'log';
  const selected = params.get('diff');
  const workflowId = params.get('workflow');
  const q = params.get('q') ?? '';
  const filters: DiffFilters = {};
  for (const k of FILTER_KEYS) {
    const v = params.get(k);
    if (v) filters[k] = k === 'since' || k === 'until' ? toIso(v) : v;
  }
  const filterKey = JSON.stringify({ filters, workflowId, q });
  const [draft, setDraft] = useState<Record<string, string>>({});
  useEffect(() => {
    setDraft(Object.fromEntries([...FILTER_KEYS, 'q'].map((k) => [k, params.get(k) ?? ''])));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [filterKey]);

  const [items, setItems] = useState<Diff[]>([]);
  const [hits, setHits] = useState<AnnotationHit[] | null>(null);
  const [cursor, setCursor] = useState<string | undefined>();
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [workflowName, setWorkflowName] = useState('');

  const load = async (from?: string) => {
    setLoading(true);
    setError(null);
    try {
      if (q) {
        setHits(await api.annotations.search(q, 100));
        setItems([]);
        setCursor(undefined);
      } else {
        setHits(null);
        const page = workflowId ? await api.work.versions(workflowId, { limit: 50, cursor: from }) : await api.diffs.list({ ...filters, limit: 50, cursor: from });
        setItems((xs) => (from ? [...xs, ...page.items] : page.items));
        setCursor(page.nextCursor);
      }
    } catch (err) {
      setError(err);
    } finally {
      setLoading(false);
    }
  };
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => void load(), [filterKey]);
  useEffect(() => {
    if (workflowId) api.work.get(workflowId).then((w) => setWorkflowName(w.name), () => setWorkflowName(workflowId));
  }, [workflowId]);
  useEffect(() => {
    // On a phone the detail sits below the list: bring it into view.
    if (selected && window.innerWidth < 820) document.getElementById('audit-detail')?.scrollIntoView({ block: 'start' });
  }, [selected]);
  const refresh = useDebounced(() => void load(), 600);
  useLive(() => tab === 'log' && !cursor && refresh());
  const names = useNames(items, people);

  const setParams = (patch: Record<string, string | undefined>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    navigate(`/audit?${next.toString()}`);
  };
  const apply = (e: React.FormEvent) => {
    e.preventDefault();
    setParams({ ...Object.fromEntries(FILTER_KEYS.map((k) => [k, draft[k]])), q: draft.q, diff: undefined });
  };
  const exportQuery = useMemo(() => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(filters)) if (v) p.set(k, v);
    return p.toString();
  }, [filterKey]);
  const replayEntity = tab === 'replay' && params.get('type') && params.get('id') ? { type: params.get('type')!, id: params.get('id')!, at: params.get('at') ?? undefined } : null;
  const field = (k: string, label: string, type = 'text') => (
    <div className="field">
      <label htmlFor={`af-${k}`}>{label}</label>
      <input id={`af-${k}`} type={type} value={draft[k] ?? ''} onChange={(e) => setDraft({ ...draft, [k]: e.target.value })} />
    </div>
  );

  return (
    <div className="stack">
      <div className="page-head">
        <h1>{t('audit.title')}</h1>
        <a className="btn" href={`/v1/export/diffs.csv${exportQuery ? `?${exportQuery}` : ''}`} download>{t('audit.exportCsv')}</a>
        <a className="btn" href={`/v1/export/diffs.jsonl${exportQuery ? `?${exportQuery}` : ''}`} download>{t('audit.exportJsonl')}</a>
      </div>
      <div className="tabs" role="tablist" aria-label={t('audit.title')}>
        <button type="button" role="tab" aria-selected={tab === 'log'} onClick={() => setParams({ tab: undefined })}>{t('audit.logTab')}</button>
        <button type="button" role="tab" aria-selected={tab === 'replay'} onClick={() => setParams({ tab: 'replay' })}>{t('audit.replayTab')}</button>
      </div>

      {tab === 'replay' ? (
        <Replay entity={replayEntity} onPick={(r) => setParams({ tab: 'replay', type: r.type, id: r.id, at: r.at })} />
      ) : (
        <>
          <form className="glass panel stack" onSubmit={apply} aria-label={t('audit.filters')}>
            <div className="grid grid-3">
              {field('q', t('audit.searchWhys'), 'search')}
              <div className="field">
                <label htmlFor="af-namespace">{t('fields.namespace')}</label>
                <select id="af-namespace" value={draft.namespace ?? ''} onChange={(e) => setDraft({ ...draft, namespace: e.target.value })}>
                  <option value="">{t('common.all')}</option>
                  {['flow_os', 'identity', 'ledger'].map((n) => (
                    <option key={n} value={n}>{n}</option>
                  ))}
                </select>
              </div>
              <div className="field">
                <label htmlFor="af-actor">{t('fields.actor')}</label>
                <select id="af-actor" value={draft.actor_id ?? ''} onChange={(e) => setDraft({ ...draft, actor_id: e.target.value })}>
                  <option value="">{t('common.all')}</option>
                  {members.map((m) => (
                    <option key={m.user_id} value={m.user_id}>{m.name}</option>
                  ))}
                </select>
              </div>
            </div>
            <details open={['entity_type', 'entity_id', 'event', 'since', 'until'].some((k) => params.get(k)) || undefined}>
              <summary>{t('audit.more')}</summary>
              <div className="grid grid-3" style={{ marginTop: 10 }}>
                {field('entity_type', t('fields.entity_type'))}
                {field('entity_id', t('fields.entity_id'))}
                {field('event', t('fields.event'))}
                {field('since', t('audit.since'), 'datetime-local')}
                {field('until', t('audit.until'), 'datetime-local')}
              </div>
            </details>
            <div className="row">
              <button type="submit" className="btn-primary">{t('audit.apply')}</button>
              <button type="button" onClick={() => navigate('/audit')}>{t('audit.clear')}</button>
            </div>
          </form>
          {workflowId && (
            <div className="row">
              <span className="chip">
                {t('audit.forWorkflow', { name: workflowName || workflowId })}
                <button type="button" className="btn-sm btn-ghost" onClick={() => setParams({ workflow: undefined })} aria-label={t('audit.clear')}>✕</button>
              </span>
            </div>
          )}
          <ErrorText error={error} onRetry={() => void load()} />
          <div className="grid grid-2" style={{ alignItems: 'start' }}>
            <section className="glass panel" aria-label={t('audit.results')}>
              {loading && items.length === 0 && !hits ? <Loading /> : hits ? (
                hits.length === 0 ? <p className="empty">{t('audit.noHits')}</p> : (
                  <ul className="list">
                    {hits.map((h) => (
                      <li key={h.id}>
                        <a href={`/audit?diff=${h.diff.id}`} onClick={(e) => (e.preventDefault(), setParams({ diff: h.diff.id }))}>
                          {t(`events.${h.diff.event}`, { defaultValue: h.diff.event })} · {h.diff.entity_type}
                        </a>
                        <div className="why">“{h.why}”</div>
                        <div className="muted small">{fmtDateTime(h.created_at, i18n.language)}</div>
                      </li>
                    ))}
                  </ul>
                )
              ) : items.length === 0 ? <p className="empty">{t('audit.none')}</p> : (
                <ul className="list" data-testid="audit-list">
                  {items.map((d) => (
                    <li key={d.id} className={selected === d.id ? 'selected' : ''} style={selected === d.id ? { background: 'color-mix(in srgb, var(--accent) 14%, transparent)' } : undefined}>
                      <a href={`/audit?diff=${d.id}`} aria-current={selected === d.id ? 'true' : undefined} onClick={(e) => (e.preventDefault(), setParams({ diff: d.id }))}>
                        {t(`events.${d.event}`, { defaultValue: d.event })}: {entityName(d, names)}
                      </a>
                      <div className="muted small">{actorName(d.actor, t)} · {fmtDateTime(d.created_at, i18n.language)}</div>
                      {firstWhy(d) && <div className="why">“{firstWhy(d)}”</div>}
                    </li>
                  ))}
                </ul>
              )}
              {cursor && <button type="button" onClick={() => void load(cursor)}>{t('common.loadMore')}</button>}
            </section>
            <section className="glass panel" aria-label={t('audit.detail')} id="audit-detail">
              {selected ? (
                <DiffDetail id={selected} onReplay={(d) => setParams({ tab: 'replay', type: d.entity_type, id: d.entity_id, at: d.created_at, diff: undefined })} />
              ) : (
                <p className="empty">{t('audit.pick')}</p>
              )}
            </section>
          </div>
        </>
      )}
    </div>
  );
}
