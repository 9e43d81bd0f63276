// Every Reflex Arc action end to end over real HTTP: notify (assignee, owner, role, user) and the
// notification inbox, tag, create_task and start_workflow with templating, predict from the
// tenant's own history, and webhooks (CloudEvents body, HMAC signature, secrets shown once,
// retries with a delivery log, Retry-After, SSRF refusal) against a receiver inside the test.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AtriumClient } from '../../../../sdk/src/index.js';
import { startTestApp, type TestApp, type TestTenant } from '../../testing/harness.js';
import { expectError, expectOk, waitFor } from '../../testing/http.js';
import { addMember, day, ownerQuery, workApi, type Template } from '../work/testing.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ config: { webhookAllowPrivate: true, webhookRetryBaseSeconds: 0.2 } });
});
afterAll(() => t?.stop());

type Rule = { id: string; kind: string; enabled: boolean; version: number; actions: Record<string, unknown>[] };
type Delivery = { attempt: number; status_code: number | null; error: string | null; duration_ms: number; next_retry_at: string | null; created_at: string };
type Run = {
  id: string; rule_id: string; status: string; diff_id: string; effect_diff_id: string | null; effect: Record<string, unknown> | null;
  error: string | null; attempts: number; action_type: string; entity_id: string; deliveries?: Delivery[];
};
type Notification = { id: string; title: string; body: string; read: boolean; link: string | null; entity: { type: string; id: string } | null };
type DiffView = {
  id: string; event: string; namespace: string; entity_type: string; entity_id: string; causation_id: string | null;
  before: Record<string, unknown> | null; after: Record<string, unknown> | null; metadata: Record<string, unknown>; actor: { type: string; id: string };
};
type Created = { rule: Rule; warnings: string[]; secrets: Record<string, string> };

const createRule = async (c: AtriumClient, body: unknown): Promise<Created> => (await expectOk<Created>(await c.raw('POST', '/v1/rules', { body }), 201)).data;
const runsOf = async (c: AtriumClient, ruleId: string) => (await expectOk<Run[]>(await c.raw('GET', `/v1/rule-runs?rule_id=${ruleId}`))).data;
const runById = async (c: AtriumClient, id: string) => (await expectOk<Run>(await c.raw('GET', `/v1/rule-runs/${id}`))).data;
const inbox = async (c: AtriumClient, q = '') => expectOk<Notification[]>(await c.raw('GET', `/v1/notifications${q}`));
const diffsOf = async (c: AtriumClient, q: string) => (await expectOk<DiffView[]>(await c.raw('GET', `/v1/diffs?${q}`))).data;
/** Waits until the rule has `n` finished runs (none queued) and returns them. */
const settledRuns = (c: AtriumClient, ruleId: string, n = 1) =>
  waitFor(`${n} settled run(s) of ${ruleId}`, async () => {
    const runs = await runsOf(c, ruleId);
    return runs.length >= n && runs.every((r) => r.status !== 'queued') ? runs : undefined;
  });

