// The Pulse (GET /v1/dashboard) and the department canvas (GET /v1/departments) over real
// HTTP: health counts and dots, overdue and blocked tasks, workload per member, recent
// diffs, the annotation count, handoffs between departments — per tenant only.
import { describe, expect, it } from 'vitest';
import type { AtriumClient, Diff } from '../../../../sdk/src/index.js';
import { detailPaths, expectError } from '../../testing/http.js';
import { day, workApi, workSuite, type Health, type Task } from './testing.js';

type Workload = { user_id: string; name: string; role: string; open_tasks: number; overdue: number; blocked: number };
type Pulse = {
  health: Record<Health, number>;
  workflows: { id: string; name: string; department: string; owner_id: string | null; health: Health; reasons: string[]; progress: { done: number; total: number } }[];
  overdue_tasks: { count: number; items: Task[] };
  blocked_tasks: { count: number; items: Task[] };
  workload: Workload[];
  unassigned_open_tasks: number;
  recent_diffs: Diff[];
  annotation_count: number;
  generated_at: string;
};
type Canvas = {
  departments: { id: string; custom: boolean; health: Health; workflows: number; counts: Record<Health, number> }[];
  handoffs: { from: string; to: string; count: number; workflows: { id: string; name: string; started_from: string }[] }[];
};

const suite = workSuite({ a: 'Pulse Co', b: 'Elsewhere', member: 'Wanda Worker' });

const pulse = async (client: AtriumClient, query: Record<string, string> = {}) => (await client.request<Pulse>('GET', '/v1/dashboard', { query })).data;
const canvas = async (client: AtriumClient) => (await client.request<Canvas>('GET', '/v1/departments')).data;

describe('the dashboard', () => {
  it('counts workflows by health and lists overdue and blocked tasks, workload per member, recent diffs and whys', async () => {
    const steady = await suite.api.create({ name: 'Steady', department: 'ops' });
    const steadyOpen = await suite.api.addTask(steady.id, { name: 'Plan', due_date: day(5), assignee_id: suite.member.userId });
    await suite.api.addTask(steady.id, { name: 'Done long ago', due_date: day(-30), status: 'done', assignee_id: suite.member.userId });

    const slipping = await suite.api.create({ name: 'Slipping', department: 'sales' });
    const lateBy1 = await suite.api.addTask(slipping.id, { name: 'Follow up', due_date: day(-1), assignee_id: suite.member.userId });
    const stuck = await suite.api.addTask(slipping.id, { name: 'Contract', status: 'blocked', why: 'legal review', assignee_id: suite.a.userId });

    const onFire = await suite.api.create({ name: 'On fire', department: 'ops' });
    const lateBy6 = await suite.api.addTask(onFire.id, { name: 'Migrate data', due_date: day(-6), assignee_id: suite.a.userId, priority: 'high' });
    await suite.api.addTask(onFire.id, { name: 'Nobody’s job', due_date: day(2) });

    const shelved = await suite.api.create({ name: 'Shelved', department: 'ops' });
    await suite.api.addTask(shelved.id, { name: 'Forgotten', due_date: day(-20), assignee_id: suite.member.userId });
    await suite.api.archive(shelved.id, 'project cancelled');

    const p = await pulse(suite.a.client);
    expect(p.health).toEqual({ green: 1, yellow: 1, red: 1 });
    expect(Object.fromEntries(p.workflows.map((w) => [w.name, [w.health, w.progress.done, w.progress.total]]))).toEqual({
      Steady: ['green', 1, 2], Slipping: ['yellow', 0, 2], 'On fire': ['red', 0, 2],
    });
    expect(p.workflows.find((w) => w.id === onFire.id)!.reasons[0]).toMatch(/^"Migrate data" is [56] days overdue$/);
    expect(p.overdue_tasks.count).toBe(2);
    expect(p.overdue_tasks.items.map((x) => x.id)).toEqual([lateBy6.id, lateBy1.id]);
    expect(p.overdue_tasks.items.every((x) => x.overdue)).toBe(true);
    expect(p.blocked_tasks).toMatchObject({ count: 1, items: [{ id: stuck.id, status: 'blocked' }] });
    expect(p.workload).toEqual([
      { user_id: suite.a.userId, name: 'Pulse Co owner', role: 'owner', open_tasks: 2, overdue: 1, blocked: 1 },
      { user_id: suite.member.userId, name: 'Wanda Worker', role: 'member', open_tasks: 2, overdue: 1, blocked: 0 },
    ]);
    expect(p.unassigned_open_tasks).toBe(1);
    expect(p.recent_diffs.length).toBeLessThanOrEqual(20);
    expect(p.recent_diffs[0]).toMatchObject({ event: 'workflow.archived', entity_id: shelved.id, namespace: 'flow_os' });
    const ids = p.recent_diffs.map((d) => Number(d.id.slice(4)));
    expect(ids).toEqual([...ids].sort((x, y) => y - x));
    expect(Date.parse(p.generated_at)).toBeGreaterThan(Date.now() - 60_000);

    // The annotation count is the seeds' activation metric: every why counts.
    expect(p.annotation_count).toBe(2); // "legal review" and "project cancelled"
    await suite.a.client.request('POST', `/v1/tasks/${steadyOpen.id}/annotations`, { body: { why: 'client prefers Mondays', sentiment: 1 } });
    expect((await pulse(suite.a.client)).annotation_count).toBe(3);

    // One department only.
    const sales = await pulse(suite.a.client, { department: 'sales' });
    expect(sales.health).toEqual({ green: 0, yellow: 1, red: 0 });
    expect(sales.workflows.map((w) => w.id)).toEqual([slipping.id]);
    expect(sales.overdue_tasks.items.map((x) => x.id)).toEqual([lateBy1.id]);
    expect(sales.blocked_tasks.count).toBe(1);
    expect(sales.workload.find((w) => w.user_id === suite.a.userId)).toMatchObject({ open_tasks: 1, overdue: 0, blocked: 1 });
    expect(detailPaths(await expectError(await suite.a.client.raw('GET', '/v1/dashboard', { query: { department: 'Sales!' } }), 400, 'VALIDATION_FAILED'))).toEqual(['query.department']);

    // Fixing things shows at once.
    await suite.api.patchTask(lateBy6.id, { status: 'done' });
    await suite.api.patchTask(stuck.id, { status: 'in_progress' });
    const after = await pulse(suite.a.client);
    expect(after.health).toEqual({ green: 2, yellow: 1, red: 0 });
    expect(after.blocked_tasks.count).toBe(0);
    expect(after.recent_diffs[0]).toMatchObject({ event: 'task.updated', entity_id: stuck.id });
  });
});

