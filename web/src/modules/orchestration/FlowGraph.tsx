// A flow's steps as a graph (@xyflow/react): one node per step (id and type), edges from each
// step's `after` (`step` or `step:branch`, the branch as the edge's label). Nodes are coloured by
// status on a run, outlined when a validation problem points at them. In low-bandwidth mode, and
// for keyboards and screen readers, the same steps as a list.
import { Background, Controls, Position, ReactFlow, useReactFlow, type Edge, type Node } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { usePrefs } from '../../lib/prefs';
import type { StepDef } from './api';

const splitEdge = (e: string): { from: string; branch?: string } => {
  const [from, branch] = e.split(':');
  return { from: from!, branch };
};

/** Columns by depth (longest chain of `after` before a step), rows in definition order. */
export function layoutSteps(steps: readonly StepDef[]): Map<string, { x: number; y: number }> {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const depth = new Map<string, number>();
  const depthOf = (id: string, seen: Set<string>): number => {
    if (depth.has(id)) return depth.get(id)!;
    if (seen.has(id)) return 0;
    seen.add(id);
    const s = byId.get(id);
    const d = s?.after?.length ? 1 + Math.max(...s.after.map((e) => depthOf(splitEdge(e).from, seen))) : 0;
    depth.set(id, d);
    return d;
  };
  const rows = new Map<number, number>();
  const out = new Map<string, { x: number; y: number }>();
  for (const s of steps) {
    const d = depthOf(s.id, new Set());
    const r = rows.get(d) ?? 0;
    rows.set(d, r + 1);
    const pos = s.position as { x: number; y: number } | undefined;
    out.set(s.id, pos && typeof pos.x === 'number' ? pos : { x: d * 230, y: r * 110 });
  }
  return out;
}

/** Fits the view again when steps are added or removed (editing), not on every change. */
function FitOnChange({ ids }: { ids: string }) {
  const { fitView } = useReactFlow();
  const first = useRef(true);
  useEffect(() => {
    if (first.current) { first.current = false; return; }
    const id = requestAnimationFrame(() => void fitView({ maxZoom: 1.2, duration: 200 }));
    return () => cancelAnimationFrame(id);
  }, [ids, fitView]);
  return null;
}

export type StepState = { status?: string; attempts?: number };