describe('notify', () => {
  let a: TestTenant;
  let admin: Awaited<ReturnType<typeof addMember>>;
  let member: Awaited<ReturnType<typeof addMember>>;
  let viewer: Awaited<ReturnType<typeof addMember>>;

  beforeAll(async () => {
    a = await t.tenant('Notifiers');
    admin = await addMember(t, a, 'Ann Admin', 'admin');
    member = await addMember(t, a, 'Max Member', 'member');
    viewer = await addMember(t, a, 'Vic Viewer', 'viewer');
  });

  it('reaches the assignee, the workflow owner, every admin (and owner) and a named user — nobody else', async () => {
    const api = workApi(a.client);
    const { rule } = await createRule(a.client, {
      name: 'Started work',
      trigger: { namespace: 'flow_os', entity_type: 'task', event: 'task.updated', when: { path: 'after.status', op: 'changed_to', value: 'in_progress' } },
      actions: [
        { type: 'notify', to: 'assignee', message: 'A: {{after.name}} is yours' },
        { type: 'notify', to: 'owner', title: 'Owner: {{after.name}}', message: 'O: {{after.name}} started' },
        { type: 'notify', to: 'role:admin', message: 'R: {{after.name}} by {{actor.id}}' },
        { type: 'notify', to: `user:${viewer.userId}`, message: 'U: {{after.name}} ({{after.status}})' },
      ],
    });
    const w = await api.create({ name: 'Campaign', owner_id: admin.userId });
    const task = await api.addTask(w.id, { name: 'Draft brief', assignee_id: member.userId });
    await api.patchTask(task.id, { status: 'in_progress' });
    const runs = await settledRuns(a.client, rule.id, 4);
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);

    const bodies = async (c: AtriumClient) => (await inbox(c)).data.map((n) => n.body).sort();
    expect(await bodies(member.client)).toEqual(['A: Draft brief is yours']);
    expect(await bodies(admin.client)).toEqual(['O: Draft brief started', `R: Draft brief by ${a.userId}`]);
    expect(await bodies(a.client)).toEqual([`R: Draft brief by ${a.userId}`]);
    expect(await bodies(viewer.client)).toEqual(['U: Draft brief (in_progress)']);

    const own = (await inbox(admin.client)).data.find((n) => n.body.startsWith('O:'))!;
    expect(own).toMatchObject({ title: 'Owner: Draft brief', read: false, entity: { type: 'task', id: task.id }, link: `/workflows/${w.id}?task=${task.id}` });
    const assigneeRun = runs.find((r) => (r.effect?.notified as string[] | undefined)?.includes(member.userId))!;
    expect(assigneeRun.effect).toMatchObject({ notified: [member.userId] });
    // A status change the rule does not watch notifies nobody.
    await api.patchTask(task.id, { name: 'Draft brief v2' });
    await t.app.rules.drain();
    expect(await bodies(member.client)).toEqual(['A: Draft brief is yours']);
  });

  it('an unassigned task notifies no assignee (the run still succeeds, with nobody notified)', async () => {
    const api = workApi(a.client);
    const { rule } = await createRule(a.client, {
      name: 'Assignee only', trigger: { event: 'task.updated', when: { path: 'after.status', op: 'changed_to', value: 'done' } },
      actions: [{ type: 'notify', to: 'assignee', message: '{{after.name}} done' }],
    });
    const w = await api.create({ name: 'Nobody' });
    const task = await api.addTask(w.id, { name: 'Orphan' });
    await api.patchTask(task.id, { status: 'done' });
    const [run] = await settledRuns(a.client, rule.id);
    expect(run).toMatchObject({ status: 'succeeded', effect: { notified: [], notifications: [] } });
    await expectOk(await a.client.raw('DELETE', `/v1/rules/${rule.id}`));
  });

  it('the inbox: newest first, unread count in meta, read one, read all, unread filter', async () => {
    const before = await inbox(admin.client);
    expect(before.data.length).toBe(2);
    expect(before.meta.unread_count).toBe(2);
    const first = before.data[0]!;
    const read = await expectOk<Notification>(await admin.client.raw('POST', `/v1/notifications/${first.id}/read`));
    expect(read.data.read).toBe(true);
    expect((await inbox(admin.client)).meta.unread_count).toBe(1);
    const unread = await inbox(admin.client, '?unread=true');
    expect(unread.data.map((n) => n.id)).toEqual([before.data[1]!.id]);
    // Others' notifications are not mine to read.
    const viewerNote = (await inbox(viewer.client)).data[0]!;
    await expectError(await admin.client.raw('POST', `/v1/notifications/${viewerNote.id}/read`), 404, 'NOT_FOUND');
    const all = await expectOk<{ marked: number }>(await admin.client.raw('POST', '/v1/notifications/read-all'));
    expect(all.data.marked).toBe(1);
    const after = await inbox(admin.client);
    expect(after.meta.unread_count).toBe(0);
    expect(after.data.every((n) => n.read)).toBe(true);
    expect((await inbox(admin.client, '?unread=true')).data).toEqual([]);
    expect((await expectOk<{ marked: number }>(await admin.client.raw('POST', '/v1/notifications/read-all'))).data.marked).toBe(0);
    // The viewer's own is untouched by the admin's read-all.
    expect((await inbox(viewer.client)).meta.unread_count).toBe(1);
    // Reading is recorded.
    const readDiffs = await diffsOf(admin.client, `namespace=notifications&event=notification.read&actor_id=${admin.userId}`);
    expect(readDiffs.map((d) => d.entity_id).sort()).toEqual(before.data.map((n) => n.id).sort());
  });
});

