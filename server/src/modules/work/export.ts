// CSV export of workflows and their tasks: one row per task (a workflow without tasks
// gets one row), streamed one page of workflows at a time.
import type { Writable } from 'node:stream';
import { csvRows } from '../../platform/csv.js';
import { writeWithBackpressure } from '../../platform/streams.js';
import type { Db } from '../../platform/db/index.js';
import { healthOf } from './health.js';

const HEADER = [
  'workflow_id', 'workflow_name', 'workflow_status', 'department', 'owner_id', 'health', 'template_id', 'created_at',
  'task_id', 'task_name', 'task_status', 'assignee_id', 'due_date', 'priority', 'position', 'tags',
];
const PAGE = 200;


export async function exportWorkflowsCsv(db: Db, tenantId: string, now: Date, out: Writable): Promise<number> {
  await writeWithBackpressure(out, csvRows([HEADER]));
  let after = '';
  let rows = 0;
  for (;;) {
    const chunk = await db.tenantTx(tenantId, async (tx) => {
      const workflows = await tx.selectFrom('workflows').selectAll().where('id', '>', after).orderBy('id').limit(PAGE).execute();
      if (workflows.length === 0) return { lines: [] as string[][], last: null };
      const tasks = await tx.selectFrom('tasks').selectAll().where('workflow_id', 'in', workflows.map((w) => w.id)).orderBy('workflow_id').orderBy('rank').execute();
      const lines: string[][] = [];
      for (const w of workflows) {
        const mine = tasks.filter((t) => t.workflow_id === w.id);
        const base = [w.id, w.name, w.status, w.department, w.owner_id ?? '', healthOf(mine, now).status, w.template_id ?? '', w.created_at.toISOString()];
        if (mine.length === 0) lines.push([...base, '', '', '', '', '', '', '', '']);
        mine.forEach((t, i) => lines.push([...base, t.id, t.name, t.status, t.assignee_id ?? '', t.due_date ?? '', t.priority, String(i), t.tags.join(';')]));
      }
      return { lines, last: workflows.at(-1)!.id };
    });
    if (chunk.lines.length > 0) await writeWithBackpressure(out, csvRows(chunk.lines));
    rows += chunk.lines.length;
    if (!chunk.last || chunk.lines.length === 0) return rows;
    after = chunk.last;
  }
}
