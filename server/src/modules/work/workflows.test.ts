// Workflows over real HTTP, as a new user would: from the "Client onboarding" template to
// updates with optimistic concurrency, archive/restore, clone, the list (filters, sort,
// cursor), the version history, the ledger and replay — and nothing across tenants.
import { describe, expect, it } from 'vitest';
import type { Diff, ReplayedState } from '../../../../sdk/src/index.js';
import { detailPaths, expectError, expectOk, sleep } from '../../testing/http.js';
import { addDays, addMember, day, workApi, workSuite, type Task, type Workflow } from './testing.js';

const suite = workSuite({ a: 'Acme Agency', b: 'Other Agency', member: 'Mia Member' });

describe('creating a workflow', () => {
  it('from "Client onboarding" with a start date: every template task, due on start + its day offset', async () => {
    const tpl = await suite.api.template('tpl_client_onboarding');
    expect(tpl.tasks.length).toBeGreaterThanOrEqual(5);
    const res = await suite.a.client.raw('POST', '/v1/workflows', { body: { template_id: 'tpl_client_onboarding', start_date: '2031-01-27' } });
    const w = (await expectOk<Workflow>(res, 201)).data;
    expect(w).toMatchObject({
      name: 'Client onboarding', department: 'ops', status: 'active', owner_id: suite.a.userId, template_id: 'tpl_client_onboarding',
      template_version: tpl.version, start_date: '2031-01-27', cloned_from: null, version: 1,
      health: { status: 'green', reasons: [] }, progress: { done: 0, total: tpl.tasks.length },
    });
    expect(w.tasks!.map((x) => [x.position, x.name, x.status, x.priority, x.due_date])).toEqual(
      tpl.tasks.map((x, i) => [i, x.name, 'todo', x.priority, addDays('2031-01-27', x.day)]),
    );
    // The 30-day check-in lands in February: dates are calendar arithmetic, not string edits.
    expect(w.tasks!.find((x) => x.name === '30-day check-in')?.due_date).toBe('2031-02-26');

    // One workflow.created diff, and one task.created per task caused by it.
    const { items } = await suite.api.versions(w.id, { limit: 50 });
    const created = items.find((d) => d.event === 'workflow.created')!;
    expect(created.metadata).toEqual({ template_id: 'tpl_client_onboarding', template_version: tpl.version });
    const tasks = items.filter((d) => d.event === 'task.created');
    expect(tasks).toHaveLength(tpl.tasks.length);
    expect(new Set(tasks.map((d) => d.causation_id))).toEqual(new Set([created.id]));
  });

  it('without a start date, the plan starts today', async () => {
    const before = day(0);
    const w = await suite.api.create({ template_id: 'tpl_project_kickoff' });
    expect([before, day(0)]).toContain(w.start_date);
    expect(w.tasks![0]!.due_date).toBe(w.start_date);
  });

  it('refuses a blank workflow without a name, an unknown template, a bad date, an unknown field or a non-member owner', async () => {
    const post = (body: Record<string, unknown>) => suite.a.client.raw('POST', '/v1/workflows', { body });
    expect(detailPaths(await expectError(await post({ department: 'ops' }), 400, 'VALIDATION_FAILED'))).toEqual(['body.name']);
    await expectError(await post({ template_id: 'tpl_does_not_exist' }), 404, 'NOT_FOUND');
    expect(detailPaths(await expectError(await post({ name: 'X', start_date: '2031-02-30' }), 400, 'VALIDATION_FAILED'))).toEqual(['body.start_date']);
    expect(detailPaths(await expectError(await post({ name: 'X', department: 'Sales Team' }), 400, 'VALIDATION_FAILED'))).toEqual(['body.department']);
    await expectError(await post({ name: 'X', colour: 'red' }), 400, 'VALIDATION_FAILED');
    expect(detailPaths(await expectError(await post({ name: 'X', owner_id: suite.b.userId }), 400, 'VALIDATION_FAILED'))).toEqual(['body.owner_id']);
  });
});