describe('tag', () => {
  it('adds and removes tags on the task; the tag change is a diff by the rule caused by the trigger', async () => {
    const a = await t.tenant('Taggers');
    const api = workApi(a.client);
    const { rule } = await createRule(a.client, {
      name: 'Failed → review', trigger: { namespace: 'flow_os', entity_type: 'task', event: 'task.updated', when: { path: 'after.status', op: 'changed_to', value: 'failed' } },
      actions: [{ type: 'tag', add: ['needs-review', 'p-{{after.priority}}'], remove: ['draft'] }],
    });
    const w = await api.create({ name: 'Tagged' });
    const task = await api.addTask(w.id, { name: 'Render', tags: ['draft', 'client'], priority: 'high' });
    await api.patchTask(task.id, { status: 'failed', why: 'render farm down' });
    const [run] = await settledRuns(a.client, rule.id);
    expect(run!.status).toBe('succeeded');
    expect(run!.effect).toEqual({ tags: ['client', 'needs-review', 'p-high'], changed: true });
    expect((await api.task(task.id)).tags).toEqual(['client', 'needs-review', 'p-high']);

    const updates = await diffsOf(a.client, `entity_id=${task.id}&event=task.updated`);
    const trigger = updates.find((d) => d.after?.status === 'failed')!;
    const tagged = updates.find((d) => d.after?.tags !== undefined)!;
    expect(trigger.id).toBe(run!.diff_id);
    expect(tagged.causation_id).toBe(trigger.id);
    expect(tagged.actor).toEqual({ type: 'rule', id: rule.id });
    expect(tagged.before).toMatchObject({ tags: ['draft', 'client'] });
    expect(tagged.after).toMatchObject({ tags: ['client', 'needs-review', 'p-high'] });
    expect(tagged.metadata).toMatchObject({ rule_id: rule.id, run_id: run!.id, chain_depth: 1 });
    // The tag change is itself a task.updated diff, but it does not re-fire (status did not change).
    await t.app.rules.drain();
    expect(await runsOf(a.client, rule.id)).toHaveLength(1);
  });

  it('a tag action on a workflow diff fails the run with a reason (workflows carry no tags)', async () => {
    const a = await t.tenant('Tag misuse');
    const { rule } = await createRule(a.client, { name: 'Tag workflows', trigger: { event: 'workflow.created' }, actions: [{ type: 'tag', add: ['x'] }] });
    await workApi(a.client).create({ name: 'Untaggable' });
    const [run] = await settledRuns(a.client, rule.id);
    expect(run).toMatchObject({ status: 'failed', error: expect.stringContaining('Only tasks carry tags') });
  });
});