export function FlowGraph({ steps, states, problems, onSelect, selected, onConnect, onDisconnect }: {
  steps: readonly StepDef[];
  states?: ReadonlyMap<string, StepState>;
  /** Indexes of steps with a validation problem. */
  problems?: ReadonlySet<number>;
  onSelect?: (id: string) => void;
  /** The id of the selected step (editor). */
  selected?: string;
  /** Editing: a handle dragged from one step to another (`after` of the target). */
  onConnect?: (from: string, to: string) => void;
  /** Editing: an edge deleted (as written in the target's `after`). */
  onDisconnect?: (edge: string, to: string) => void;
}) {
  const { t } = useTranslation();
  const { lowBandwidth } = usePrefs();
  const editable = !!onConnect;
  const [selectedEdge, setSelectedEdge] = useState<string | null>(null);
  const { nodes, edges } = useMemo(() => {
    const pos = layoutSteps(steps);
    const ids = new Set(steps.map((s) => s.id));
    const nodes: Node[] = steps.map((s, i) => {
      const st = states?.get(s.id)?.status;
      return {
        id: s.id,
        position: pos.get(s.id) ?? { x: 0, y: 0 },
        data: { label: <span><strong>{s.id}</strong><br /><span className="small">{s.type}{st ? ` · ${t(`stepStatus.${st}`, { defaultValue: st })}` : ''}</span></span> },
        className: `flow-node${st ? ` st-${st}` : ''}${problems?.has(i) ? ' has-problem' : ''}${selected === s.id ? ' is-selected' : ''}`,
        selected: selected === s.id,
        ...(selected === s.id && { style: { boxShadow: '0 0 0 3px var(--accent)' } }),
        ariaLabel: `${s.id} (${s.type})${st ? `: ${t(`stepStatus.${st}`, { defaultValue: st })}` : ''}`,
        connectable: editable,
        deletable: false,
        sourcePosition: Position.Right,
        targetPosition: Position.Left,
      };
    });
    const edges: Edge[] = steps.flatMap((s) => (s.after ?? []).map((e) => {
      const { from, branch } = splitEdge(e);
      const id = `${e}->${s.id}`;
      return ids.has(from) ? [{ id, source: from, target: s.id, data: { edge: e }, selected: selectedEdge === id, deletable: editable, ...(branch && { label: branch }) }] : [];
    }).flat());
    return { nodes, edges };
  }, [steps, states, problems, t, selected, selectedEdge, editable]);

  if (lowBandwidth) return <StepList steps={steps} states={states} problems={problems} />;
  return (
    <div className="glass flow-canvas" data-testid="flow-graph" onKeyDown={(e) => {
      // Enter (or Space) on a focused node selects it, like a click.
      if (e.key !== 'Enter' && e.key !== ' ') return;
      const id = (e.target as HTMLElement).closest?.('.react-flow__node')?.getAttribute('data-id');
      if (id) onSelect?.(id);
    }}>
      <ReactFlow
        nodes={nodes}
        edges={edges}
        onNodeClick={(_, n) => onSelect?.(n.id)}
        onNodesChange={(changes) => {
          // Enter or Space on a focused node selects it, like a click.
          for (const c of changes) if (c.type === 'select' && c.selected && c.id !== selected) onSelect?.(c.id);
        }}
        onEdgeClick={editable ? (_, e) => setSelectedEdge(e.id) : undefined}
        onEdgesChange={(changes) => {
          // Enter on a focused edge selects it (then Delete, or the button, removes it).
          for (const c of changes) if (editable && c.type === 'select') setSelectedEdge(c.selected ? c.id : null);
        }}
        onPaneClick={() => setSelectedEdge(null)}
        onConnect={(c) => c.source && c.target && onConnect?.(c.source, c.target)}
        onEdgesDelete={(gone) => { for (const e of gone) onDisconnect?.((e.data as { edge: string }).edge, e.target); setSelectedEdge(null); }}
        fitView
        fitViewOptions={{ maxZoom: 1.2 }}
        nodesConnectable={editable}
        nodesDraggable={false}
        deleteKeyCode={editable ? ['Backspace', 'Delete'] : null}
        proOptions={{ hideAttribution: true }}
        colorMode={document.documentElement.dataset.theme === 'light' ? 'light' : 'dark'}
        ariaLabelConfig={{ 'node.a11yDescription.default': t('flow.nodeHelp') }}
      >
        <Background />
        <Controls showInteractive={false} />
        {editable && <FitOnChange ids={steps.map((s) => s.id).join(' ')} />}
        {editable && selectedEdge && (
          <div className="row" style={{ position: 'absolute', top: 8, right: 8, zIndex: 5 }}>
            <button type="button" onClick={() => {
              const e = edges.find((x) => x.id === selectedEdge);
              if (e) onDisconnect?.((e.data as { edge: string }).edge, e.target);
              setSelectedEdge(null);
            }}>{t('editor.deleteEdge', { edge: selectedEdge.replace('->', ' → ') })}</button>
          </div>
        )}
      </ReactFlow>
    </div>
  );
}

export function StepList({ steps, states, problems }: { steps: readonly StepDef[]; states?: ReadonlyMap<string, StepState>; problems?: ReadonlySet<number> }) {
  const { t } = useTranslation();
  return (
    <ol className="glass panel list" data-testid="flow-steps" aria-label={t('flow.steps')}>
      {steps.map((s, i) => {
        const st = states?.get(s.id)?.status;
        return (
          <li key={s.id} className={`row${problems?.has(i) ? ' has-problem' : ''}`} data-step={s.id}>
            <strong className="mono">{s.id}</strong>
            <span className="chip">{s.type}</span>
            {st && <span className={`chip st-${st}`}>{t(`stepStatus.${st}`, { defaultValue: st })}</span>}
            {(s.after ?? []).length > 0 && <span className="muted small">{t('flow.after', { steps: (s.after ?? []).join(', ') })}</span>}
          </li>
        );
      })}
    </ol>
  );
}
