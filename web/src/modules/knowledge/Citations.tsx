// Numbered citation chips: each links to its passage and shows it (quote, document, page) in a
// tooltip on hover and on keyboard focus; Escape hides it.
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import { passageHref, type Citation } from './api';

export function CitationChip({ c, n, notebookId }: { c: Citation; n: number; notebookId: string }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const id = useId();
  return (
    <span className="kn-cite" onMouseEnter={() => setOpen(true)} onMouseLeave={() => setOpen(false)}>
      <Link
        href={passageHref(notebookId, c.source_id, c.chunk_id)} className="kn-chip" aria-label={t('knowledge.cite.label', { n, source: c.source_name })}
        aria-describedby={id} data-testid="citation" onFocus={() => setOpen(true)} onBlur={() => setOpen(false)}
        onKeyDown={(e) => e.key === 'Escape' && setOpen(false)}
      >{n}</Link>
      <span id={id} role="tooltip" className="kn-tip glass" hidden={!open} data-testid="citation-tip">
        <q>{c.quote}</q>
        <span className="muted small">{c.source_name}{c.page !== null ? ` · ${t('knowledge.cite.page', { n: c.page })}` : ''}{c.section ? ` · ${c.section}` : ''}</span>
      </span>
    </span>
  );
}

/** One number per cited passage across a list of claims, in order of first citation. */
export function citationNumbers(claims: ReadonlyArray<{ citations: Citation[] }>): Map<string, number> {
  const out = new Map<string, number>();
  for (const c of claims) for (const x of c.citations) if (!out.has(x.chunk_id)) out.set(x.chunk_id, out.size + 1);
  return out;
}

/** A claim followed by the chips of its citations (numbered by `numbers`). */
export function ClaimText({ claim, notebookId, numbers }: { claim: { text: string; citations: Citation[] }; notebookId: string; numbers: Map<string, number> }) {
  const seen = new Set<string>();
  const cites = claim.citations.filter((c) => !seen.has(c.chunk_id) && seen.add(c.chunk_id));
  return (
    <>
      {claim.text}{' '}
      {cites.map((c) => <CitationChip key={c.chunk_id} c={c} n={numbers.get(c.chunk_id) ?? 0} notebookId={notebookId} />)}
    </>
  );
}
