// A source's passages in order (page, section); the one in the address's fragment
// (…/sources/:sourceId#chunk_id) is scrolled into view, highlighted and focused.
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'wouter';
import { useQuery } from '../../lib/query';
import { ErrorText, Loading } from '../../ui/feedback';
import { knowledge } from './api';
import './knowledge.css';

const fragment = () => decodeURIComponent(window.location.hash.slice(1));

export default function Passages() {
  const { t } = useTranslation();
  const { id, sourceId } = useParams<{ id: string; sourceId: string }>();
  const source = useQuery(() => knowledge.source(sourceId), [sourceId]);
  const passages = useQuery(() => knowledge.passages(sourceId), [sourceId]);
  const cited = fragment();
  useEffect(() => {
    if (!passages.data || !cited) return;
    const el = document.getElementById(`p-${cited}`);
    el?.scrollIntoView({ block: 'center' });
    el?.focus({ preventScroll: true });
  }, [passages.data, cited]);
  const back = `/knowledge/notebooks/${encodeURIComponent(id)}`;
  return (
    <div className="stack">
      <Link href={back}>← {t('knowledge.passage.back')}</Link>
      <div className="page-head"><h1>{source.data ? source.data.title || source.data.name : t('knowledge.passage.title')}</h1></div>
      <ErrorText error={source.error ?? passages.error} />
      {!passages.data ? (!passages.error && <Loading />) : passages.data.length === 0 ? <p className="empty">{t('knowledge.passage.none')}</p> : (
        <ol className="kn-passages" aria-label={t('knowledge.passage.title')} data-testid="passages">
          {passages.data.map((p) => (
            <li key={p.id} id={`p-${p.id}`} tabIndex={p.id === cited ? -1 : undefined} className={`glass panel${p.id === cited ? ' kn-cited' : ''}`}
              aria-current={p.id === cited ? 'true' : undefined} data-chunk={p.id}>
              <div className="muted small">
                {p.id === cited && <strong className="kn-cited-label">{t('knowledge.passage.cited')} · </strong>}
                {p.page !== null && t('knowledge.pageN', { n: p.page })}{p.section ? `${p.page !== null ? ' · ' : ''}${p.section}` : ''}
              </div>
              <p className={p.kind === 'table' ? 'kn-pre' : undefined}>{p.text}</p>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
