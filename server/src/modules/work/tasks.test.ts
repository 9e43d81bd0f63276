// Tasks over real HTTP: assigning (members only), status changes that need a why, later
// whys with sentiment, health going yellow then red, reordering that writes one row, bad
// input, concurrent edits, deletion — and another tenant's ids answering 404.
import { describe, expect, it } from 'vitest';
import type { Diff } from '../../../../sdk/src/index.js';
import { detailPaths, expectError, expectOk } from '../../testing/http.js';
import { day, ownerQuery, workSuite, type Task, type Workflow } from './testing.js';

const suite = workSuite({ a: 'Taskers', b: 'Strangers', member: 'Max Member' });

/** A blank workflow with tasks named `names`, in that order. */
async function workflowWith(...names: string[]): Promise<{ w: Workflow; tasks: Task[] }> {
  const w = await suite.api.create({ name: `Flow ${names.join(' ')}`, department: 'ops' });
  const tasks: Task[] = [];
  for (const name of names) tasks.push(await suite.api.addTask(w.id, { name }));
  return { w, tasks };
}
const patch = (id: string, body: Record<string, unknown>, headers?: Record<string, string>) => suite.a.client.raw('PATCH', `/v1/tasks/${id}`, { body, headers });
const names = async (workflowId: string) => (await suite.api.tasks(workflowId)).map((x) => x.name);
const history = async (taskId: string) => (await suite.a.client.entities.history('task', taskId)).items;

describe('assigning', () => {
  it('assigns to members (owner or an invited member); anyone else is 400 VALIDATION_FAILED at body.assignee_id', async () => {
    const { w, tasks: [t1, t2] } = await workflowWith('Draft', 'Review');
    expect((await suite.api.patchTask(t1!.id, { assignee_id: suite.member.userId })).assignee_id).toBe(suite.member.userId);
    expect((await suite.api.patchTask(t2!.id, { assignee_id: suite.a.userId })).assignee_id).toBe(suite.a.userId);
    for (const stranger of [suite.b.userId, 'usr_nobody']) {
      const env = await expectError(await patch(t1!.id, { assignee_id: stranger }), 400, 'VALIDATION_FAILED');
      expect(detailPaths(env)).toEqual(['body.assignee_id']);
      const created = await suite.a.client.raw('POST', `/v1/workflows/${w.id}/tasks`, { body: { name: 'X', assignee_id: stranger } });
      expect(detailPaths(await expectError(created, 400, 'VALIDATION_FAILED'))).toEqual(['body.assignee_id']);
    }
    expect(await suite.api.task(t1!.id)).toMatchObject({ assignee_id: suite.member.userId, version: 2 });
    expect((await suite.api.patchTask(t1!.id, { assignee_id: null })).assignee_id).toBeNull();
    expect(await names(w.id)).toEqual(['Draft', 'Review']);
  });
});