describe('updating, archiving, restoring', () => {
  it('a stale version (body or If-Match) is refused with 409 VERSION_CONFLICT and the first change is kept', async () => {
    const w = await suite.api.create({ name: 'Website relaunch', department: 'creative' });
    const first = await suite.api.update(w.id, { name: 'Website relaunch 2031', version: 1, why: 'scope confirmed' });
    expect(first).toMatchObject({ name: 'Website relaunch 2031', version: 2 });
    const stale = await expectError(await suite.a.client.raw('PATCH', `/v1/workflows/${w.id}`, { body: { name: 'Lost', version: 1 } }), 409, 'VERSION_CONFLICT');
    expect(stale.error.details[0]).toMatchObject({ current_version: 2, given_version: 1 });
    await expectError(await suite.a.client.raw('PATCH', `/v1/workflows/${w.id}`, { body: { name: 'Lost' }, headers: { 'if-match': '"1"' } }), 409, 'VERSION_CONFLICT');
    await expectError(await suite.a.client.raw('PATCH', `/v1/workflows/${w.id}`, { body: { name: 'Lost' }, headers: { 'if-match': 'yesterday' } }), 400, 'VALIDATION_FAILED');
    expect(await suite.api.update(w.id, { owner_id: suite.member.userId }, { 'if-match': '"2"' })).toMatchObject({ name: 'Website relaunch 2031', owner_id: suite.member.userId, version: 3 });
    expect(detailPaths(await expectError(await suite.a.client.raw('PATCH', `/v1/workflows/${w.id}`, { body: { owner_id: suite.b.userId } }), 400, 'VALIDATION_FAILED'))).toEqual(['body.owner_id']);
    expect((await suite.api.get(w.id)).version).toBe(3);
  });

  it('archive needs a why; an archived workflow refuses changes (409 ARCHIVED) but can be cloned; restore brings it back', async () => {
    const w = await suite.api.create({ template_id: 'tpl_client_offboarding', start_date: '2031-05-01' });
    const taskId = w.tasks![0]!.id;
    await expectError(await suite.a.client.raw('DELETE', `/v1/workflows/${w.id}`), 422, 'WHY_REQUIRED');
    expect(await suite.api.get(w.id)).toMatchObject({ status: 'active', archived_at: null, version: 1 });

    const archived = await suite.api.archive(w.id, 'client left, contract ended');
    expect(archived).toMatchObject({ status: 'archived', version: 2 });
    expect(Date.parse(archived.archived_at!)).toBeGreaterThan(Date.now() - 60_000);
    const diff = (await suite.api.versions(w.id)).items[0]!;
    expect(diff).toMatchObject({ event: 'workflow.archived', before: { status: 'active' }, after: { status: 'archived' } });
    expect(diff.annotations.map((x) => x.why)).toEqual(['client left, contract ended']);

    await expectError(await suite.a.client.raw('PATCH', `/v1/workflows/${w.id}`, { body: { name: 'Nope' } }), 409, 'ARCHIVED');
    await expectError(await suite.a.client.raw('POST', `/v1/workflows/${w.id}/tasks`, { body: { name: 'Nope' } }), 409, 'ARCHIVED');
    await expectError(await suite.a.client.raw('PATCH', `/v1/tasks/${taskId}`, { body: { status: 'done' } }), 409, 'ARCHIVED');
    await expectError(await suite.a.client.raw('DELETE', `/v1/tasks/${taskId}`), 409, 'ARCHIVED');
    await expectError(await suite.a.client.raw('DELETE', `/v1/workflows/${w.id}`, { query: { why: 'again' } }), 409, 'ARCHIVED');

    const copy = (await expectOk<Workflow>(await suite.a.client.raw('POST', `/v1/workflows/${w.id}/clone`), 201)).data;
    expect(copy).toMatchObject({ status: 'active', cloned_from: w.id, progress: { done: 0, total: w.tasks!.length } });

    const restored = await suite.api.restore(w.id, { why: 'client came back' });
    expect(restored).toMatchObject({ status: 'active', archived_at: null, version: 3 });
    await expectError(await suite.a.client.raw('POST', `/v1/workflows/${w.id}/restore`), 409, 'NOT_ARCHIVED');
    expect((await suite.api.patchTask(taskId, { status: 'done' })).status).toBe('done');
  });
});

describe('cloning', () => {
  it('copies tasks (fresh statuses, same order and assignees), settings and the template, shifts due dates, records where it came from', async () => {
    const src = await suite.api.create({ template_id: 'tpl_content_production', start_date: '2031-03-02', settings: { sla_days: 3, channel: 'blog' } });
    const [t0, t1, t2] = src.tasks! as [Task, Task, Task];
    await suite.api.patchTask(t0.id, { status: 'done', assignee_id: suite.member.userId });
    await suite.api.patchTask(t1.id, { status: 'in_progress', assignee_id: suite.a.userId });
    await suite.api.patchTask(t2.id, { status: 'failed', why: 'brief was wrong' });
    const srcNow = await suite.api.get(src.id);

    const copy = await suite.api.clone(src.id, { name: 'Content: March issue', start_date: '2031-03-09', why: 'next issue' });
    expect(copy).toMatchObject({
      name: 'Content: March issue', cloned_from: src.id, template_id: 'tpl_content_production', template_version: src.template_version,
      department: 'creative', settings: { sla_days: 3, channel: 'blog' }, start_date: '2031-03-09', owner_id: suite.a.userId, status: 'active',
      progress: { done: 0, total: src.tasks!.length }, version: 1,
    });
    expect(copy.tasks!.map((x) => [x.name, x.status, x.assignee_id, x.due_date, x.priority])).toEqual(
      srcNow.tasks!.map((x) => [x.name, 'todo', x.assignee_id, addDays(x.due_date!, 7), x.priority]),
    );
    expect(copy.tasks!.every((x) => x.blocked_at === null && x.completed_at === null && !srcNow.tasks!.some((s) => s.id === x.id))).toBe(true);
    expect(await suite.api.get(src.id)).toEqual(srcNow);
    const created = (await suite.api.versions(copy.id, { limit: 100 })).items.find((d) => d.event === 'workflow.created')!;
    expect(created.metadata).toEqual({ cloned_from: src.id });
    expect(created.annotations.map((x) => x.why)).toEqual(['next issue']);
  });
});