describe('the department canvas', () => {
  it('gives each department its worst health and draws a handoff edge for a workflow started from another department’s', async () => {
    const c = await suite.t.tenant('Canvas Ltd');
    const capi = workApi(c.client);
    const deal = await capi.create({ template_id: 'tpl_sales_to_ops_handoff', name: 'Deal won: Globex' });
    expect(deal.department).toBe('sales');
    const onboarding = await capi.create({ template_id: 'tpl_client_onboarding', name: 'Onboard Globex', started_from: deal.id });
    expect(onboarding).toMatchObject({ department: 'ops', started_from: deal.id });
    const internal = await capi.create({ name: 'Ops follow-up', department: 'ops', started_from: onboarding.id }); // same department: no edge
    await capi.addTask(internal.id, { name: 'Late thing', due_date: day(-1) });
    await capi.create({ name: 'Contract archive', department: 'legal' });
    const late = await capi.create({ name: 'Invoices', department: 'finance' });
    await capi.addTask(late.id, { name: 'Very late', due_date: day(-9) });

    const { departments, handoffs } = await canvas(c.client);
    const node = (id: string) => departments.find((d) => d.id === id);
    for (const id of ['ops', 'sales', 'creative', 'knowledge', 'hr', 'finance']) expect(node(id), id).toMatchObject({ custom: false });
    expect(node('legal')).toMatchObject({ custom: true, workflows: 1, health: 'green' });
    expect(node('ops')).toMatchObject({ workflows: 2, health: 'yellow', counts: { green: 1, yellow: 1, red: 0 } });
    expect(node('sales')).toMatchObject({ workflows: 1, health: 'green' });
    expect(node('finance')).toMatchObject({ workflows: 1, health: 'red', counts: { green: 0, yellow: 0, red: 1 } });
    expect(node('hr')).toMatchObject({ workflows: 0, health: 'green' });
    expect(handoffs).toEqual([{ from: 'sales', to: 'ops', count: 1, workflows: [{ id: onboarding.id, name: 'Onboard Globex', started_from: deal.id }] }]);
  });
});

describe('another tenant', () => {
  it('sees none of it', async () => {
    const mine = await pulse(suite.a.client);
    const theirs = await pulse(suite.b.client);
    expect(theirs).toMatchObject({ health: { green: 0, yellow: 0, red: 0 }, workflows: [], overdue_tasks: { count: 0 }, blocked_tasks: { count: 0 }, unassigned_open_tasks: 0, annotation_count: 0 });
    expect(theirs.workload.map((w) => w.user_id)).toEqual([suite.b.userId]);
    const ours = new Set(mine.recent_diffs.map((d) => d.id));
    expect(theirs.recent_diffs.some((d) => ours.has(d.id) || d.namespace === 'flow_os')).toBe(false);
    const map = await canvas(suite.b.client);
    expect(map.handoffs).toEqual([]);
    expect(map.departments.every((d) => d.workflows === 0)).toBe(true);
  });
});