describe('status changes and whys', () => {
  it('blocked or failed without a why is 422 WHY_REQUIRED and the task is unchanged; with one it is recorded', async () => {
    const { w, tasks: [task] } = await workflowWith('Get sign-off');
    for (const status of ['blocked', 'failed']) await expectError(await patch(task!.id, { status }), 422, 'WHY_REQUIRED');
    expect(detailPaths(await expectError(await patch(task!.id, { status: 'blocked', why: '   ' }), 400, 'VALIDATION_FAILED'))).toEqual(['body.why']);
    expect(await suite.api.task(task!.id)).toEqual(task);
    expect((await history(task!.id)).map((d) => d.event)).toEqual(['task.created']);

    const blocked = await suite.api.patchTask(task!.id, { status: 'blocked', why: 'legal has not replied', sentiment: -1 });
    expect(blocked).toMatchObject({ status: 'blocked', version: 2, completed_at: null });
    expect(Math.abs(Date.parse(blocked.blocked_at!) - Date.now())).toBeLessThan(60_000);
    const [diff] = await history(task!.id);
    expect(diff).toMatchObject({ event: 'task.updated', before: { status: 'todo', version: 1 }, after: { status: 'blocked', version: 2 }, metadata: { workflow_id: w.id } });
    expect(diff!.annotations.map((x) => [x.why, x.sentiment, x.author_id])).toEqual([['legal has not replied', -1, suite.a.userId]]);

    // Still blocked: other edits need no why; leaving blocked clears blocked_at; done sets completed_at.
    expect(await suite.api.patchTask(task!.id, { name: 'Get legal sign-off' })).toMatchObject({ status: 'blocked', blocked_at: blocked.blocked_at });
    const done = await suite.api.patchTask(task!.id, { status: 'done' });
    expect(done.blocked_at).toBeNull();
    expect(done.completed_at).not.toBeNull();
    expect((await suite.api.get(w.id)).progress).toEqual({ done: 1, total: 1 });

    await expectError(await suite.a.client.raw('POST', `/v1/workflows/${w.id}/tasks`, { body: { name: 'Born blocked', status: 'blocked' } }), 422, 'WHY_REQUIRED');
    expect(await names(w.id)).toEqual(['Get legal sign-off']);
    const born = await suite.api.addTask(w.id, { name: 'Born failed', status: 'failed', why: 'vendor went bust' });
    expect(born.status).toBe('failed');
  });

  it('POST /v1/tasks/:id/annotations adds a why with sentiment to the task’s latest change', async () => {
    const { tasks: [task] } = await workflowWith('Ship it');
    await suite.api.patchTask(task!.id, { status: 'in_progress' });
    const latest = (await history(task!.id))[0]!;
    const res = await suite.a.client.raw('POST', `/v1/tasks/${task!.id}/annotations`, { body: { why: 'client moved the launch', sentiment: 1 } });
    const ann = (await expectOk<{ id: string; diff_id: string; why: string; sentiment: number }>(res, 201)).data;
    expect(ann).toMatchObject({ diff_id: latest.id, why: 'client moved the launch', sentiment: 1 });
    expect((await suite.a.client.diffs.get(latest.id)).annotations.map((x) => [x.id, x.why, x.sentiment])).toEqual([[ann.id, 'client moved the launch', 1]]);
    const bad = (body: Record<string, unknown>) => suite.a.client.raw('POST', `/v1/tasks/${task!.id}/annotations`, { body });
    expect(detailPaths(await expectError(await bad({ why: 'x', sentiment: 2 }), 400, 'VALIDATION_FAILED'))).toEqual(['body.sentiment']);
    expect(detailPaths(await expectError(await bad({ sentiment: 1 }), 400, 'VALIDATION_FAILED'))).toEqual(['body.why']);
    await expectError(await suite.a.client.raw('POST', '/v1/tasks/task_nope/annotations', { body: { why: 'x' } }), 404, 'NOT_FOUND');
  });
});

describe('health as a user watches it', () => {
  it('goes yellow (overdue < 3 days, or blocked) then red (overdue > 3 days, or an urgent blocker > 24 h) and back to green', async () => {
    const { w, tasks: [late, stuck] } = await workflowWith('Send invoice', 'Approve budget');
    const health = async () => (await suite.api.get(w.id)).health;
    expect(await health()).toEqual({ status: 'green', reasons: [] });

    expect(await suite.api.patchTask(late!.id, { due_date: day(-1) })).toMatchObject({ overdue: true });
    expect(await health()).toEqual({ status: 'yellow', reasons: ['"Send invoice" is overdue'] });
    await suite.api.patchTask(stuck!.id, { status: 'blocked', why: 'CFO on holiday' });
    expect(await health()).toEqual({ status: 'yellow', reasons: ['"Send invoice" is overdue', '"Approve budget" is blocked'] });

    await suite.api.patchTask(late!.id, { due_date: day(-5) });
    const red = await health();
    expect(red.status).toBe('red');
    expect(red.reasons[0]).toMatch(/^"Send invoice" is [45] days overdue$/);

    // Back on time: only the blocker is left; make it urgent and 25 h old.
    await suite.api.patchTask(late!.id, { due_date: day(3) });
    await suite.api.patchTask(stuck!.id, { priority: 'urgent' });
    expect((await health()).status).toBe('yellow');
    await suite.t.app.db.ownerExecutor.executeSql("update tasks set blocked_at = now() - interval '25 hours' where id = $1", [stuck!.id]);
    expect(await health()).toEqual({ status: 'red', reasons: ['urgent "Approve budget" blocked for 25 h'] });
    // Health is also listed and stored (with a diff) at the next change.
    expect((await suite.a.client.request<Workflow[]>('GET', '/v1/workflows', { query: { health: 'red' } })).data.map((x) => x.id)).toEqual([w.id]);
    await suite.api.patchTask(late!.id, { description: 'chase on Monday' });

    await suite.api.patchTask(stuck!.id, { status: 'in_progress' });
    expect(await health()).toEqual({ status: 'green', reasons: [] });
    const moves = (await suite.api.versions(w.id, { limit: 100 })).items.filter((d) => d.event === 'workflow.health_changed').reverse();
    expect(moves.map((d) => [(d.before as { health: string }).health, (d.after as { health: string }).health])).toEqual([
      ['green', 'yellow'], ['yellow', 'red'], ['red', 'yellow'], ['yellow', 'red'], ['red', 'green'],
    ]);
  });
});

