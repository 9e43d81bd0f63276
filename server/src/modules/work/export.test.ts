// CSV export (GET /v1/export/workflows.csv) over real HTTP: streamed, one row per task
// (one row for a workflow without tasks), across several pages of workflows, values that
// need quoting round-trip, and only the caller's tenant.
import { describe, expect, it } from 'vitest';
import type { AtriumClient } from '../../../../sdk/src/index.js';
import { expectError } from '../../testing/http.js';
import { workApi, workSuite, type Workflow } from './testing.js';

const HEADER = [
  'workflow_id', 'workflow_name', 'workflow_status', 'department', 'owner_id', 'health', 'template_id', 'created_at',
  'task_id', 'task_name', 'task_status', 'assignee_id', 'due_date', 'priority', 'position', 'tags',
];
const BULK = 450; // more than two pages of 200 workflows

const suite = workSuite({ a: 'Exporters', b: 'Bystanders' });

/** RFC 4180, written here so the test does not trust the server's CSV library. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field), rows.push(row), (row = []), (field = '');
    } else field += c;
  }
  if (field !== '' || row.length > 0) row.push(field), rows.push(row);
  return rows;
}

async function download(client: AtriumClient): Promise<{ res: Response; rows: Record<string, string>[]; chunks: number }> {
  const res = await client.raw('GET', '/v1/export/workflows.csv', { headers: { accept: 'text/csv' } });
  expect(res.status).toBe(200);
  let text = '';
  let chunks = 0;
  const decoder = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    chunks += 1;
    text += decoder.decode(chunk, { stream: true });
  }
  const [header, ...body] = parseCsv(text);
  expect(header).toEqual(HEADER);
  for (const r of body) expect(r).toHaveLength(HEADER.length);
  return { res, rows: body.map((r) => Object.fromEntries(HEADER.map((h, i) => [h, r[i]!]))), chunks };
}

describe('CSV export', () => {
  it('streams one row per task over every page of workflows; a workflow without tasks gets one row', async () => {
    const onboarding = await suite.api.create({ template_id: 'tpl_client_onboarding', start_date: '2031-09-01' });
    const empty = await suite.api.create({ name: 'Nothing yet', department: 'hr' });
    const tricky = await suite.api.create({ name: 'Smith, Jones & "Partners"\nLtd', department: 'sales' });
    const task = await suite.api.addTask(tricky.id, { name: 'Call "the boss", then email', tags: ['vip', 'q3'], due_date: '2031-09-02', priority: 'urgent' });
    const old = await suite.api.create({ name: 'Old project' });
    await suite.api.addTask(old.id, { name: 'Wrap up' });
    await suite.api.archive(old.id, 'finished');
    await suite.t.app.db.ownerExecutor.executeSql(
      `insert into workflows (id, tenant_id, name, department, start_date)
         select 'wf_bulk_' || lpad(g::text, 4, '0'), $1, 'Bulk ' || g, 'ops', date '2031-01-01' from generate_series(1, ${BULK}) g`,
      [suite.a.tenantId],
    );
    await suite.t.app.db.ownerExecutor.executeSql(
      `insert into tasks (id, tenant_id, workflow_id, name, rank, status)
         select 'task_bulk_' || g || '_' || k, $1, 'wf_bulk_' || lpad(g::text, 4, '0'), 'Step ' || k, 'a' || k, (array['todo', 'done'])[k]
           from generate_series(1, ${BULK}) g, generate_series(1, 2) k`,
      [suite.a.tenantId],
    );

    const { res, rows, chunks } = await download(suite.a.client);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="atrium-workflows.csv"');
    expect(res.headers.get('content-length')).toBeNull();
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    expect(chunks).toBeGreaterThanOrEqual(1);

    expect(rows).toHaveLength(onboarding.tasks!.length + 1 + 1 + 1 + BULK * 2);
    const taskIds = rows.map((r) => r.task_id).filter(Boolean);
    expect(new Set(taskIds).size).toBe(taskIds.length);
    const workflowIds = new Set(rows.map((r) => r.workflow_id));
    expect(workflowIds.size).toBe(4 + BULK);

    const mine = (w: Workflow) => rows.filter((r) => r.workflow_id === w.id);
    expect(mine(onboarding).map((r) => [r.task_id, r.task_name, r.due_date, r.position, r.task_status])).toEqual(
      onboarding.tasks!.map((x, i) => [x.id, x.name, x.due_date, String(i), 'todo']),
    );
    expect(mine(onboarding)[0]).toMatchObject({
      workflow_name: 'Client onboarding', workflow_status: 'active', department: 'ops', owner_id: suite.a.userId, health: 'green',
      template_id: 'tpl_client_onboarding', created_at: onboarding.created_at,
    });
    expect(mine(empty)).toEqual([{ ...Object.fromEntries(HEADER.map((h) => [h, ''])), workflow_id: empty.id, workflow_name: 'Nothing yet', workflow_status: 'active', department: 'hr', owner_id: suite.a.userId, health: 'green', created_at: empty.created_at }]);
    expect(mine(tricky)).toEqual([expect.objectContaining({
      workflow_name: 'Smith, Jones & "Partners"\nLtd', task_id: task.id, task_name: 'Call "the boss", then email', tags: 'vip;q3',
      due_date: '2031-09-02', priority: 'urgent', health: 'green', position: '0',
    })]);
    expect(mine(old)).toEqual([expect.objectContaining({ workflow_status: 'archived', task_name: 'Wrap up' })]);
    const bulk = rows.filter((r) => r.workflow_id === 'wf_bulk_0321');
    expect(bulk.map((r) => [r.task_name, r.task_status, r.position])).toEqual([['Step 1', 'todo', '0'], ['Step 2', 'done', '1']]);
  });

  it('another tenant exports only its own rows; without credentials it is 401', async () => {
    const theirs = await workApi(suite.b.client).create({ name: 'Their only workflow' });
    const { rows } = await download(suite.b.client);
    expect(rows.map((r) => [r.workflow_id, r.task_id])).toEqual([[theirs.id, '']]);
    await expectError(await suite.t.client().raw('GET', '/v1/export/workflows.csv'), 401, 'UNAUTHENTICATED');
  });
});
