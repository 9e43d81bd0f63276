// The source map: documents as nodes on a circle, edges as wide as their weight and labelled
// with the names they share (plain SVG; a transition only outside low-bandwidth mode), the same
// data as a table for screen readers, and the recurring themes.
import { useTranslation } from 'react-i18next';
import type { MapEdge, NotebookDetail, SourceMapContent } from './api';
import { OutputControls, OutputState } from './Outputs';
import { useOutput } from './useOutput';

const SIZE = 520;
const R = 190;

/** Node positions on a circle around the centre, the first at the top. */
export function circleLayout(n: number, r = R, c = SIZE / 2): Array<{ x: number; y: number }> {
  if (n === 1) return [{ x: c, y: c }];
  return Array.from({ length: n }, (_, i) => {
    const a = -Math.PI / 2 + (2 * Math.PI * i) / n;
    return { x: c + r * Math.cos(a), y: c + r * Math.sin(a) };
  });
}

const short = (s: string, max = 22) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

export function SourceMapTab({ nb }: { nb: NotebookDetail }) {
  const o = useOutput(nb.id, 'source_map');
  const ready = o.current?.status === 'ready' ? (o.current.content as SourceMapContent) : undefined;
  return (
    <>
      <OutputControls nb={nb} kind="source_map" o={o} />
      <OutputState o={o} />
      {ready && <MapView map={ready} />}
    </>
  );
}

function MapView({ map }: { map: SourceMapContent }) {
  const { t } = useTranslation();
  const pos = circleLayout(map.nodes.length);
  const at = new Map(map.nodes.map((n, i) => [n.id, pos[i]!]));
  const name = new Map(map.nodes.map((n) => [n.id, n.name]));
  const edgeLabel = (e: MapEdge) => [...e.shared, ...(e.kind === 'reference' ? [t('knowledge.map.reference')] : [])].join(', ');
  const maxW = Math.max(1, ...map.edges.map((e) => e.weight));
  return (
    <section className="glass panel stack" aria-labelledby="kn-map" data-testid="source-map">
      <h2 id="kn-map" className="kn-h2">{t('knowledge.map.title')}</h2>
      <svg className="kn-map" viewBox={`0 0 ${SIZE} ${SIZE}`} role="img" aria-label={t('knowledge.map.graph', { n: map.nodes.length })}>
        {map.edges.map((e, i) => {
          const a = at.get(e.from); const b = at.get(e.to);
          if (!a || !b) return null;
          return (
            <g key={i} className="kn-edge">
              <line x1={a.x} y1={a.y} x2={b.x} y2={b.y} strokeWidth={1 + (5 * e.weight) / maxW} />
              <text x={(a.x + b.x) / 2 + 6} y={(a.y + b.y) / 2 - 4} textAnchor={a.x === b.x ? 'start' : 'middle'}>{short(edgeLabel(e), 28)}</text>
            </g>
          );
        })}
        {map.nodes.map((n, i) => (
          <g key={n.id} className="kn-node">
            <circle cx={pos[i]!.x} cy={pos[i]!.y} r={14} />
            <text x={pos[i]!.x} y={pos[i]!.y + (pos[i]!.y > SIZE / 2 ? 32 : -22)} textAnchor="middle">{short(n.name)}</text>
          </g>
        ))}
      </svg>
      <div className="table-wrap">
        <table className="kn-table">
          <caption className="sr-only">{t('knowledge.map.table')}</caption>
          <thead><tr><th scope="col">{t('knowledge.map.from')}</th><th scope="col">{t('knowledge.map.to')}</th><th scope="col">{t('knowledge.map.weight')}</th><th scope="col">{t('knowledge.map.shared')}</th></tr></thead>
          <tbody>
            {map.edges.length === 0 ? <tr><td colSpan={4}>{t('knowledge.map.noEdges')}</td></tr> : map.edges.map((e, i) => (
              <tr key={i}><td>{name.get(e.from) ?? e.from}</td><td>{name.get(e.to) ?? e.to}</td><td>{e.weight}</td><td>{edgeLabel(e)}</td></tr>
            ))}
          </tbody>
        </table>
      </div>
      {map.themes.length > 0 && (
        <section aria-labelledby="kn-themes" className="stack">
          <h3 id="kn-themes" className="kn-h3">{t('knowledge.map.themes')}</h3>
          <ul className="list" data-testid="themes">{map.themes.map((th) => <li key={th.name}><strong>{th.name}</strong> <span className="muted small">{t('knowledge.map.mentions', { mentions: th.mentions, sources: th.sources.map((s) => name.get(s) ?? s).join(', ') })}</span></li>)}</ul>
        </section>
      )}
    </section>
  );
}