describe('reordering', () => {
  type Row = { id: string; rank: string; updated_at: Date; version: number };
  const rows = async (workflowId: string) =>
    new Map((await ownerQuery<Row>(suite.t, 'select id, rank, updated_at, version from tasks where workflow_id = $1', [workflowId])).map((r) => [r.id, r]));

  it('moving a task with `position` rewrites that one row only', async () => {
    const { w, tasks } = await workflowWith('A', 'B', 'C', 'D', 'E');
    const before = await rows(w.id);
    const moved = await suite.api.patchTask(tasks[4]!.id, { position: 1 });
    expect(moved.position).toBe(1);
    expect(await names(w.id)).toEqual(['A', 'E', 'B', 'C', 'D']);
    expect((await suite.api.tasks(w.id)).map((x) => x.position)).toEqual([0, 1, 2, 3, 4]);
    const after = await rows(w.id);
    const changed = [...after.values()].filter((r) => JSON.stringify(r) !== JSON.stringify(before.get(r.id)));
    expect(changed.map((r) => r.id)).toEqual([tasks[4]!.id]);
    const [diff] = await history(tasks[4]!.id);
    expect(Object.keys(diff!.after as object).sort()).toEqual(['rank', 'version']);

    await suite.api.patchTask(tasks[0]!.id, { position: 4 });
    expect(await names(w.id)).toEqual(['E', 'B', 'C', 'D', 'A']);
    await suite.api.patchTask(tasks[3]!.id, { position: 0 });
    expect(await names(w.id)).toEqual(['D', 'E', 'B', 'C', 'A']);
    const first = await suite.api.addTask(w.id, { name: 'F', position: 0 });
    expect(first.position).toBe(0);
    expect(await names(w.id)).toEqual(['F', 'D', 'E', 'B', 'C', 'A']);
  });

  it('stays consistent when moves keep landing between the same two neighbours', async () => {
    const { w, tasks } = await workflowWith('1', '2', '3', '4');
    const expected = ['1', '2', '3', '4'];
    for (let i = 0; i < 12; i++) {
      const last = (await suite.api.tasks(w.id)).at(-1)!;
      await suite.api.patchTask(last.id, { position: 1 });
      expected.splice(1, 0, expected.pop()!);
      expect(await names(w.id)).toEqual(expected);
    }
    expect(new Set((await suite.api.tasks(w.id)).map((x) => x.rank)).size).toBe(tasks.length);
  });

  it('a position out of range is 400 at body.position', async () => {
    const { w, tasks } = await workflowWith('A', 'B', 'C');
    for (const position of [3, -1, 1.5, 100_001]) {
      expect(detailPaths(await expectError(await patch(tasks[0]!.id, { position }), 400, 'VALIDATION_FAILED'))).toEqual(['body.position']);
    }
    expect(detailPaths(await expectError(await suite.a.client.raw('POST', `/v1/workflows/${w.id}/tasks`, { body: { name: 'Z', position: 4 } }), 400, 'VALIDATION_FAILED'))).toEqual(['body.position']);
    expect(await names(w.id)).toEqual(['A', 'B', 'C']);
  });
});

describe('bad input', () => {
  it('unknown status, due date not a date, unknown priority or field: 400 and nothing changes', async () => {
    const { tasks: [task] } = await workflowWith('Careful');
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ status: 'waiting' }, 'body.status'], [{ status: 'pending' }, 'body.status'],
      [{ due_date: 'tomorrow' }, 'body.due_date'], [{ due_date: '2031-02-30' }, 'body.due_date'], [{ due_date: '2031-13-01' }, 'body.due_date'],
      [{ due_date: '31/12/2031' }, 'body.due_date'], [{ due_date: 20311231 }, 'body.due_date'],
      [{ priority: 'critical' }, 'body.priority'], [{ name: '' }, 'body.name'], [{ version: 0 }, 'body.version'],
    ];
    for (const [body, path] of cases) expect(detailPaths(await expectError(await patch(task!.id, body), 400, 'VALIDATION_FAILED')), JSON.stringify(body)).toEqual([path]);
    await expectError(await patch(task!.id, { colour: 'red' }), 400, 'VALIDATION_FAILED');
    expect(await suite.api.task(task!.id)).toEqual(task);
  });
});

