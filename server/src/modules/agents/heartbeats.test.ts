// Heartbeats on an injected clock: agents of a workspace wake staggered (every N minutes,
// 2 minutes apart), an idle wake starts no run (no model call), and work arrives by a rule's
// wake_agent action and by an @mention in a why — each wake caused by what asked for it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, type TestTenant } from '../../testing/harness.js';
import { expectOk, waitFor } from '../../testing/http.js';
import { workApi } from '../work/testing.js';

let t: TestApp;
let a: TestTenant;
// The clock starts at 10:00:30 UTC today and moves only when a test says so.
let nowMs = Date.UTC(2026, 11, 3, 10, 0, 30);
const clock = () => new Date(nowMs);

type Agent = { id: string; heartbeat: { every_minutes: number; offset_minutes: number; next_wake_at: string; last_wake_at: string | null; last_outcome: { kind: string; run_id: string | null } | null } };
type Diff = { id: string; event: string; entity_id: string; causation_id: string | null; after: Record<string, unknown> };
const post = async <T>(url: string, body: unknown, status = 200) => (await expectOk<T>(await a.client.raw('POST', url, { body }), status)).data;
const get = async <T>(url: string) => (await expectOk<T>(await a.client.raw('GET', url))).data;

beforeAll(async () => {
  t = await startTestApp({ now: clock });
  a = await t.tenant('Heartbeats');
});
afterAll(() => t?.stop());

describe('heartbeats', () => {
  let agents: Agent[];

  it('staggers the agents of a workspace 2 minutes apart', async () => {
    agents = [];
    for (const name of ['One', 'Two', 'Three']) agents.push(await post<Agent>('/v1/agents', { name }, 201));
    expect(agents.map((x) => x.heartbeat.offset_minutes)).toEqual([0, 2, 4]);
    expect(agents.map((x) => x.heartbeat.next_wake_at)).toEqual(['2026-12-03T10:15:00.000Z', '2026-12-03T10:02:00.000Z', '2026-12-03T10:04:00.000Z']);
  });

  it('wakes each agent when due; an idle wake starts no run and sleeps until the next slot', async () => {
    nowMs = Date.UTC(2026, 11, 3, 10, 2, 0, 400);
    const drifts = await t.app.agents.sweep(clock());
    const two = await get<Agent>(`/v1/agents/${agents[1]!.id}`);
    expect(two.heartbeat).toMatchObject({ last_outcome: { kind: 'slept', run_id: null }, next_wake_at: '2026-12-03T10:17:00.000Z' });
    // The sweep (or the worker's tick, on the same clock) woke it 400 ms after its due time.
    expect(drifts.every((d) => d === 400)).toBe(true);
    const one = await get<Agent>(`/v1/agents/${agents[0]!.id}`);
    expect(one.heartbeat.last_wake_at).toBeNull();
    expect(await get<unknown[]>(`/v1/agents/${agents[1]!.id}/runs`)).toEqual([]);
    const woke = await get<Diff[]>('/v1/diffs?namespace=agents&event=agent.woke');
    expect(woke.map((d) => [d.entity_id, d.after['outcome']])).toEqual([[agents[1]!.id, 'slept']]);
  });

  it('wakes an agent at once for a rule’s wake_agent, caused by the change that matched', async () => {
    const helper = agents[2]!;
    await post('/v1/rules', { name: 'Blocked → Three', trigger: { namespace: 'flow_os', event: 'task.updated', when: { path: 'after.status', op: 'eq', value: 'blocked' } }, actions: [{ type: 'wake_agent', agent: helper.id, text: 'Task {{entity.id}} is blocked: find out why' }] }, 201);
    const w = workApi(a.client);
    const wf = await w.create({ name: 'Launch' });
    const task = await w.addTask(wf.id, { name: 'Print the flyers' });
    await w.patchTask(task.id, { status: 'blocked', why: 'the printer is out of paper' });
    const me = await waitFor('the agent woke for the rule', async () => {
      const x = await get<Agent>(`/v1/agents/${helper.id}`);
      return x.heartbeat.last_outcome?.run_id ? x : undefined;
    });
    const blockedDiff = (await get<Diff[]>(`/v1/diffs?entity_id=${task.id}&event=task.updated`))[0]!;
    const woke = (await get<Diff[]>(`/v1/diffs?namespace=agents&event=agent.woke&entity_id=${helper.id}`))[0]!;
    expect(woke.causation_id).toBe(blockedDiff.id);
    // Offline, a hand-made agent cannot plan: it says so and gives the work to a person.
    const done = await waitFor('the loop ended', async () => {
      const x = await get<Agent>(`/v1/agents/${helper.id}`);
      return x.heartbeat.last_outcome?.kind === 'escalated' ? x : undefined;
    }, 30_000);
    expect(done.heartbeat.last_outcome?.run_id).toBe(me.heartbeat.last_outcome?.run_id);
  });

  it('wakes an agent mentioned in a why', async () => {
    const one = agents[0]!;
    const w = workApi(a.client);
    const wf = await w.create({ name: 'Mentions' });
    const task = await w.addTask(wf.id, { name: 'Call the venue' });
    await w.patchTask(task.id, { status: 'blocked', why: 'no answer yet — @One can you chase them?' });
    const me = await waitFor('the mentioned agent woke', async () => {
      const x = await get<Agent>(`/v1/agents/${one.id}`);
      return x.heartbeat.last_outcome?.run_id ? x : undefined;
    });
    const run = await get<{ input: { work: { reason: string; text: string }[] } }>(`/v1/runs/${me.heartbeat.last_outcome!.run_id}`);
    expect(run.input.work).toEqual([expect.objectContaining({ reason: 'mention', text: expect.stringContaining('@One can you chase them?') })]);
  });
});
