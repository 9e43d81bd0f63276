// Knowledge: the notebooks (counts, a filter, "New notebook", a guiding empty state) and a search
// across every notebook with highlighted snippets linking to the cited passage.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation } from 'wouter';
import { fmtRelative } from '../../lib/format';
import { useDebounced, useQuery } from '../../lib/query';
import { useLive } from '../../live';
import { ErrorText, Loading, useToast } from '../../ui/feedback';
import { knowledge, passageHref, type Hit, type Notebook } from './api';
import { Snippet } from './Snippet';
import './knowledge.css';

export default function Notebooks() {
  const { t } = useTranslation();
  const list = useQuery(() => knowledge.list(), []);
  const [filter, setFilter] = useState('');
  const [creating, setCreating] = useState(false);
  const reload = useDebounced(() => void list.reload(), 800);
  useLive((d) => d.namespace === 'academy' && reload());
  const f = filter.trim().toLowerCase();
  const shown = (list.data ?? []).filter((n) => !f || `${n.name} ${n.description} ${n.tags.join(' ')}`.toLowerCase().includes(f));
  return (
    <div className="stack">
      <div className="page-head row kn-head">
        <h1>{t('knowledge.title')}</h1>
        {!creating && list.data && list.data.length > 0 && <button type="button" className="btn-primary" onClick={() => setCreating(true)}>{t('knowledge.newNotebook')}</button>}
      </div>
      <p className="muted">{t('knowledge.hint')}</p>
      {creating && <NewNotebook onCancel={() => setCreating(false)} />}
      {!list.data ? (list.error ? <ErrorText error={list.error} onRetry={() => void list.reload()} /> : <Loading />) : list.data.length === 0 ? (
        !creating && <EmptyState onCreate={() => setCreating(true)} />
      ) : (
        <>
          <SearchAll />
          <section className="stack" aria-labelledby="kn-list">
            <div className="row kn-head">
              <h2 id="kn-list" className="kn-h2">{t('knowledge.notebooks')}</h2>
              <div className="field kn-filter">
                <label htmlFor="kn-filter" className="sr-only">{t('knowledge.filter')}</label>
                <input id="kn-filter" type="search" placeholder={t('knowledge.filter')} value={filter} onChange={(e) => setFilter(e.target.value)} />
              </div>
            </div>
            {shown.length === 0 ? <p className="empty">{t('knowledge.none')}</p> : (
              <ul className="kn-grid" data-testid="notebooks">{shown.map((n) => <NotebookCard key={n.id} n={n} />)}</ul>
            )}
          </section>
        </>
      )}
    </div>
  );
}

function EmptyState({ onCreate }: { onCreate: () => void }) {
  const { t } = useTranslation();
  return (
    <section className="glass panel stack kn-empty" aria-labelledby="kn-empty">
      <h2 id="kn-empty" className="kn-h2">{t('knowledge.emptyTitle')}</h2>
      <p>{t('knowledge.emptyBody')}</p>
      <div><button type="button" className="btn-primary" onClick={onCreate}>{t('knowledge.emptyAction')}</button></div>
    </section>
  );
}

function NotebookCard({ n }: { n: Notebook }) {
  const { t, i18n } = useTranslation();
  return (
    <li className="glass panel stack kn-card" data-notebook={n.id} aria-labelledby={`nb-${n.id}`}>
      <h3 id={`nb-${n.id}`} className="kn-h3"><Link href={`/knowledge/notebooks/${encodeURIComponent(n.id)}`}>{n.name}</Link></h3>
      {n.description && <p className="small kn-clip">{n.description}</p>}
      <p className="muted small">
        {t('knowledge.counts', { sources: n.sources, parsed: n.parsed, chunks: n.chunks })}
        {n.failed > 0 && <> · <span className="kn-bad">{t('knowledge.failedCount', { n: n.failed })}</span></>}
      </p>
      {n.tags.length > 0 && <ul className="kn-tags" aria-label={t('knowledge.tags')}>{n.tags.map((x) => <li key={x} className="chip">{x}</li>)}</ul>}
      <span className="muted small">{t('knowledge.updated', { when: fmtRelative(n.updated_at, i18n.language) })}</span>
    </li>
  );
}

function NewNotebook({ onCancel }: { onCancel: () => void }) {
  const { t } = useTranslation();
  const toast = useToast();
  const [, navigate] = useLocation();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form className="glass panel form" aria-labelledby="kn-new" onSubmit={async (e) => {
      e.preventDefault(); setBusy(true); setError(null);
      try {
        const nb = await knowledge.create({ name: name.trim(), ...(description.trim() && { description: description.trim() }) });
        toast(t('knowledge.created', { name: nb.name }));
        navigate(`/knowledge/notebooks/${encodeURIComponent(nb.id)}`);
      } catch (err) { setError(err); setBusy(false); }
    }}>
      <h2 id="kn-new" className="kn-h2">{t('knowledge.newNotebook')}</h2>
      <div className="field"><label htmlFor="kn-name">{t('knowledge.name')}</label><input id="kn-name" required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} autoFocus /></div>
      <div className="field"><label htmlFor="kn-desc">{t('knowledge.description')}</label><textarea id="kn-desc" rows={3} maxLength={2000} value={description} onChange={(e) => setDescription(e.target.value)} /></div>
      <ErrorText error={error} />
      <div className="row">
        <button type="submit" className="btn-primary" disabled={busy || !name.trim()}>{t('knowledge.create')}</button>
        <button type="button" onClick={onCancel}>{t('knowledge.cancel')}</button>
      </div>
    </form>
  );
}

function SearchAll() {
  const { t } = useTranslation();
  const [q, setQ] = useState('');
  const [asked, setAsked] = useState('');
  const [hits, setHits] = useState<Hit[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  return (
    <section className="stack" aria-labelledby="kn-search-h">
      <h2 id="kn-search-h" className="sr-only">{t('knowledge.search')}</h2>
      <form role="search" className="row kn-search" onSubmit={async (e) => {
        e.preventDefault();
        const query = q.trim();
        if (!query) return;
        setBusy(true); setError(null);
        try { setHits((await knowledge.search(query)).hits); setAsked(query); } catch (err) { setError(err); } finally { setBusy(false); }
      }}>
        <label htmlFor="kn-search" className="sr-only">{t('knowledge.search')}</label>
        <input id="kn-search" type="search" placeholder={t('knowledge.search')} value={q} onChange={(e) => setQ(e.target.value)} />
        <button type="submit" disabled={busy}>{t('knowledge.searchButton')}</button>
      </form>
      <ErrorText error={error} />
      {hits && (hits.length === 0 ? <p className="empty" role="status">{t('knowledge.noHits', { q: asked })}</p> : (
        <ol className="list kn-hits" aria-label={t('knowledge.results')} data-testid="search-hits">
          {hits.map((h) => (
            <li key={h.chunk_id}>
              <Link href={passageHref(h.notebook_id, h.source_id, h.chunk_id)} className="kn-hit-link"><Snippet segments={h.snippet} /></Link>
              <div className="muted small">{t('knowledge.hitIn', { notebook: h.notebook_name, source: h.source_name })}{h.page !== null ? ` · ${t('knowledge.pageN', { n: h.page })}` : ''}</div>
            </li>
          ))}
        </ol>
      ))}
    </section>
  );
}
