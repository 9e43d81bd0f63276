// Brief and Q&A: Generate / Regenerate (each a new version; a version picker), progress while
// it is written, each insight or answer with its citation chips, flagged insights apart.
import { useTranslation } from 'react-i18next';
import { fmtDateTime } from '../../lib/format';
import { ErrorText, Loading } from '../../ui/feedback';
import type { BriefContent, NotebookDetail, Output, OutputKind, QaContent } from './api';
import { ClaimText, citationNumbers } from './Citations';
import { useOutput } from './useOutput';

export function OutputControls({ nb, kind, o }: { nb: NotebookDetail; kind: OutputKind; o: ReturnType<typeof useOutput> }) {
  const { t, i18n } = useTranslation();
  return (
    <div className="row kn-out-bar">
      <button type="button" className="btn-primary" disabled={o.waiting || nb.parsed === 0} onClick={() => void o.generate()} data-testid={`generate-${kind}`}>
        {o.versions.length > 0 ? t('knowledge.out.regenerate') : t('knowledge.out.generate')}
      </button>
      {o.versions.length > 1 && (
        <div className="field kn-version">
          <label htmlFor={`kn-ver-${kind}`}>{t('knowledge.out.version')}</label>
          <select id={`kn-ver-${kind}`} value={o.id ?? ''} onChange={(e) => o.pick(e.target.value)}>
            {o.versions.map((v) => <option key={v.id} value={v.id}>{t('knowledge.out.versionN', { n: v.version })}{v.created_at ? ` · ${fmtDateTime(v.created_at, i18n.language)}` : ''}</option>)}
          </select>
        </div>
      )}
      {nb.parsed === 0 && <span className="muted small">{t('knowledge.out.noParsed')}</span>}
    </div>
  );
}

/** Queued/running progress, failure, or nothing yet; null when the output is ready. */
export function OutputState({ o }: { o: ReturnType<typeof useOutput> }) {
  const { t } = useTranslation();
  if (!o.loaded) return o.listError ? <ErrorText error={o.listError} /> : <Loading />;
  if (!o.id) return <p className="empty">{t('knowledge.out.none')}</p>;
  const c: Output | undefined = o.current;
  if (!c) return <Loading />;
  if (c.status === 'queued' || c.status === 'running') {
    const pct = Math.round((c.progress ?? 0) * 100);
    return (
      <div className="stack" role="status">
        <span>{c.status === 'queued' ? t('knowledge.out.queued') : t('knowledge.out.running', { pct })}</span>
        <span className="progress" role="progressbar" aria-label={t('knowledge.out.progress')} aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100}><span style={{ width: `${pct}%` }} /></span>
      </div>
    );
  }
  if (c.status === 'failed') return <div className="alert" role="alert">{t('knowledge.out.failed')} {c.error?.message ?? ''}</div>;
  return null;
}

export function OutputTab({ nb, kind }: { nb: NotebookDetail; kind: 'brief' | 'qa' }) {
  const o = useOutput(nb.id, kind);
  const ready = o.current?.status === 'ready' ? o.current : undefined;
  return (
    <>
      <OutputControls nb={nb} kind={kind} o={o} />
      <ErrorText error={o.error} />
      <OutputState o={o} />
      {ready && kind === 'brief' && <Brief nb={nb} out={ready} />}
      {ready && kind === 'qa' && <Qa nb={nb} out={ready} />}
    </>
  );
}

function Meta({ out }: { out: Output }) {
  const { t } = useTranslation();
  return out.provider && out.provider !== 'offline' ? <p className="muted small">{t('knowledge.out.by', { provider: out.provider, ms: out.ms ?? 0 })}</p> : null;
}

function Notes({ mode, notes }: { mode: string; notes: string[] }) {
  const { t } = useTranslation();
  return (
    <>
      {/* The server's notes are in English; the offline mode's is said here in the reader's language. */}
      {mode === 'extractive' ? <p className="muted small" data-testid="extractive-note">{t('knowledge.ask.extractive')}</p> : notes.map((n, i) => <p key={i} className="muted small">{n}</p>)}
    </>
  );
}

function Brief({ nb, out }: { nb: NotebookDetail; out: Output }) {
  const { t } = useTranslation();
  const b = out.content as BriefContent;
  const numbers = citationNumbers([...b.insights, ...b.flagged]);
  return (
    <article className="glass panel stack" aria-labelledby="kn-brief" data-testid="brief">
      <h2 id="kn-brief" className="kn-h2">{b.title || t('knowledge.tab.brief')}</h2>
      <h3 className="kn-h3">{t('knowledge.out.insights')}</h3>
      <ol className="kn-claims" data-testid="insights">{b.insights.map((c, i) => <li key={i}><ClaimText claim={c} notebookId={nb.id} numbers={numbers} /></li>)}</ol>
      {b.flagged.length > 0 && (
        <section className="kn-flagged stack" aria-labelledby="kn-flagged" data-testid="flagged">
          <h3 id="kn-flagged" className="kn-h3">{t('knowledge.out.flagged')}</h3>
          <ul className="kn-claims">{b.flagged.map((c, i) => <li key={i}><ClaimText claim={c} notebookId={nb.id} numbers={numbers} /></li>)}</ul>
        </section>
      )}
      <Notes mode={b.mode} notes={b.notes ?? []} />
      <Meta out={out} />
    </article>
  );
}

function Qa({ nb, out }: { nb: NotebookDetail; out: Output }) {
  const { t } = useTranslation();
  const q = out.content as QaContent;
  const numbers = citationNumbers(q.pairs.map((p) => p.answer));
  return (
    <article className="glass panel stack" aria-label={t('knowledge.tab.qa')} data-testid="qa">
      <dl className="kn-qa">
        {q.pairs.map((p, i) => (
          <div key={i}><dt>{p.question}</dt><dd><ClaimText claim={p.answer} notebookId={nb.id} numbers={numbers} /></dd></div>
        ))}
      </dl>
      <Notes mode={q.mode} notes={q.notes ?? []} />
      <Meta out={out} />
    </article>
  );
}