describe('the list', () => {
  it('filters by status, health, owner and department, sorts, and pages with a cursor', async () => {
    const c = await suite.t.tenant('Lister');
    const capi = workApi(c.client);
    const m = await addMember(suite.t, c, 'Lena Lister');
    const ops = await capi.create({ name: 'Alpha ops', department: 'ops' });
    const sales = await capi.create({ name: 'Bravo deals', department: 'sales', owner_id: m.userId });
    await capi.addTask(sales.id, { name: 'Send proposal', due_date: day(-1) }); // overdue by < 1 day: yellow
    const old = await capi.create({ name: 'Charlie deals 2030', department: 'sales' });
    await capi.archive(old.id, 'season over');
    const creative = await capi.create({ name: 'Delta video', department: 'creative', owner_id: m.userId });
    await sleep(5);
    await capi.update(ops.id, { description: 'touched last' });

    const list = async (query: Record<string, string | number>) => {
      const res = await c.client.request<Workflow[]>('GET', '/v1/workflows', { query });
      return { ids: res.data.map((w) => w.id), data: res.data, meta: res.meta };
    };
    expect((await list({ status: 'archived' })).ids).toEqual([old.id]);
    expect(new Set((await list({ status: 'active' })).ids)).toEqual(new Set([ops.id, sales.id, creative.id]));
    expect(new Set((await list({ department: 'sales' })).ids)).toEqual(new Set([sales.id, old.id]));
    expect(new Set((await list({ namespace: 'sales' })).ids)).toEqual(new Set([sales.id, old.id]));
    expect(new Set((await list({ owner_id: m.userId })).ids)).toEqual(new Set([sales.id, creative.id]));
    const yellow = await list({ health: 'yellow' });
    expect(yellow.ids).toEqual([sales.id]);
    expect(yellow.data[0]!.health.reasons).toEqual(['"Send proposal" is overdue']);
    expect(new Set((await list({ health: 'green', status: 'active' })).ids)).toEqual(new Set([ops.id, creative.id]));

    const byUpdated = (await list({ sort: 'updated_at' })).data;
    expect(byUpdated[0]!.id).toBe(ops.id);
    expect(byUpdated.map((w) => w.updated_at)).toEqual([...byUpdated.map((w) => w.updated_at)].sort().reverse());
    expect((await list({ sort: 'name', order: 'asc' })).ids).toEqual([ops.id, sales.id, old.id, creative.id]);
    expect((await list({ sort: 'status', order: 'desc' })).ids[0]).toBe(old.id);
    const byOwner = (await list({ sort: 'owner', order: 'asc' })).data.map((w) => w.owner_id ?? '');
    expect(byOwner).toEqual([...byOwner].sort());
    expect(new Set(byOwner)).toEqual(new Set([c.userId, m.userId]));

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await list({ sort: 'name', order: 'asc', limit: 3, ...(cursor ? { cursor } : {}) });
      expect(page.meta.total).toBe(4);
      seen.push(...page.ids);
      cursor = typeof page.meta.next_cursor === 'string' ? page.meta.next_cursor : undefined;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(2);
    expect(seen).toEqual([ops.id, sales.id, old.id, creative.id]);

    for (const [k, v] of [['sort', 'colour'], ['health', 'purple'], ['cursor', 'abc'], ['limit', '0'], ['status', 'deleted']] as const) {
      expect(detailPaths(await expectError(await c.client.raw('GET', '/v1/workflows', { query: { [k]: v } }), 400, 'VALIDATION_FAILED'))).toEqual([`query.${k}`]);
    }
    expect((await suite.a.client.request<Workflow[]>('GET', '/v1/workflows', { query: { limit: 200 } })).data.some((w) => w.id === ops.id)).toBe(false);
  });
});

