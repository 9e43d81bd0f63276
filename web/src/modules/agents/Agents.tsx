// Agents: the gallery (enable a built-in agent; value slots come with the value module) and the
// roster (status, last/next heartbeat, budget used, proposals waiting, wake now).
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import { fmtRelative } from '../../lib/format';
import { useDebounced, useQuery } from '../../lib/query';
import { useLive } from '../../live';
import { ErrorText, Loading, useToast } from '../../ui/feedback';
import { agents, type Agent, type GalleryItem } from './api';
import { BudgetBar, StatusChip, WakeButton } from './Wake';

export default function Agents() {
  const { t } = useTranslation();
  const list = useQuery(() => agents.list(), []);
  const gallery = useQuery(() => agents.gallery(), []);
  const reload = useDebounced(() => void list.reload(), 800);
  useLive((d) => d.namespace === 'agents' && reload());
  const enabled = new Set((list.data ?? []).map((a) => a.template).filter(Boolean));
  return (
    <div className="stack">
      <div className="page-head"><h1>{t('agents.title')}</h1></div>
      <p className="muted">{t('agents.hint')}</p>
      <section className="stack" aria-labelledby="agents-roster">
        <h2 id="agents-roster" style={{ fontSize: 17 }}>{t('agents.roster')}</h2>
        {!list.data ? (list.error ? <ErrorText error={list.error} onRetry={() => void list.reload()} /> : <Loading />) : list.data.length === 0 ? (
          <p className="empty glass panel">{t('agents.none')}</p>
        ) : (
          <ul className="agent-grid" data-testid="agent-roster">{list.data.map((a) => <RosterCard key={a.id} a={a} onChange={reload} />)}</ul>
        )}
      </section>
      <section className="stack" aria-labelledby="agents-gallery">
        <h2 id="agents-gallery" style={{ fontSize: 17 }}>{t('agents.gallery')}</h2>
        {!gallery.data ? (gallery.error ? <ErrorText error={gallery.error} /> : <Loading />) : (
          <ul className="agent-grid" data-testid="agent-gallery">
            {gallery.data.map((g) => <GalleryCard key={g.key} g={g} on={enabled.has(g.key)} onEnabled={() => void list.reload()} />)}
          </ul>
        )}
      </section>
    </div>
  );
}

export function Avatar({ a }: { a: { avatar: string; colour: string; name: string } }) {
  return <span className="agent-avatar" aria-hidden="true" style={{ background: a.colour }}>{a.avatar || a.name.slice(0, 1)}</span>;
}

function RosterCard({ a, onChange }: { a: Agent; onChange: () => void }) {
  const { t, i18n } = useTranslation();
  const rel = (iso: string | null) => (iso ? fmtRelative(iso, i18n.language) : t('agents.never'));
  return (
    <li className="glass panel stack" data-agent={a.id} aria-labelledby={`ag-${a.id}`}>
      <div className="row" style={{ gap: 10 }}>
        <Avatar a={a} />
        <h3 id={`ag-${a.id}`} style={{ fontSize: 16, margin: 0 }}><Link href={`/agents/${encodeURIComponent(a.id)}`}>{a.name}</Link></h3>
        <StatusChip status={a.status} />
      </div>
      <dl className="agent-facts small">
        <dt>{t('agents.lastBeat')}</dt><dd>{rel(a.heartbeat.last_wake_at)}</dd>
        <dt>{t('agents.nextBeat')}</dt><dd>{rel(a.heartbeat.next_wake_at)}</dd>
        <dt>{t('agents.budget')}</dt><dd><BudgetBar percent={a.budget.percent} /></dd>
        <dt>{t('agents.waiting')}</dt><dd>{a.proposals_waiting > 0 ? <Link href={`/approvals?agent=${encodeURIComponent(a.id)}`}>{a.proposals_waiting}</Link> : 0}</dd>
      </dl>
      <WakeButton id={a.id} name={a.name} onWoken={onChange} />
    </li>
  );
}

function GalleryCard({ g, on, onEnabled }: { g: GalleryItem; on: boolean; onEnabled: () => void }) {
  const { t } = useTranslation();
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  return (
    <li className="glass panel stack" data-template={g.key} aria-labelledby={`gal-${g.key}`}>
      <div className="row" style={{ gap: 10 }}>
        <Avatar a={g} />
        <h3 id={`gal-${g.key}`} style={{ fontSize: 16, margin: 0 }}>{g.name}</h3>
      </div>
      <p className="small" style={{ margin: 0 }}>{g.summary}</p>
      {g.slot ? <span className="muted small">{t('agents.slot')}</span> : null}
      <ErrorText error={error} />
      <button
        type="button" className={g.slot || on ? '' : 'btn-primary'} disabled={g.slot || on || busy} aria-label={`${t('agents.enable')} — ${g.name}`}
        onClick={async () => {
          setBusy(true); setError(null);
          try { await agents.enable(g.key); toast(t('agents.enabledToast', { name: g.name })); onEnabled(); } catch (err) { setError(err); } finally { setBusy(false); }
        }}
      >{on ? t('agents.enabled') : t('agents.enable')}</button>
    </li>
  );
}
