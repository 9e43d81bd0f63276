// A notebook's documents: a drop zone with a file picker (several files; drag and drop, or
// Enter/Space to choose), a web address field, and each source with its status, a progress bar
// while it is read, its error in words with Retry/Remove, and the files an upload refused.
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import { fmtNumber } from '../../lib/format';
import { ErrorText, useToast } from '../../ui/feedback';
import { WhyDialog } from '../../ui/WhyDialog';
import { errorCode } from '../../lib/errors';
import { AtriumError } from '../../api';
import { knowledge, passageHref, type NotebookDetail, type Refused, type Source } from './api';
import { sourceErrorText } from './sourceErrors';

const mb = (bytes: number, lng: string) => `${fmtNumber(Math.round(bytes / 1_048_576), lng)} MB`;

export function SourcesTab({ nb, onChange }: { nb: NotebookDetail; onChange: () => void }) {
  const { t } = useTranslation();
  const [refused, setRefused] = useState<Refused[]>([]);
  return (
    <>
      <DropZone nb={nb} onDone={(r) => { setRefused(r); onChange(); }} />
      {refused.length > 0 && (
        <section className="glass panel stack" aria-labelledby="kn-refused" data-testid="refused">
          <h2 id="kn-refused" className="kn-h2">{t('knowledge.refused')}</h2>
          <ul className="list">{refused.map((r, i) => <li key={`${r.name}-${i}`}><strong>{r.name}</strong> — <span className="kn-bad">{sourceErrorText(r, t)}</span></li>)}</ul>
        </section>
      )}
      <UrlField nb={nb} onAdded={onChange} />
      <section className="stack" aria-labelledby="kn-sources">
        <h2 id="kn-sources" className="kn-h2">{t('knowledge.sourcesTitle')}</h2>
        {nb.source_list.length === 0 ? <p className="empty glass panel">{t('knowledge.noSources')}</p> : (
          <ul className="list glass panel kn-sources" data-testid="sources">{nb.source_list.map((s) => <SourceRow key={s.id} s={s} notebookId={nb.id} onChange={onChange} />)}</ul>
        )}
      </section>
    </>
  );
}

function DropZone({ nb, onDone }: { nb: NotebookDetail; onDone: (refused: Refused[]) => void }) {
  const { t, i18n } = useTranslation();
  const toast = useToast();
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const send = async (files: File[]) => {
    if (files.length === 0) return;
    setBusy(true); setError(null);
    try {
      const out = await knowledge.upload(nb.id, files);
      if (out.sources.length > 0) toast(t('knowledge.uploaded', { n: out.sources.length }));
      onDone(out.refused);
    } catch (err) {
      // One refused file answers with its code: shown beside its name like the others.
      if (err instanceof AtriumError && files.length === 1) onDone([{ name: files[0]!.name, code: errorCode(err), message: err.message }]);
      else setError(err);
    } finally {
      setBusy(false);
      if (input.current) input.current.value = '';
    }
  };
  return (
    <div
      className={`kn-drop glass panel${over ? ' kn-over' : ''}`} data-testid="drop-zone"
      onDragOver={(e) => { e.preventDefault(); setOver(true); }} onDragLeave={() => setOver(false)}
      onDrop={(e) => { e.preventDefault(); setOver(false); void send([...e.dataTransfer.files]); }}
    >
      <p className="kn-drop-title">{t('knowledge.drop')}</p>
      <p className="muted small" id="kn-drop-hint">{t('knowledge.dropHint', { size: mb(nb.limits.max_source_bytes, i18n.language), max: nb.limits.max_sources })}</p>
      <input ref={input} id="kn-files" type="file" multiple className="sr-only" aria-label={t('knowledge.choose')} aria-describedby="kn-drop-hint" data-testid="file-input"
        onChange={(e) => void send([...(e.target.files ?? [])])} tabIndex={-1} />
      <div><button type="button" className="btn-primary" disabled={busy} onClick={() => input.current?.click()} aria-describedby="kn-drop-hint">
        {busy ? t('knowledge.uploading') : t('knowledge.choose')}
      </button></div>
      <ErrorText error={error} />
    </div>
  );
}

