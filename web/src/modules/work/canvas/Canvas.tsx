// The department canvas (seed 000 §11.2): departments as nodes with their health and live
// counts, handoffs between them as edges; choosing a department filters the Pulse to it.
// The same departments are listed as buttons below, for keyboards and screen readers.
import { Background, Controls, Handle, Position, ReactFlow, type Edge, type Node, type NodeProps } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { useLocation } from 'wouter';
import { api } from '../../../api';
import { useLive } from '../../../live';
import { fmtNumber } from '../../../lib/format';
import { usePrefs } from '../../../lib/prefs';
import { useDebounced, useQuery } from '../../../lib/query';
import type { DepartmentNode, Departments } from '../../../lib/types';
import { ErrorText, Loading } from '../../../ui/feedback';
import { HealthBadge } from '../../../ui/Health';
import type { Health } from '../../../../../sdk/src/index.js';

type DeptData = DepartmentNode & { label: string };

function DeptNode({ data }: NodeProps<Node<DeptData>>) {
  const { t, i18n } = useTranslation();
  return (
    <div className={`dept-node ${data.workflows === 0 ? "health-none" : `health-${data.health}`}`}>
      <Handle type="target" position={Position.Left} />
      <strong>{data.label}</strong>
      <div><DeptHealth health={data.health} workflows={data.workflows} /></div>
      <div className="small muted">
        {t('canvas.workflows', { count: data.workflows, n: fmtNumber(data.workflows, i18n.language) })}
        {data.workflows > 0 && (
          <span aria-label={`${t('health.red')} ${data.counts.red}, ${t('health.yellow')} ${data.counts.yellow}, ${t('health.green')} ${data.counts.green}`}>
            {' · '}✕ {fmtNumber(data.counts.red, i18n.language)} · ! {fmtNumber(data.counts.yellow, i18n.language)} · ✓ {fmtNumber(data.counts.green, i18n.language)}
          </span>
        )}
      </div>
      <Handle type="source" position={Position.Right} />
    </div>
  );
}
const nodeTypes = { dept: DeptNode };

/** A department's health; with no workflow there is nothing to be on track, so no colour either. */
function DeptHealth({ health, workflows }: { health: Health; workflows: number }) {
  const { t } = useTranslation();
  return workflows === 0 ? <span className="chip muted" data-testid="dept-empty">{t('canvas.none')}</span> : <HealthBadge health={health} />;
}

/** Departments on a circle: readable for the 6 built-ins and any custom ones. */
export function layout(n: number, i: number): { x: number; y: number } {
  const angle = (2 * Math.PI * i) / Math.max(1, n) - Math.PI / 2;
  return { x: 320 + 300 * Math.cos(angle), y: 220 + 190 * Math.sin(angle) };
}

export default function Canvas() {
  const { t, i18n } = useTranslation();
  const [, navigate] = useLocation();
  const { lowBandwidth } = usePrefs();
  const q = useQuery(() => api.work.departments() as Promise<Departments>, []);
  const reload = useDebounced(() => void q.reload(), 500);
  useLive((d) => d.namespace === 'flow_os' && reload());

  const label = (id: string) => t(`departments.${id}`, { defaultValue: id });
  const { nodes, edges } = useMemo(() => {
    const depts = q.data?.departments ?? [];
    const nodes: Node<DeptData>[] = depts.map((d, i) => ({ id: d.id, type: 'dept', position: layout(depts.length, i), data: { ...d, label: label(d.id) }, ariaLabel: `${label(d.id)}: ${d.workflows === 0 ? t('canvas.none') : t(`health.${d.health}`)}` }));
    const edges: Edge[] = (q.data?.handoffs ?? []).map((h) => ({
      id: `${h.from}-${h.to}`, source: h.from, target: h.to, label: t('canvas.handoffs', { count: h.count, n: fmtNumber(h.count, i18n.language) }), animated: !lowBandwidth,
    }));
    return { nodes, edges };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [q.data, t, lowBandwidth]);

  if (!q.data) return q.error ? <ErrorText error={q.error} onRetry={() => void q.reload()} /> : <Loading />;
  const open = (id: string) => navigate(`/?department=${encodeURIComponent(id)}`);

  return (
    <div className="stack">
      <div className="page-head">
        <h1>{t('canvas.title')}</h1>
      </div>
      {/* Arrows are promised only when there are some to draw. */}
      <p className="muted" data-testid="canvas-hint">{t('canvas.hint')}{q.data.handoffs.length > 0 && <> {t('canvas.arrows')}</>}</p>
      <div className="glass canvas-wrap" aria-hidden="false">
        <ReactFlow
          nodes={nodes}
          edges={edges}
          nodeTypes={nodeTypes}
          onNodeClick={(_, n) => open(n.id)}
          fitView
          nodesDraggable
          nodesConnectable={false}
          deleteKeyCode={null}
          proOptions={{ hideAttribution: true }}
          colorMode={document.documentElement.dataset.theme === 'light' ? 'light' : 'dark'}
          ariaLabelConfig={{ 'node.a11yDescription.default': t('canvas.nodeHelp') }}
        >
          <Background />
          <Controls showInteractive={false} />
        </ReactFlow>
      </div>
      <section className="glass panel" aria-labelledby="dept-list-h">
        <h2 id="dept-list-h">{t('canvas.list')}</h2>
        <ul className="list">
          {q.data.departments.map((d) => (
            <li key={d.id} className="row" style={{ justifyContent: 'space-between' }}>
              <button type="button" className="btn-ghost" onClick={() => open(d.id)}>{label(d.id)}</button>
              <span className="row">
                <DeptHealth health={d.health} workflows={d.workflows} />
                <span className="muted small">{t('canvas.workflows', { count: d.workflows, n: fmtNumber(d.workflows, i18n.language) })}</span>
              </span>
            </li>
          ))}
        </ul>
        {q.data.handoffs.length > 0 && (
          <>
            <h3>{t('canvas.handoffsTitle')}</h3>
            <ul className="list small">
              {q.data.handoffs.map((h) => (
                <li key={`${h.from}-${h.to}`}>{label(h.from)} → {label(h.to)}: {h.workflows.map((w) => w.name).join(', ')}</li>
              ))}
            </ul>
          </>
        )}
      </section>
    </div>
  );
}