describe('create_task and start_workflow', () => {
  it('create_task in the same workflow, named from the diff, by the rule', async () => {
    const a = await t.tenant('Creators');
    const api = workApi(a.client);
    const member = await addMember(t, a, 'Fay Follower');
    const { rule } = await createRule(a.client, {
      name: 'Follow up', trigger: { namespace: 'flow_os', event: 'task.created', when: { path: 'after.tags', op: 'contains', value: 'follow-up' } },
      actions: [{ type: 'create_task', name: 'Follow up on {{after.name}}', description: 'Raised by {{rule.name}}', priority: 'high', assignee: 'actor', due_in_days: 3 }],
    });
    const w = await api.create({ name: 'Sales' });
    const other = await api.create({ name: 'Elsewhere' });
    const call = await workApi(member.client).addTask(w.id, { name: 'Call ACME', tags: ['follow-up'] });
    await api.addTask(other.id, { name: 'Untagged' });
    const [run] = await settledRuns(a.client, rule.id);
    expect(run!.status).toBe('succeeded');
    const tasks = await api.tasks(w.id);
    expect(tasks.map((x) => x.name)).toEqual(['Call ACME', 'Follow up on Call ACME']);
    const made = tasks[1]!;
    expect(made).toMatchObject({ description: 'Raised by Follow up', priority: 'high', assignee_id: member.userId, due_date: day(3), tags: [] });
    expect(run!.effect).toEqual({ task_id: made.id, workflow_id: w.id });
    expect(await api.tasks(other.id)).toHaveLength(1);
    const [created] = await diffsOf(a.client, `entity_id=${made.id}&event=task.created`);
    expect(created!.actor).toEqual({ type: 'rule', id: rule.id });
    expect(created!.causation_id).toBe(run!.diff_id);
    const [trigger] = await diffsOf(a.client, `entity_id=${call.id}&event=task.created`);
    expect(trigger!.id).toBe(run!.diff_id);
    // The created task (no follow-up tag) does not fire the rule again.
    await t.app.rules.drain();
    expect(await runsOf(a.client, rule.id)).toHaveLength(1);
  });

  it('start_workflow from a built-in template; another tenant’s saved template or workflow is not found', async () => {
    const a = await t.tenant('Starters');
    const b = await t.tenant('Other starters');
    const api = workApi(a.client);
    const templates = (await expectOk<Template[]>(await a.client.raw('GET', '/v1/templates'))).data;
    const builtin = templates.find((x) => x.builtin && x.id === 'tpl_client_onboarding');
    expect(builtin).toBeDefined();
    expect(templates.filter((x) => x.builtin).length).toBeGreaterThanOrEqual(5);

    const { rule } = await createRule(a.client, {
      name: 'Onboard won clients', trigger: { namespace: 'flow_os', entity_type: 'task', event: 'task.updated', when: { all: [{ path: 'after.status', op: 'changed_to', value: 'done' }, { path: 'entity.tags', op: 'contains', value: 'deal' }] } },
      actions: [{ type: 'start_workflow', template_id: builtin!.id, name: 'Onboarding: {{after.name}}', owner: 'actor', department: 'ops' }],
    });
    const sales = await api.create({ name: 'Pipeline' });
    const deal = await api.addTask(sales.id, { name: 'ACME deal', tags: ['deal'] });
    const plain = await api.addTask(sales.id, { name: 'Admin chore' });
    await api.patchTask(plain.id, { status: 'done' });
    await api.patchTask(deal.id, { status: 'done' });
    const [run] = await settledRuns(a.client, rule.id);
    expect(run!.status).toBe('succeeded');
    expect(run!.entity_id).toBe(deal.id);
    const started = await api.get(run!.effect!.workflow_id as string);
    expect(started).toMatchObject({ name: 'Onboarding: ACME deal', template_id: builtin!.id, owner_id: a.userId, department: 'ops', started_from: sales.id });
    expect((await api.tasks(started.id)).map((x) => x.name)).toEqual(builtin!.tasks.map((x) => x.name));
    const [createdDiff] = await diffsOf(a.client, `entity_id=${started.id}&event=workflow.created`);
    expect(createdDiff!.actor).toEqual({ type: 'rule', id: rule.id });
    expect(createdDiff!.causation_id).toBe(run!.diff_id);

    // Tenant B's own template and workflow exist — for B only.
    const bw = await workApi(b.client).create({ name: 'B process' });
    await workApi(b.client).addTask(bw.id, { name: 'B step' });
    const bTemplate = await workApi(b.client).saveAsTemplate(bw.id, { name: 'B template' });
    expect((await workApi(b.client).template(bTemplate.id)).name).toBe('B template');
    const refuse = async (action: unknown) =>
      expectError(await a.client.raw('POST', '/v1/rules', { body: { name: 'Cross-tenant', trigger: { event: 'task.created' }, actions: [action] } }), 404, 'NOT_FOUND');
    await refuse({ type: 'start_workflow', template_id: bTemplate.id, name: 'x' });
    await refuse({ type: 'start_workflow', template_id: 'tpl_does_not_exist', name: 'x' });
    await refuse({ type: 'create_task', workflow: bw.id, name: 'x' });
    // The same references are fine for B.
    await createRule(b.client, { name: 'Own template', trigger: { event: 'task.created' }, actions: [{ type: 'start_workflow', template_id: bTemplate.id, name: 'x' }], enabled: false });
    // And A cannot patch a rule into referring to B's template either.
    await expectError(await a.client.raw('PATCH', `/v1/rules/${rule.id}`, { body: { actions: [{ type: 'start_workflow', template_id: bTemplate.id, name: 'x' }] } }), 404, 'NOT_FOUND');
  });
});

