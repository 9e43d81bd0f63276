// Heartbeat health over HTTP with the application clock injected (createApp's `now`), so
// the seed's boundaries are exact end to end: the due day itself, 72 h overdue, and an
// urgent blocker at 24 h — with blocked_at stamped by the same clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, type TestTenant } from '../../testing/harness.js';
import { workApi, type WorkApi } from './testing.js';

const HOUR = 3_600_000;
let clock = new Date('2031-04-10T09:00:00.000Z');
let t: TestApp;
let a: TestTenant;
let api: WorkApi;

beforeAll(async () => {
  // Serve only: the minute cron would run the health tick with this clock between `set` and the
  // test's own tick, and take the change the test expects its tick to record.
  t = await startTestApp({ now: () => clock, role: 'serve' });
  a = await t.tenant('Clockwork');
  api = workApi(a.client);
});
afterAll(() => t?.stop());

const set = (iso: string | number) => void (clock = new Date(iso));

describe('health with an injected clock', () => {
  it('a task due on a day is on time all that day, yellow just after, red only after more than 72 h', async () => {
    set('2031-04-10T09:00:00.000Z');
    const w = await api.create({ template_id: 'tpl_incident_response' });
    expect(w.start_date).toBe('2031-04-10'); // "today" is the injected clock's day
    const w2 = await api.create({ name: 'Due Thursday' });
    await api.addTask(w2.id, { name: 'Report', due_date: '2031-04-10' });
    const health = async () => (await api.get(w2.id)).health.status;

    const end = Date.parse('2031-04-11T00:00:00.000Z');
    set(end - 1);
    expect(await health()).toBe('green');
    set(end);
    expect(await health()).toBe('green');
    set(end + 1);
    expect(await health()).toBe('yellow');
    expect((await api.tasks(w2.id))[0]!.overdue).toBe(true);
    set(end + 72 * HOUR);
    expect(await health()).toBe('yellow');
    set(end + 72 * HOUR + 1);
    expect(await api.get(w2.id)).toMatchObject({ health: { status: 'red', reasons: ['"Report" is 3 days overdue'] } });
  });

  it('an urgent blocker turns red after more than 24 h by the same clock that stamped blocked_at', async () => {
    set('2031-05-01T08:00:00.000Z');
    const w = await api.create({ name: 'Launch' });
    const task = await api.addTask(w.id, { name: 'Payment provider', priority: 'urgent' });
    const blocked = await api.patchTask(task.id, { status: 'blocked', why: 'waiting for KYC' });
    expect(blocked.blocked_at).toBe('2031-05-01T08:00:00.000Z');
    const health = async () => (await api.get(w.id)).health;

    set(Date.parse('2031-05-02T08:00:00.000Z'));
    expect(await health()).toEqual({ status: 'yellow', reasons: ['"Payment provider" is blocked'] });
    set(Date.parse('2031-05-02T08:00:00.001Z'));
    expect(await health()).toEqual({ status: 'red', reasons: ['urgent "Payment provider" blocked for 24 h'] });
    // Not urgent: blocked for a week is still only yellow.
    await api.patchTask(task.id, { priority: 'high' });
    set(Date.parse('2031-05-08T08:00:00.000Z'));
    expect((await health()).status).toBe('yellow');
  });

  it('the dashboard uses the same clock', async () => {
    set('2031-06-01T12:00:00.000Z');
    const w = await api.create({ name: 'Pulse check' });
    const task = await api.addTask(w.id, { name: 'Due today', due_date: '2031-06-01' });
    type Pulse = { overdue_tasks: { count: number; items: { id: string }[] }; workflows: { id: string; health: string }[]; generated_at: string };
    const pulse = async () => (await a.client.request<Pulse>('GET', '/v1/dashboard')).data;
    const mine = (p: Pulse) => [p.overdue_tasks.items.some((x) => x.id === task.id), p.workflows.find((x) => x.id === w.id)?.health];
    const onTime = await pulse();
    expect(onTime.generated_at).toBe('2031-06-01T12:00:00.000Z');
    expect(mine(onTime)).toEqual([false, 'green']);
    set('2031-06-02T00:00:00.001Z');
    const late = await pulse();
    expect(mine(late)).toEqual([true, 'yellow']);
    expect(late.overdue_tasks.count).toBe(onTime.overdue_tasks.count + 1);
  });
});

describe('the health tick (cron): time alone is recorded as a change', () => {
  it('records workflow.health_changed as the system clock when a due date passes, once', async () => {
    set('2031-05-01T09:00:00.000Z');
    await t.app.work.healthTick(clock); // the earlier tests' workflows catch up with the clock first
    const w = await api.create({ name: 'Quiet until it is late' });
    await api.addTask(w.id, { name: 'Deliver', due_date: '2031-05-01' });
    expect(await t.app.work.healthTick(clock)).toBe(0);
    set('2031-05-02T09:00:00.000Z');
    expect(await t.app.work.healthTick(clock)).toBe(1);
    const diffs = (await a.client.raw('GET', `/v1/diffs?entity_id=${w.id}&event=workflow.health_changed`).then((r) => r.json())) as { data: { actor: { type: string; id: string }; before: unknown; after: unknown; metadata: { cause?: string } }[] };
    expect(diffs.data).toHaveLength(1);
    expect(diffs.data[0]).toMatchObject({ actor: { type: 'system', id: 'clock' }, before: { health: 'green' }, after: { health: 'yellow' }, metadata: { cause: 'time' } });
    expect(await t.app.work.healthTick(clock)).toBe(0); // already recorded: nothing new
  });
});
