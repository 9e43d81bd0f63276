// The Pulse: everything the dashboard and the department canvas show, from current
// state (plus recent diffs from the ledger), in a handful of set-based queries.
import type { Tx } from '../../platform/db/index.js';
import type { DirectoryEntry } from '../identity/index.js';
import type { DiffView } from '../ledger/index.js';
import { healthOf, isOverdue, type Health } from './health.js';
import { healthInputs } from './health-store.js';
import { taskView, type TaskView } from './model.js';

const OPEN = ['todo', 'in_progress', 'blocked'] as const;
export const DEPARTMENTS = ['ops', 'sales', 'creative', 'knowledge', 'hr', 'finance'] as const;
const WORST: Record<Health, number> = { green: 0, yellow: 1, red: 2 };

export type DashboardSources = { directory: DirectoryEntry[]; recentDiffs: DiffView[]; annotationCount: number };

type Dot = { id: string; name: string; department: string; owner_id: string | null; health: Health; reasons: string[]; progress: { done: number; total: number } };

async function dots(tx: Tx, now: Date, department?: string): Promise<Dot[]> {
  let q = tx.selectFrom('workflows').select(['id', 'name', 'department', 'owner_id']).where('status', '=', 'active');
  if (department) q = q.where('department', '=', department);
  const rows = await q.orderBy('updated_at', 'desc').execute();
  const inputs = await healthInputs(tx, rows.map((r) => r.id));
  return rows.map((w) => {
    const i = inputs.get(w.id)!;
    const h = healthOf(i.tasks, now);
    return { ...w, health: h.status, reasons: h.reasons, progress: { done: i.done, total: i.total } };
  });
}

export async function dashboard(tx: Tx, now: Date, sources: DashboardSources, department?: string) {
  const workflows = await dots(tx, now, department);
  const active = new Set(workflows.map((w) => w.id));
  const open = (await tx.selectFrom('tasks').selectAll().where('status', 'in', OPEN).orderBy('due_date').execute()).filter((t) => active.has(t.workflow_id));
  const view = (t: (typeof open)[number]): TaskView => taskView(t, -1, now);
  const overdue = open.filter((t) => isOverdue(t, now));
  const blocked = open.filter((t) => t.status === 'blocked');
  const workload = sources.directory.map((m) => {
    const mine = open.filter((t) => t.assignee_id === m.user_id);
    return { user_id: m.user_id, name: m.name, role: m.role, open_tasks: mine.length, overdue: mine.filter((t) => isOverdue(t, now)).length, blocked: mine.filter((t) => t.status === 'blocked').length };
  });
  const counts = { green: 0, yellow: 0, red: 0 };
  for (const w of workflows) counts[w.health] += 1;
  return {
    health: counts,
    workflows,
    overdue_tasks: { count: overdue.length, items: overdue.slice(0, 50).map(view) },
    blocked_tasks: { count: blocked.length, items: blocked.slice(0, 50).map(view) },
    workload,
    unassigned_open_tasks: open.filter((t) => !t.assignee_id).length,
    recent_diffs: sources.recentDiffs,
    annotation_count: sources.annotationCount,
    generated_at: now.toISOString(),
  };
}

/** Department canvas: each department's health and counts, and the handoffs between them. */
export async function departments(tx: Tx, now: Date) {
  const all = await dots(tx, now);
  const names = [...new Set([...DEPARTMENTS, ...all.map((w) => w.department)])];
  const nodes = names.map((id) => {
    const mine = all.filter((w) => w.department === id);
    const health = mine.reduce<Health>((worst, w) => (WORST[w.health] > WORST[worst] ? w.health : worst), 'green');
    return {
      id, custom: !(DEPARTMENTS as readonly string[]).includes(id), health, workflows: mine.length,
      counts: { green: mine.filter((w) => w.health === 'green').length, yellow: mine.filter((w) => w.health === 'yellow').length, red: mine.filter((w) => w.health === 'red').length },
    };
  });
  // A handoff: a workflow started from another department's workflow.
  const edges = await tx
    .selectFrom('workflows as target')
    .innerJoin('workflows as source', 'source.id', 'target.started_from')
    .select(['source.department as from', 'target.department as to', 'target.id as workflow_id', 'target.name as workflow_name', 'source.id as source_workflow_id'])
    .whereRef('source.department', '!=', 'target.department')
    .execute();
  const grouped = new Map<string, { from: string; to: string; count: number; workflows: { id: string; name: string; started_from: string }[] }>();
  for (const e of edges) {
    const key = `${e.from}→${e.to}`;
    const g = grouped.get(key) ?? { from: e.from, to: e.to, count: 0, workflows: [] };
    g.count += 1;
    g.workflows.push({ id: e.workflow_id, name: e.workflow_name, started_from: e.source_workflow_id });
    grouped.set(key, g);
  }
  return { departments: nodes, handoffs: [...grouped.values()] };
}