function UrlField({ nb, onAdded }: { nb: NotebookDetail; onAdded: () => void }) {
  const { t } = useTranslation();
  const toast = useToast();
  const [url, setUrl] = useState('');
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  const [other, setOther] = useState<unknown>(null);
  return (
    <form className="glass panel form" aria-labelledby="kn-url-h" onSubmit={async (e) => {
      e.preventDefault(); setError(null); setOther(null);
      try { await knowledge.addUrl(nb.id, url.trim()); setUrl(''); toast(t('knowledge.urlAdded')); onAdded(); } catch (err) {
        if (err instanceof AtriumError && err.code !== 'VALIDATION_FAILED') setError({ code: err.code, message: err.message }); else setOther(err);
      }
    }}>
      <h2 id="kn-url-h" className="kn-h2">{t('knowledge.url')}</h2>
      <div className="row kn-inline">
        <label htmlFor="kn-url" className="sr-only">{t('knowledge.urlLabel')}</label>
        <input id="kn-url" type="url" inputMode="url" placeholder="https://" value={url} onChange={(e) => setUrl(e.target.value)} aria-invalid={!!error} />
        <button type="submit" disabled={!url.trim()}>{t('knowledge.addUrl')}</button>
      </div>
      {error && <div className="alert" role="alert">{sourceErrorText(error, t)}</div>}
      <ErrorText error={other} />
    </form>
  );
}

function SourceRow({ s, notebookId, onChange }: { s: Source; notebookId: string; onChange: () => void }) {
  const { t } = useTranslation();
  const toast = useToast();
  const [removing, setRemoving] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const pct = Math.round(s.progress * 100);
  return (
    <li className="stack kn-source" data-source={s.id} data-status={s.status}>
      <div className="row kn-source-head">
        <strong className="kn-clip">{s.title || s.name}</strong>
        <span className={`chip kn-status-${s.status}`} data-testid="source-status">{t(`knowledge.status.${s.status}`)}</span>
      </div>
      <span className="muted small">
        {s.origin === 'url' && s.url ? s.url : s.name}
        {s.pages && s.pages > 1 ? ` · ${t('knowledge.pages', { n: s.pages })}` : ''}{s.status === 'parsed' ? ` · ${t('knowledge.passages', { n: s.chunks })}` : ''}
      </span>
      {(s.status === 'queued' || s.status === 'parsing') && (
        <span className="progress kn-progress" role="progressbar" aria-label={t('knowledge.progress', { name: s.name })} aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100}>
          <span style={{ width: `${pct}%` }} />
        </span>
      )}
      {s.status === 'failed' && s.error && <div className="alert" role="alert">{sourceErrorText(s.error, t)}</div>}
      <ErrorText error={error} />
      <div className="row kn-actions">
        {s.status === 'parsed' && <Link href={passageHref(notebookId, s.id)}>{t('knowledge.open')}</Link>}
        {s.origin === 'upload' && <a href={knowledge.fileUrl(s.id)} download={s.name}>{t('knowledge.download')}</a>}
        {s.status === 'failed' && (
          <button type="button" className="btn-sm" aria-label={`${t('knowledge.retry')} — ${s.name}`}
            onClick={async () => { setError(null); try { await knowledge.retry(s.id); onChange(); } catch (err) { setError(err); } }}>{t('knowledge.retry')}</button>
        )}
        <button type="button" className="btn-sm" aria-label={`${t('knowledge.remove')} — ${s.name}`} onClick={() => setRemoving(true)}>{t('knowledge.remove')}</button>
      </div>
      {removing && (
        <WhyDialog title={t('knowledge.removeTitle', { name: s.name })} description={t('knowledge.removeBody')} confirmLabel={t('knowledge.remove')}
          onCancel={() => setRemoving(false)} onConfirm={async (why) => { await knowledge.remove(s.id, why); setRemoving(false); toast(t('knowledge.removed')); onChange(); }} />
      )}
    </li>
  );
}