describe('predict', () => {
  it('workflow_completion: the median of similar finished workflows, with the evidence, as a workflow.predicted diff', async () => {
    const a = await t.tenant('Forecasters');
    const api = workApi(a.client);
    /** A workflow in `department` whose tasks are all done, that started `daysAgo` days ago. */
    const finished = async (name: string, department: string, daysAgo: number) => {
      const w = await api.create({ name, department });
      for (const n of ['one', 'two']) await api.patchTask((await api.addTask(w.id, { name: n })).id, { status: 'done' });
      await ownerQuery(t, `update workflows set created_at = now() - make_interval(days => $2) where id = $1`, [w.id, daysAgo]);
      return w.id;
    };
    const f4 = await finished('Four', 'marketing', 4);
    const f6 = await finished('Six', 'marketing', 6);
    const f10 = await finished('Ten', 'marketing', 10);
    await finished('Slow other department', 'legal', 100);
    const open = await api.create({ name: 'Unfinished', department: 'marketing' });
    await api.addTask(open.id, { name: 'still todo' });

    const { rule } = await createRule(a.client, {
      name: 'Forecast', trigger: { namespace: 'flow_os', entity_type: 'workflow', event: 'workflow.created' },
      actions: [{ type: 'predict', model: 'workflow_completion' }],
    });
    const w = await api.create({ name: 'New campaign', department: 'marketing' });
    const [run] = await settledRuns(a.client, rule.id);
    expect(run!.status).toBe('succeeded');

    const [predicted] = await diffsOf(a.client, `entity_id=${w.id}&event=workflow.predicted`);
    expect(predicted).toBeDefined();
    expect(predicted!.namespace).toBe('rules');
    expect(predicted!.actor).toEqual({ type: 'rule', id: rule.id });
    expect(predicted!.id).toBe(run!.effect_diff_id);
    const [trigger] = await diffsOf(a.client, `entity_id=${w.id}&event=workflow.created`);
    expect(predicted!.causation_id).toBe(trigger!.id);
    const startedOn = Date.parse((trigger as DiffView & { created_at: string }).created_at);
    expect(predicted!.after).toEqual({
      prediction: {
        days_to_complete: 6, range_days: [4, 10], confidence: 'medium',
        expected_on: new Date(startedOn + 6 * 86_400_000).toISOString().slice(0, 10),
      },
    });
    expect(predicted!.metadata).toMatchObject({ model: 'workflow_completion', evidence: { basis: 'department', samples: 3, department: 'marketing', template_id: null } });
    expect(((predicted!.metadata.evidence as { workflow_ids: string[] }).workflow_ids).sort()).toEqual([f4, f6, f10].sort());
    expect(run!.effect).toMatchObject({ prediction: { days_to_complete: 6 } });

    // No history for this department → falls back to all finished workflows (4 of them).
    const other = await api.create({ name: 'Brand new dept', department: 'research' });
    await waitFor('a second run', async () => ((await runsOf(a.client, rule.id)).filter((r) => r.status === 'succeeded').length === 2 ? true : undefined));
    const [fallback] = await diffsOf(a.client, `entity_id=${other.id}&event=workflow.predicted`);
    expect(fallback!.metadata).toMatchObject({ evidence: { basis: 'all', samples: 4 } });
    expect(fallback!.after).toMatchObject({ prediction: { days_to_complete: 6, range_days: [4, 10], confidence: 'medium' } });
  });

  it('workflow_completion with no history says so instead of guessing', async () => {
    const a = await t.tenant('No history');
    const { rule } = await createRule(a.client, { name: 'Forecast', trigger: { event: 'workflow.created' }, actions: [{ type: 'predict', model: 'workflow_completion' }] });
    const w = await workApi(a.client).create({ name: 'First ever' });
    await settledRuns(a.client, rule.id);
    const [p] = await diffsOf(a.client, `entity_id=${w.id}&event=workflow.predicted`);
    expect(p!.after).toEqual({ prediction: { days_to_complete: null, expected_on: null, reason: 'no finished workflow to learn from yet' } });
    expect(p!.metadata).toMatchObject({ evidence: { samples: 0 } });
  });

  it('task_slip: Laplace’s estimate from the assignee’s on-time, late and overdue tasks', async () => {
    const a = await t.tenant('Slippers');
    const api = workApi(a.client);
    const sam = await addMember(t, a, 'Sam Slow');
    const w = await api.create({ name: 'Record' });
    const done = async (name: string, due: string) => api.patchTask((await api.addTask(w.id, { name, assignee_id: sam.userId, due_date: due })).id, { status: 'done' });
    await done('on time', day(5));
    await done('late 1', day(-3));
    await done('late 2', day(-10));
    await api.addTask(w.id, { name: 'overdue', assignee_id: sam.userId, due_date: day(-1) });
    await api.addTask(w.id, { name: 'no due date', assignee_id: sam.userId });
    // Someone else's record does not count.
    await api.patchTask((await api.addTask(w.id, { name: 'owner late', assignee_id: a.userId, due_date: day(-2) })).id, { status: 'done' });

    const { rule } = await createRule(a.client, {
      name: 'Slip risk', trigger: { namespace: 'flow_os', entity_type: 'task', event: 'task.updated', when: { path: 'after.assignee_id', op: 'changed' } },
      actions: [{ type: 'predict', model: 'task_slip' }],
    });
    const next = await api.addTask(w.id, { name: 'Next job' });
    await api.patchTask(next.id, { assignee_id: sam.userId });
    const [run] = await settledRuns(a.client, rule.id);
    expect(run!.status).toBe('succeeded');
    const [p] = await diffsOf(a.client, `entity_id=${next.id}&event=task.predicted`);
    // 1 on time, 2 late, 1 open overdue → (3 + 1) / (4 + 2)
    expect(p!.after).toEqual({ prediction: { slip_probability: 0.67, confidence: 'medium' } });
    expect(p!.metadata).toMatchObject({ model: 'task_slip', evidence: { assignee_id: sam.userId, on_time: 1, late: 2, open_overdue: 1, method: 'laplace' } });
    expect(p!.causation_id).toBe(run!.diff_id);

    // Unassigning also "changes" the assignee: the prediction says there is nobody to judge.
    await api.patchTask(next.id, { assignee_id: null });
    const runs = await settledRuns(a.client, rule.id, 2);
    const latest = await diffsOf(a.client, `entity_id=${next.id}&event=task.predicted`);
    expect(runs.every((r) => r.status === 'succeeded')).toBe(true);
    expect(latest[0]!.after).toEqual({ prediction: { slip_probability: null, reason: 'the task has no assignee' } });
  });
});