describe('history: versions, /v1/diffs and replay', () => {
  it('every change is a diff with who and why; the workflow replays as it was before a change', async () => {
    const w = await suite.api.create({ name: 'Quarterly report', department: 'finance', why: 'board asked for it' });
    const task = await suite.api.addTask(w.id, { name: 'Collect numbers' });
    await sleep(20);
    const beforeRename = new Date().toISOString();
    await sleep(20);
    await suite.api.update(w.id, { name: 'Q3 report', why: 'it is for Q3 only' });
    await suite.api.patchTask(task.id, { status: 'blocked', why: 'waiting for the bank statement', sentiment: -1 });

    const { items } = await suite.api.versions(w.id);
    expect(items.map((d) => d.event)).toEqual(['workflow.health_changed', 'task.updated', 'workflow.updated', 'task.created', 'workflow.created']);
    expect(items.every((d) => d.namespace === 'flow_os' && d.actor.id === suite.a.userId)).toBe(true);
    const whys = Object.fromEntries(items.map((d) => [d.event, d.annotations.map((x) => [x.why, x.sentiment])]));
    expect(whys).toMatchObject({
      'workflow.created': [['board asked for it', 0]], 'workflow.updated': [['it is for Q3 only', 0]],
      'task.updated': [['waiting for the bank statement', -1]], 'workflow.health_changed': [],
    });
    expect(items[2]).toMatchObject({ before: { name: 'Quarterly report', version: 1 }, after: { name: 'Q3 report', version: 2 } });
    expect(items[0]).toMatchObject({ before: { health: 'green' }, after: { health: 'yellow' }, metadata: { reasons: ['"Collect numbers" is blocked'] } });

    // Paged: the same diffs, two at a time.
    const paged: Diff[] = [];
    let cursor: string | undefined;
    do {
      const page = await suite.api.versions(w.id, { limit: 2, cursor });
      paged.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(paged.map((d) => d.id)).toEqual(items.map((d) => d.id));

    // The audit log shows every one of them under namespace flow_os.
    const flow = await suite.a.client.diffs.all({ namespace: 'flow_os' });
    expect(flow.every((d) => d.namespace === 'flow_os')).toBe(true);
    const flowIds = new Set(flow.map((d) => d.id));
    expect(items.every((d) => flowIds.has(d.id))).toBe(true);

    const replay = (at: string) => suite.a.client.request<ReplayedState>('GET', `/v1/entities/workflow/${w.id}/state`, { query: { at } });
    expect((await replay(beforeRename)).data.state).toMatchObject({ name: 'Quarterly report', department: 'finance', version: 1 });
    expect((await replay(new Date().toISOString())).data.state).toMatchObject({ name: 'Q3 report', version: 2, health: 'yellow' });
    expect((await replay(new Date(Date.parse(w.created_at) - 60_000).toISOString())).data.state).toBeNull();
    expect((await suite.a.client.request<ReplayedState>('GET', `/v1/entities/task/${task.id}/state`, { query: { at: beforeRename } })).data.state).toMatchObject({ status: 'todo' });
  });
});

describe('another tenant', () => {
  it('gets 404 for every workflow endpoint and cannot point at our workflows or people', async () => {
    const w = await suite.api.create({ template_id: 'tpl_project_kickoff', start_date: '2031-06-01' });
    const bc = suite.b.client;
    const calls: Array<[string, string, Record<string, unknown>?]> = [
      ['GET', `/v1/workflows/${w.id}`], ['PATCH', `/v1/workflows/${w.id}`, { name: 'Mine now' }], ['DELETE', `/v1/workflows/${w.id}`, { why: 'x' }],
      ['POST', `/v1/workflows/${w.id}/restore`], ['POST', `/v1/workflows/${w.id}/clone`], ['GET', `/v1/workflows/${w.id}/versions`],
      ['GET', `/v1/workflows/${w.id}/tasks`], ['POST', `/v1/workflows/${w.id}/tasks`, { name: 'Sneaky' }], ['POST', `/v1/workflows/${w.id}/save-as-template`],
    ];
    for (const [method, path, body] of calls) await expectError(await bc.raw(method, path, { body }), 404, 'NOT_FOUND');
    expect(detailPaths(await expectError(await bc.raw('POST', '/v1/workflows', { body: { name: 'Handoff', started_from: w.id } }), 400, 'VALIDATION_FAILED'))).toEqual(['body.started_from']);
    expect(detailPaths(await expectError(await bc.raw('POST', '/v1/workflows', { body: { name: 'Mine', owner_id: suite.a.userId } }), 400, 'VALIDATION_FAILED'))).toEqual(['body.owner_id']);
    await expectError(await bc.raw('GET', `/v1/entities/workflow/${w.id}/state`), 404, 'NOT_FOUND');
    await expectError(await bc.raw('GET', `/v1/entities/workflow/${w.id}/history`), 404, 'NOT_FOUND');
    expect((await bc.request<Workflow[]>('GET', '/v1/workflows')).data).toEqual([]);
    expect(await suite.api.get(w.id)).toEqual(w);
  });
});
