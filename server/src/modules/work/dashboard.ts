// The Pulse: everything the dashboard and the department canvas show, from current
// state (plus recent diffs from the ledger), in a handful of set-based queries: counts come
// from the database, and only the tasks that can be late or blocked are read in full.
import { sql } from 'kysely';
import type { Tx } from '../../platform/db/index.js';
import type { DirectoryEntry } from '../identity/index.js';
import type { DiffView, Ledger } from '../ledger/index.js';
import { withBlockedWhys } from './blocked-whys.js';
import { healthOf, isOverdue, type Health } from './health.js';
import { atRisk, progressOf } from './health-store.js';
import { taskView, type TaskRow, type TaskView } from './model.js';

const OPEN = ['todo', 'in_progress', 'blocked'] as const;
export const DEPARTMENTS = ['ops', 'sales', 'creative', 'knowledge', 'hr', 'finance'] as const;
const WORST: Record<Health, number> = { green: 0, yellow: 1, red: 2 };

export type DashboardSources = { directory: DirectoryEntry[]; recentDiffs: DiffView[]; annotationCount: number; ledger: Pick<Ledger, 'whysOfLatest'> };

type Dot = { id: string; name: string; department: string; owner_id: string | null; health: Health; reasons: string[]; progress: { done: number; total: number } };

/**
 * Active workflows with their health dot, and the tasks that decide health (blocked, or open
 * and due before today) in full: three queries, none of which reads every task of the tenant.
 */
async function dots(tx: Tx, now: Date, department?: string): Promise<{ dots: Dot[]; ids: string[]; atRisk: TaskRow[] }> {
  let q = tx.selectFrom('workflows').select(['id', 'name', 'department', 'owner_id']).where('status', '=', 'active');
  if (department) q = q.where('department', '=', department);
  const rows = await q.orderBy('updated_at', 'desc').execute();
  const ids = rows.map((r) => r.id);
  const progress = await progressOf(tx, ids);
  const risky = ids.length === 0 ? [] : await tx.selectFrom('tasks').selectAll().where('workflow_id', 'in', ids).where(atRisk(now)).orderBy('due_date').orderBy('rank').execute();
  const byWorkflow = new Map<string, TaskRow[]>();
  for (const t of risky) {
    const list = byWorkflow.get(t.workflow_id);
    if (list) list.push(t);
    else byWorkflow.set(t.workflow_id, [t]);
  }
  const out = rows.map((w) => {
    const h = healthOf(byWorkflow.get(w.id) ?? [], now);
    return { ...w, health: h.status, reasons: h.reasons, progress: progress.get(w.id)! };
  });
  return { dots: out, ids, atRisk: risky };
}

export async function dashboard(tx: Tx, now: Date, sources: DashboardSources, department?: string) {
  const { dots: workflows, ids, atRisk: risky } = await dots(tx, now, department);
  const view = (t: TaskRow): TaskView => taskView(t, -1, now);
  const overdue = risky.filter((t) => isOverdue(t, now));
  const blocked = risky.filter((t) => t.status === 'blocked');
  // Open tasks per assignee (null: unassigned), counted by the database.
  const openRows = ids.length === 0 ? [] : await tx
    .selectFrom('tasks')
    .select(['assignee_id', sql<number>`count(*)::int`.as('n')])
    .where('workflow_id', 'in', ids)
    .where('status', 'in', OPEN)
    .groupBy('assignee_id')
    .execute();
  const open = new Map(openRows.map((r) => [r.assignee_id, r.n]));
  const tally = (tasks: TaskRow[]) => {
    const m = new Map<string | null, number>();
    for (const t of tasks) m.set(t.assignee_id, (m.get(t.assignee_id) ?? 0) + 1);
    return m;
  };
  const overdueBy = tally(overdue);
  const blockedBy = tally(blocked);
  const workload = sources.directory.map((m) => ({
    user_id: m.user_id, name: m.name, role: m.role,
    open_tasks: open.get(m.user_id) ?? 0, overdue: overdueBy.get(m.user_id) ?? 0, blocked: blockedBy.get(m.user_id) ?? 0,
  }));
  const counts = { green: 0, yellow: 0, red: 0 };
  for (const w of workflows) counts[w.health] += 1;
  return {
    health: counts,
    workflows,
    overdue_tasks: { count: overdue.length, items: overdue.slice(0, 50).map(view) },
    blocked_tasks: { count: blocked.length, items: await withBlockedWhys(tx, sources.ledger, blocked.slice(0, 50).map(view)) },
    workload,
    unassigned_open_tasks: open.get(null) ?? 0,
    recent_diffs: sources.recentDiffs,
    annotation_count: sources.annotationCount,
    generated_at: now.toISOString(),
  };
}

/** Department canvas: each department's health and counts, and the handoffs between them. */
export async function departments(tx: Tx, now: Date) {
  const { dots: all } = await dots(tx, now);
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
    .where('target.status', '=', 'active')
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