type Received = { headers: IncomingHttpHeaders; body: string; at: number };

/** A webhook receiver on 127.0.0.1 answering from a script of statuses (then 200). */
async function receiver(script: { status: number; headers?: Record<string, string> }[] = []): Promise<{ url: string; got: Received[]; close: () => Promise<void> }> {
  const got: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      const step = script[got.length - 1] ?? { status: 200 };
      res.writeHead(step.status, { 'content-type': 'text/plain', ...step.headers });
      res.end(step.status < 300 ? 'ok' : 'nope');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, got, close: () => new Promise<void>((r) => server.close(() => r())) };
}

function verify(secret: string, r: Received): boolean {
  const header = String(r.headers['atrium-signature'] ?? '');
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!m) return false;
  const expected = createHmac('sha256', secret).update(`${m[1]}.${r.body}`).digest('hex');
  return expected === m[2] && Math.abs(Number(m[1]) - Date.now() / 1000) < 300;
}

describe('webhook', () => {
  const hookRule = (url: string, extra: Record<string, unknown> = {}) => ({
    name: 'Push task changes',
    trigger: { namespace: 'flow_os', entity_type: 'task', event: 'task.updated', when: { path: 'after.status', op: 'changed' } },
    actions: [{ type: 'webhook', url, ...extra }],
  });

  it('POSTs a signed CloudEvent; the generated secret is shown once and never again (API, diffs, database)', async () => {
    const a = await t.tenant('Hookers');
    const rx = await receiver();
    try {
      const created = await createRule(a.client, hookRule(rx.url));
      const secret = created.secrets['0']!;
      expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{20,}$/);
      expect(Object.keys(created.secrets)).toEqual(['0']);
      expect(created.rule.actions[0]).toEqual({ type: 'webhook', url: rx.url, has_secret: true });

      const api = workApi(a.client);
      const w = await api.create({ name: 'Hooked' });
      const task = await api.addTask(w.id, { name: 'Ship it' });
      await api.patchTask(task.id, { status: 'blocked', why: 'waiting on QA' });
      const [run] = await settledRuns(a.client, created.rule.id);
      expect(run!.status).toBe('succeeded');
      expect(rx.got).toHaveLength(1);
      const r = rx.got[0]!;
      expect(r.headers['content-type']).toBe('application/cloudevents+json');
      expect(r.headers['webhook-id']).toBe(run!.id);
      expect(verify(secret, r)).toBe(true);
      expect(verify('whsec_wrong_secret_value_000', r)).toBe(false);
      const event = JSON.parse(r.body) as Record<string, unknown> & { data: { diff: Record<string, unknown>; rule: { id: string }; attempt: number } };
      expect(event).toMatchObject({
        specversion: '1.0', id: run!.id, type: 'atrium.task.updated', source: `atrium/rules/${created.rule.id}`,
        subject: `task/${task.id}`, datacontenttype: 'application/json',
      });
      expect(Date.parse(event.time as string)).not.toBeNaN();
      expect(event.data.diff).toMatchObject({ id: run!.diff_id, event: 'task.updated', after: { status: 'blocked' }, before: { status: 'todo' }, why: 'waiting on QA', actor: { type: 'user', id: a.userId } });
      expect(event.data.rule.id).toBe(created.rule.id);
      expect(event.data.attempt).toBe(1);
      expect(secret.length).toBeGreaterThan(20);
      expect(r.body).not.toContain(secret);

      // Never shown again: one rule, the list, the rule's diffs, and the stored row.
      const one = await a.client.raw('GET', `/v1/rules/${created.rule.id}`);
      const oneText = await one.text();
      expect(oneText).not.toContain(secret);
      expect(JSON.parse(oneText).data.actions[0]).toEqual({ type: 'webhook', url: rx.url, has_secret: true });
      expect(await (await a.client.raw('GET', '/v1/rules')).text()).not.toContain(secret);
      const ruleDiffs = await a.client.raw('GET', `/v1/diffs?entity_id=${created.rule.id}`);
      const ruleDiffText = await ruleDiffs.text();
      expect(ruleDiffText).toContain('rule.created');
      expect(ruleDiffText).not.toContain(secret);
      expect(ruleDiffText).not.toContain('secret_sealed');
      const rows = await ownerQuery<{ actions: unknown }>(t, 'select actions from rules where id = $1', [created.rule.id]);
      expect(JSON.stringify(rows[0]!.actions)).not.toContain(secret);
      expect(JSON.stringify(rows[0]!.actions)).toContain('secret_sealed');
      const anywhere = await ownerQuery<{ n: number }>(t, `select count(*)::int as n from diffs where tenant_id = $1 and (value_after::text like $2 or value_before::text like $2 or metadata::text like $2)`, [a.tenantId, `%${secret}%`]);
      expect(anywhere[0]!.n).toBe(0);

      // Patching other fields keeps the secret (nothing new shown); the run log shows the delivery.
      const renamed = (await expectOk<Created>(await a.client.raw('PATCH', `/v1/rules/${created.rule.id}`, { body: { name: 'Renamed hook' } }))).data;
      expect(renamed.secrets).toEqual({});
      const patchedActions = (await expectOk<Created>(await a.client.raw('PATCH', `/v1/rules/${created.rule.id}`, { body: { actions: [{ type: 'webhook', url: rx.url }] } }))).data;
      expect(patchedActions.secrets).toEqual({}); // same action slot: the sealed secret is kept
      await api.patchTask(task.id, { status: 'todo' });
      await settledRuns(a.client, created.rule.id, 2);
      expect(verify(secret, rx.got[1]!)).toBe(true);
      const detail = await runById(a.client, run!.id);
      expect(detail.deliveries).toEqual([expect.objectContaining({ attempt: 1, status_code: 200, error: null, next_retry_at: null })]);
      const [delivered] = await diffsOf(a.client, `entity_id=${run!.id}&event=webhook.delivered`);
      expect(delivered!.actor).toEqual({ type: 'rule', id: created.rule.id });
      expect(delivered!.id).toBe(detail.effect_diff_id);
    } finally {
      await rx.close();
    }
  });

  it('a secret given by the author is used and not echoed', async () => {
    const a = await t.tenant('Own secret');
    const rx = await receiver();
    try {
      const mine = 'my-own-webhook-secret-0123456789';
      const created = await createRule(a.client, hookRule(rx.url, { secret: mine }));
      expect(created.secrets).toEqual({});
      expect(JSON.stringify(created)).not.toContain(mine);
      const api = workApi(a.client);
      const task = await api.addTask((await api.create({ name: 'W' })).id, { name: 'T' });
      await api.patchTask(task.id, { status: 'done' });
      await settledRuns(a.client, created.rule.id);
      expect(verify(mine, rx.got[0]!)).toBe(true);
    } finally {
      await rx.close();
    }
  });

  it('retries 500, 500 then 200: three deliveries in the log with their status codes, one webhook-id, run succeeded', async () => {
    const a = await t.tenant('Flaky receiver');
    const rx = await receiver([{ status: 500 }, { status: 500 }, { status: 200 }]);
    try {
      const { rule, secrets } = await createRule(a.client, hookRule(rx.url));
      const api = workApi(a.client);
      const task = await api.addTask((await api.create({ name: 'W' })).id, { name: 'Retry me' });
      await api.patchTask(task.id, { status: 'in_progress' });
      const [run] = await waitFor('the run to succeed after retries', async () => {
        const runs = await runsOf(a.client, rule.id);
        return runs[0]?.status === 'succeeded' ? runs : undefined;
      }, 30_000);
      const detail = await runById(a.client, run!.id);
      expect(detail.deliveries!.map((d) => [d.attempt, d.status_code])).toEqual([[1, 500], [2, 500], [3, 200]]);
      expect(detail.deliveries![0]!.error).toBe('HTTP 500');
      expect(detail.deliveries![0]!.next_retry_at).not.toBeNull();
      expect(detail.deliveries![2]!.next_retry_at).toBeNull();
      expect(detail).toMatchObject({ status: 'succeeded', attempts: 3, error: null, effect: { status_code: 200, attempt: 3 } });
      expect(rx.got).toHaveLength(3);
      expect(new Set(rx.got.map((g) => g.headers['webhook-id']))).toEqual(new Set([run!.id]));
      expect(rx.got.map((g) => (JSON.parse(g.body) as { id: string; data: { attempt: number } }).data.attempt)).toEqual([1, 2, 3]);
      for (const g of rx.got) expect(verify(secrets['0']!, g)).toBe(true);
      // No fourth call after success: every job of the run (one per attempt) is done, none is
      // waiting to run, so nothing can call the receiver again.
      const jobs = await waitFor('every job of the run finished', async () => {
        const rows = await ownerQuery<{ state: string }>(t, `select state::text as state from pgboss.job where name = 'rules.act' and data->>'runId' = $1`, [run!.id]);
        return rows.length > 0 && rows.every((r) => ['completed', 'failed', 'cancelled'].includes(r.state)) ? rows : undefined;
      });
      expect(jobs.every((j) => j.state === 'completed'), JSON.stringify(jobs)).toBe(true);
      expect(rx.got).toHaveLength(3);
    } finally {
      await rx.close();
    }
  });

  it('honours Retry-After on 429', async () => {
    const a = await t.tenant('Rate limited receiver');
    const rx = await receiver([{ status: 429, headers: { 'retry-after': '2' } }, { status: 200 }]);
    try {
      const { rule } = await createRule(a.client, hookRule(rx.url));
      const api = workApi(a.client);
      const task = await api.addTask((await api.create({ name: 'W' })).id, { name: 'Later' });
      await api.patchTask(task.id, { status: 'in_progress' });
      const [run] = await waitFor('the run to succeed', async () => {
        const runs = await runsOf(a.client, rule.id);
        return runs[0]?.status === 'succeeded' ? runs : undefined;
      }, 30_000);
      const detail = await runById(a.client, run!.id);
      expect(detail.deliveries!.map((d) => d.status_code)).toEqual([429, 200]);
      const first = detail.deliveries![0]!;
      // Base backoff would be ≤ 0.3 s; the receiver asked for 2 s.
      expect(Date.parse(first.next_retry_at!) - Date.parse(first.created_at)).toBeGreaterThanOrEqual(1900);
      expect(rx.got[1]!.at - rx.got[0]!.at).toBeGreaterThanOrEqual(1900);
    } finally {
      await rx.close();
    }
  });

  it('gives up after the attempt limit with a failed run and a webhook.failed diff', async () => {
    const a = await t.tenant('Dead receiver');
    const rx = await receiver(Array.from({ length: 10 }, () => ({ status: 503 })));
    try {
      const { rule } = await createRule(a.client, hookRule(rx.url));
      const api = workApi(a.client);
      const task = await api.addTask((await api.create({ name: 'W' })).id, { name: 'Never' });
      await api.patchTask(task.id, { status: 'in_progress' });
      const [run] = await waitFor('the run to fail', async () => {
        const runs = await runsOf(a.client, rule.id);
        return runs[0]?.status === 'failed' ? runs : undefined;
      }, 60_000);
      const detail = await runById(a.client, run!.id);
      expect(detail.deliveries!.map((d) => d.status_code)).toEqual([503, 503, 503, 503, 503, 503]);
      expect(detail.deliveries!.at(-1)!.next_retry_at).toBeNull();
      expect(detail).toMatchObject({ attempts: 6, error: 'HTTP 503' });
      expect(rx.got).toHaveLength(6);
      const [failed] = await diffsOf(a.client, `entity_id=${run!.id}&event=webhook.failed`);
      expect(failed!.after).toMatchObject({ status_code: 503, attempt: 6 });
    } finally {
      await rx.close();
    }
  }, 90_000);

  it('refuses unsafe URLs at creation (400 UNSAFE_URL with the path)', async () => {
    const a = await t.tenant('SSRF');
    for (const url of ['ftp://files.example.com/drop', 'http://169.254.169.254/latest/meta-data/', 'http://metadata.google.internal/computeMetadata/v1/', 'http://[::ffff:169.254.169.254]/', 'https://user:pw@hooks.example.com/']) {
      const env = await expectError(await a.client.raw('POST', '/v1/rules', { body: hookRule(url) }), 400, 'UNSAFE_URL');
      expect(env.error.details[0]!.path, url).toBe('body.actions.0.url');
    }
    // And on PATCH.
    const rx = await receiver();
    try {
      const { rule } = await createRule(a.client, hookRule(rx.url));
      await expectError(await a.client.raw('PATCH', `/v1/rules/${rule.id}`, { body: { actions: [{ type: 'webhook', url: 'http://169.254.169.254/' }] } }), 400, 'UNSAFE_URL');
      expect((await expectOk<Rule>(await a.client.raw('GET', `/v1/rules/${rule.id}`))).data.actions[0]).toMatchObject({ url: rx.url });
    } finally {
      await rx.close();
    }
    expect((await expectOk<Rule[]>(await a.client.raw('GET', '/v1/rules'))).data).toHaveLength(1);
  });
});
