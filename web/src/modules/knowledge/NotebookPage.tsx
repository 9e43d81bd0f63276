// One notebook: its header (rename inline, tags, archive with a why) and tabs Sources · Ask ·
// Brief · Q&A · Source map (?tab=). While a source is queued or being read the page polls the
// notebook every second (not while the tab is hidden); the live stream's academy diffs refresh it.
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useParams, useSearch } from 'wouter';
import { useDebounced, useQuery } from '../../lib/query';
import { useLive } from '../../live';
import { ErrorText, Loading, useToast } from '../../ui/feedback';
import { WhyDialog } from '../../ui/WhyDialog';
import { isBusy, knowledge, type NotebookDetail } from './api';
import { AskTab } from './Ask';
import { OutputTab } from './Outputs';
import { SourceMapTab } from './SourceMap';
import { SourcesTab } from './Sources';
import './knowledge.css';

const TABS = ['sources', 'ask', 'brief', 'qa', 'source_map'] as const;
type Tab = (typeof TABS)[number];

/** Polls `reload` every `ms` while `active`, skipping ticks while the tab is hidden. */
function usePollWhile(active: boolean, reload: () => Promise<void>, ms = 1000): void {
  useEffect(() => {
    if (!active) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const tick = async () => {
      if (document.visibilityState !== 'hidden') await reload().catch(() => {});
      if (!stopped) timer = setTimeout(() => void tick(), ms);
    };
    timer = setTimeout(() => void tick(), ms);
    return () => { stopped = true; clearTimeout(timer); };
  }, [active, reload, ms]);
}

export default function NotebookPage() {
  const { t } = useTranslation();
  const { id } = useParams<{ id: string }>();
  const [, navigate] = useLocation();
  const asked = new URLSearchParams(useSearch()).get('tab') as Tab | null;
  const tab: Tab = asked && TABS.includes(asked) ? asked : 'sources';
  const q = useQuery(() => knowledge.get(id), [id]);
  const busy = (q.data?.source_list ?? []).some(isBusy);
  usePollWhile(busy, q.reload);
  const reload = useDebounced(() => void q.reload(), 500);
  useLive((d) => d.namespace === 'academy' && reload());
  if (!q.data) return q.error ? <ErrorText error={q.error} onRetry={() => void q.reload()} /> : <Loading />;
  const nb = q.data;
  const go = (k: Tab) => navigate(`/knowledge/notebooks/${encodeURIComponent(id)}?tab=${k}`, { replace: true });
  const onTabKey = (e: React.KeyboardEvent, i: number) => {
    const next = e.key === 'ArrowRight' ? i + 1 : e.key === 'ArrowLeft' ? i - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? TABS.length - 1 : null;
    if (next === null) return;
    e.preventDefault();
    const k = TABS[(next + TABS.length) % TABS.length]!;
    go(k);
    document.getElementById(`kn-tab-${k}`)?.focus();
  };
  return (
    <div className="stack">
      <Link href="/knowledge">← {t('knowledge.back')}</Link>
      <Header nb={nb} onSaved={() => void q.reload()} />
      <div className="tabs" role="tablist" aria-label={t('knowledge.tabs')}>
        {TABS.map((k, i) => (
          <button key={k} type="button" role="tab" id={`kn-tab-${k}`} aria-selected={tab === k} aria-controls="kn-panel" tabIndex={tab === k ? 0 : -1}
            onClick={() => go(k)} onKeyDown={(e) => onTabKey(e, i)}>
            {t(`knowledge.tab.${k}`)}
          </button>
        ))}
      </div>
      <div id="kn-panel" role="tabpanel" aria-labelledby={`kn-tab-${tab}`} className="stack">
        {tab === 'sources' && <SourcesTab nb={nb} onChange={() => void q.reload()} />}
        {tab === 'ask' && <AskTab nb={nb} />}
        {tab === 'brief' && <OutputTab nb={nb} kind="brief" />}
        {tab === 'qa' && <OutputTab nb={nb} kind="qa" />}
        {tab === 'source_map' && <SourceMapTab nb={nb} />}
      </div>
    </div>
  );
}

function Header({ nb, onSaved }: { nb: NotebookDetail; onSaved: () => void }) {
  const { t } = useTranslation();
  const toast = useToast();
  const [, navigate] = useLocation();
  const [editing, setEditing] = useState<'name' | 'tags' | null>(null);
  const [name, setName] = useState(nb.name);
  const [tags, setTags] = useState(nb.tags.join(', '));
  const [archiving, setArchiving] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const save = async (patch: { name?: string; tags?: string[] }) => {
    setError(null);
    try { await knowledge.update(nb.id, patch); setEditing(null); onSaved(); } catch (err) { setError(err); }
  };
  const cancel = () => { setEditing(null); setName(nb.name); setTags(nb.tags.join(', ')); };
  return (
    <div className="stack kn-nb-head">
      {editing === 'name' ? (
        <form className="row kn-inline" onSubmit={(e) => { e.preventDefault(); void save({ name: name.trim() }); }}>
          <label htmlFor="kn-rename" className="sr-only">{t('knowledge.renameLabel')}</label>
          <input id="kn-rename" value={name} maxLength={200} required autoFocus onChange={(e) => setName(e.target.value)} onKeyDown={(e) => e.key === 'Escape' && cancel()} />
          <button type="submit" className="btn-primary">{t('knowledge.save')}</button>
          <button type="button" onClick={cancel}>{t('knowledge.cancel')}</button>
        </form>
      ) : (
        <div className="page-head row kn-head">
          <h1>{nb.name}</h1>
          <div className="row">
            <button type="button" className="btn-sm" onClick={() => setEditing('name')}>{t('knowledge.rename')}</button>
            <button type="button" className="btn-sm" onClick={() => setArchiving(true)}>{t('knowledge.archive')}</button>
          </div>
        </div>
      )}
      {nb.description && <p className="muted">{nb.description}</p>}
      {editing === 'tags' ? (
        <form className="row kn-inline" onSubmit={(e) => { e.preventDefault(); void save({ tags: tags.split(',').map((x) => x.trim()).filter(Boolean) }); }}>
          <label htmlFor="kn-tags" className="sr-only">{t('knowledge.tags')}</label>
          <input id="kn-tags" value={tags} autoFocus placeholder={t('knowledge.tags')} onChange={(e) => setTags(e.target.value)} onKeyDown={(e) => e.key === 'Escape' && cancel()} />
          <button type="submit" className="btn-primary">{t('knowledge.save')}</button>
          <button type="button" onClick={cancel}>{t('knowledge.cancel')}</button>
        </form>
      ) : (
        <div className="row kn-tags-row">
          {nb.tags.length > 0 ? <ul className="kn-tags" aria-label={t('knowledge.tags')}>{nb.tags.map((x) => <li key={x} className="chip">{x}</li>)}</ul> : <span className="muted small">{t('knowledge.noTags')}</span>}
          <button type="button" className="btn-sm btn-ghost" onClick={() => setEditing('tags')}>{t('knowledge.editTags')}</button>
        </div>
      )}
      <ErrorText error={error} />
      {archiving && (
        <WhyDialog title={t('knowledge.archiveTitle', { name: nb.name })} description={t('knowledge.archiveBody')} confirmLabel={t('knowledge.archive')}
          onCancel={() => setArchiving(false)}
          onConfirm={async (why) => { await knowledge.archive(nb.id, why); toast(t('knowledge.archived')); navigate('/knowledge'); }} />
      )}
    </div>
  );
}