describe('concurrent edits', () => {
  it('two edits from the same version: one wins, the other gets 409 VERSION_CONFLICT, the winner’s change is kept', async () => {
    const { tasks: [task] } = await workflowWith('Contested');
    const [r1, r2] = await Promise.all([patch(task!.id, { name: 'Mine', version: 1 }), patch(task!.id, { name: 'Yours', version: 1 })]);
    const statuses = [r1!.status, r2!.status].sort();
    expect(statuses).toEqual([200, 409]);
    const [win, lose] = r1!.status === 200 ? [r1!, r2!] : [r2!, r1!];
    const winner = (await expectOk<Task>(win)).data;
    expect((await expectError(lose, 409, 'VERSION_CONFLICT')).error.details[0]).toMatchObject({ given_version: 1, current_version: 2 });
    expect(await suite.api.task(task!.id)).toMatchObject({ name: winner.name, version: 2 });

    // The same with If-Match; a later edit from the fresh version goes through.
    const [h1, h2] = await Promise.all([patch(task!.id, { status: 'in_progress' }, { 'if-match': '"2"' }), patch(task!.id, { status: 'done' }, { 'if-match': '"2"' })]);
    expect([h1!.status, h2!.status].sort()).toEqual([200, 409]);
    const kept = (await suite.api.task(task!.id));
    expect(kept.version).toBe(3);
    expect(kept.status).toBe(h1!.status === 200 ? 'in_progress' : 'done');
    expect((await history(task!.id)).filter((d) => d.event === 'task.updated')).toHaveLength(2);
    expect(await suite.api.patchTask(task!.id, { name: 'Agreed' }, { 'if-match': 'W/"3"' })).toMatchObject({ name: 'Agreed', version: 4 });
  });
});

describe('deleting', () => {
  it('removes the task (a task.deleted diff keeps its last state) and the others close ranks', async () => {
    const { w, tasks } = await workflowWith('Keep 1', 'Drop', 'Keep 2');
    const del = await suite.a.client.request<{ deleted: true }>('DELETE', `/v1/tasks/${tasks[1]!.id}`, { query: { why: 'duplicate' } });
    expect(del.data).toEqual({ deleted: true });
    await expectError(await suite.a.client.raw('GET', `/v1/tasks/${tasks[1]!.id}`), 404, 'NOT_FOUND');
    expect((await suite.api.tasks(w.id)).map((x) => [x.name, x.position])).toEqual([['Keep 1', 0], ['Keep 2', 1]]);
    const [gone] = await history(tasks[1]!.id);
    expect(gone).toMatchObject({ event: 'task.deleted', after: null, before: { name: 'Drop' } });
    expect(gone!.annotations.map((x) => x.why)).toEqual(['duplicate']);
  });
});

describe('another tenant', () => {
  it('gets 404 on our tasks, and our tasks stay as they were', async () => {
    const { tasks: [task] } = await workflowWith('Private');
    const calls: Array<[string, string, Record<string, unknown>?]> = [
      ['GET', `/v1/tasks/${task!.id}`], ['PATCH', `/v1/tasks/${task!.id}`, { status: 'done' }], ['DELETE', `/v1/tasks/${task!.id}`],
      ['POST', `/v1/tasks/${task!.id}/annotations`, { why: 'not yours' }], ['GET', `/v1/entities/task/${task!.id}/history`],
    ];
    for (const [method, path, body] of calls) await expectError(await suite.b.client.raw(method, path, { body }), 404, 'NOT_FOUND');
    expect(await suite.api.task(task!.id)).toEqual(task);
    const diffs: Diff[] = await suite.a.client.diffs.all({ entity_type: 'task', entity_id: task!.id });
    expect(diffs.map((d) => [d.event, d.annotations.length])).toEqual([['task.created', 0]]);
  });
});
