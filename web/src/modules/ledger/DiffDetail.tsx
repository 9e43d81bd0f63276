// One diff: before/after side by side with the changed fields marked, its whys (add one,
// with sentiment), the causation chain, and a way to replay its entity.
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import type { Diff, Sentiment } from '../../../../sdk/src/index.js';
import { api } from '../../api';
import { useActorName, useSession } from '../../app/session';
import { fieldChanges, showValue } from '../../lib/diffs';
import { fmtDateTime } from '../../lib/format';
import { useQuery } from '../../lib/query';
import { ErrorText, Loading } from '../../ui/feedback';
import { SentimentPicker } from '../../ui/WhyDialog';

export function DiffViewer({ diff }: { diff: Diff }) {
  const { t } = useTranslation();
  const rows = fieldChanges(diff.before, diff.after);
  if (rows.length === 0) return <p className="empty">{t('audit.noFields')}</p>;
  return (
    <div className="diff-grid" role="table" aria-label={t('audit.diffViewer')}>
      <div role="row" style={{ display: 'contents' }}>
        <div role="columnheader" className="head key-head hide-mobile">{t('audit.field')}</div>
        <div role="columnheader" className="head">{t('audit.before')}</div>
        <div role="columnheader" className="head">{t('audit.after')}</div>
      </div>
      {rows.map((r) => (
        <div role="row" key={r.key} style={{ display: 'contents' }} data-changed={r.changed}>
          <div role="rowheader" className={`key ${r.changed ? 'changed' : ''}`}>
            {t(`fields.${r.key}`, { defaultValue: r.key })}
            {r.changed && <span className="sr-only"> ({t('audit.changed')})</span>}
          </div>
          <div role="cell" className={r.changed ? 'changed' : ''}>{showValue(r.before)}</div>
          <div role="cell" className={r.changed ? 'changed' : ''}>{showValue(r.after)}</div>
        </div>
      ))}
    </div>
  );
}

function CausationChain({ diff }: { diff: Diff }) {
  const { t } = useTranslation();
  const actorName = useActorName();
  const [chain, setChain] = useState<Diff[]>([]);
  useEffect(() => {
    let cancelled = false;
    (async () => {
      const out: Diff[] = [];
      let next = diff.causation_id;
      while (next && out.length < 10) {
        try {
          const d = await api.diffs.get(next);
          out.push(d);
          next = d.causation_id;
        } catch {
          break;
        }
      }
      if (!cancelled) setChain(out);
    })();
    return () => {
      cancelled = true;
    };
  }, [diff.causation_id]);
  return (
    <section aria-labelledby="cause-h">
      <h3 id="cause-h">{t('audit.causation')}</h3>
      <ol className="list small">
        <li>
          {t('audit.causedBy', { actor: actorName(diff.actor, t), type: t(`actorType.${diff.actor.type}`) })}
        </li>
        {chain.map((c) => (
          <li key={c.id}>
            ↳ <Link href={`/audit?diff=${c.id}`}>{t(`events.${c.event}`, { defaultValue: c.event })}</Link> · {actorName(c.actor, t)} ({t(`actorType.${c.actor.type}`)})
          </li>
        ))}
        {diff.correlation_id && <li className="muted">{t('audit.correlation', { id: diff.correlation_id })}</li>}
      </ol>
    </section>
  );
}

export function DiffDetail({ id, onReplay }: { id: string; onReplay: (d: Diff) => void }) {
  const { t, i18n } = useTranslation();
  const { can, names } = useSession();
  const actorName = useActorName();
  const q = useQuery(() => api.diffs.get(id), [id]);
  const [why, setWhy] = useState('');
  const [sentiment, setSentiment] = useState<Sentiment>(0);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const diff = q.data;
  if (!diff) return q.error ? <ErrorText error={q.error} /> : <Loading />;

  const add = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!why.trim()) return setError(null);
    setBusy(true);
    setError(null);
    try {
      await api.diffs.annotate(id, why.trim(), sentiment);
      setWhy('');
      await q.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <article className="stack" aria-labelledby="diff-h" data-testid="diff-detail">
      <div>
        <h2 id="diff-h">{t(`events.${diff.event}`, { defaultValue: diff.event })} <span className="muted small mono">{diff.id}</span></h2>
        <div className="muted small">
          {diff.namespace} · {diff.entity_type} <span className="mono">{diff.entity_id}</span> · {actorName(diff.actor, t)} · {fmtDateTime(diff.created_at, i18n.language)}
        </div>
      </div>
      <DiffViewer diff={diff} />
      <div className="row">
        <button type="button" onClick={() => onReplay(diff)}>{t('audit.replayEntity')}</button>
      </div>
      <section aria-labelledby="why-h">
        <h3 id="why-h">{t('audit.whys')}</h3>
        {diff.annotations.length === 0 ? (
          <p className="empty">{t('audit.noWhys')}</p>
        ) : (
          <ol className="list">
            {diff.annotations.map((a) => (
              <li key={a.id}>
                <div className="why">“{a.why}”</div>
                <div className="muted small">
                  {names.get(a.author_id) ?? t(`actor.${a.author?.type ?? 'user'}`, { defaultValue: '' })} · {t(`sentiment.${a.sentiment === 1 ? 'positive' : a.sentiment === -1 ? 'negative' : 'neutral'}`)} · {fmtDateTime(a.created_at, i18n.language)}
                </div>
              </li>
            ))}
          </ol>
        )}
        {can('write') && (
          <form className="form" onSubmit={add} style={{ marginTop: 8 }}>
            <div className="field">
              <label htmlFor="add-why">{t('audit.addWhy')}</label>
              <textarea id="add-why" value={why} onChange={(e) => setWhy(e.target.value)} maxLength={5000} />
            </div>
            <SentimentPicker value={sentiment} onChange={setSentiment} name="add-why-sentiment" />
            <ErrorText error={error} />
            <div><button type="submit" className="btn-primary" disabled={busy || !why.trim()}>{t('audit.addWhyButton')}</button></div>
          </form>
        )}
      </section>
      <CausationChain diff={diff} />
    </article>
  );
}
