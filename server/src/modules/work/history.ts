// The tenant's own track record, for deterministic predictions (the `predict` rule action, predict.ts):
// how long finished workflows took, and how often an assignee finishes late.
import { sql } from 'kysely';
import type { Tx } from '../../platform/db/index.js';

export type FinishedWorkflow = { id: string; template_id: string | null; department: string; days: number };

/** Workflows whose tasks are all done, with the days from creation to the last task done. */
export async function finishedWorkflows(tx: Tx, limit = 500): Promise<FinishedWorkflow[]> {
  const rows = await sql<{ id: string; template_id: string | null; department: string; days: number }>`
    select w.id, w.template_id, w.department,
           extract(epoch from (max(t.completed_at) - w.created_at)) / 86400.0 as days
    from workflows w join tasks t on t.workflow_id = w.id
    group by w.id
    having count(*) > 0 and bool_and(t.status = 'done') and max(t.completed_at) is not null
    order by max(t.completed_at) desc
    limit ${limit}`.execute(tx);
  return rows.rows.map((r) => ({ ...r, days: Math.max(0, Number(r.days)) }));
}

export type AssigneeRecord = { on_time: number; late: number; open_overdue: number };

/** An assignee's finished tasks with a due date (on time vs late) and their open overdue ones. */
export async function assigneeRecord(tx: Tx, userId: string, today: string): Promise<AssigneeRecord> {
  const r = await sql<AssigneeRecord>`
    select count(*) filter (where status = 'done' and completed_at::date <= due_date)::int as on_time,
           count(*) filter (where status = 'done' and completed_at::date > due_date)::int as late,
           count(*) filter (where status not in ('done', 'failed') and due_date < ${today}::date)::int as open_overdue
    from tasks where assignee_id = ${userId} and due_date is not null`.execute(tx);
  return r.rows[0] ?? { on_time: 0, late: 0, open_overdue: 0 };
}
