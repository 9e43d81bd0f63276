// Flows over the real HTTP server and database: define (JSON and YAML), refuse bad
// definitions with the path of each problem, start runs that write ordinary diffs through
// commands, branch, fan out and join, wait for people (N of M, never the starter), replay with
// zero calls, fork, cancel, and stay inside their tenant.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, type TestTenant } from '../../testing/harness.js';
import { detailPaths, expectError, expectOk, waitFor } from '../../testing/http.js';
import { addMember, workApi, type Member } from '../work/testing.js';

let t: TestApp;
let a: TestTenant;
let b: TestTenant;

type Run = { id: string; status: string; version: string; output: unknown; error: unknown; steps?: { key: string; status: string; attempt: number; output: unknown; branch: string | null; input: unknown }[]; waits?: { step: string; kind: string }[] };

const post = async <T>(c: TestTenant, url: string, body: unknown, status = 200) => (await expectOk<T>(await c.client.raw('POST', url, { body }), status)).data;
const get = async <T>(c: TestTenant, url: string) => (await expectOk<T>(await c.client.raw('GET', url))).data;
const runOf = (c: TestTenant, id: string) => get<Run>(c, `/v1/runs/${id}`);
const settled = (c: TestTenant, id: string, statuses = ['completed', 'failed', 'compensated', 'compensation_failed', 'cancelled']) =>
  waitFor(`run ${id} settled`, async () => { const r = await runOf(c, id); return statuses.includes(r.status) ? r : undefined; });
const start = (c: TestTenant, flow: string, input: Record<string, unknown> = {}) => post<Run>(c, `/v1/flows/${flow}/runs`, { input }, 201);

beforeAll(async () => {
  t = await startTestApp();
  a = await t.tenant('Flows A');
  b = await t.tenant('Flows B');
});
afterAll(() => t?.stop());

describe('defining flows', () => {
  it('creates a flow from YAML and serves its definition and versions', async () => {
    const yaml = [
      'key: hello', 'name: Hello', 'version: 1.0.0',
      'input: { type: object, properties: { who: { type: string } }, required: [who] }',
      'steps:',
      '  - id: greet', '    type: transform', '    value: "Hello {{ input.who }}"',
    ].join('\n');
    const created = await post<{ flow: { id: string; key: string; latest_version: string } }>(a, '/v1/flows', { yaml }, 201);
    expect(created.flow).toMatchObject({ key: 'hello', latest_version: '1.0.0' });
    const got = await get<{ definition: { steps: unknown[] }; versions: { version: string }[] }>(a, '/v1/flows/hello');
    expect(got.definition.steps).toHaveLength(1);
    expect(got.versions.map((v) => v.version)).toEqual(['1.0.0']);
    const run = await start(a, 'hello', { who: 'Rova' });
    expect((await settled(a, run.id)).output).toBe('Hello Rova');
  });

  it('refuses a bad definition with the path of each problem, and saves nothing', async () => {
    const bad = {
      key: 'bad', name: 'Bad',
      input: { type: 'object', properties: { n: { type: 'number' } } },
      steps: [
        { id: 'a', type: 'transform', value: '{{ steps.b.output }}', after: ['b'] },
        { id: 'b', type: 'transform', value: 1, after: ['a'] },
        { id: 'c', type: 'command', command: 'work.nope', input: {} },
        { id: 'd', type: 'transform', value: '{{ input.missing }}' },
        { id: 'e', type: 'transform', value: '{{ steps.zzz.output }}' },
      ],
    };
    const env = await expectError(await a.client.raw('POST', '/v1/flows', { body: bad }), 400, 'INVALID_FLOW');
    const paths = detailPaths(env);
    expect(paths).toContain('steps.2.command');
    expect(env.error.details.some((d) => /cycle/.test(d.message))).toBe(true);
    const unknownType = await expectError(await a.client.raw('POST', '/v1/flows', { body: { key: 'x1', name: 'X', steps: [{ id: 's', type: 'teleport' }] } }), 400, 'INVALID_FLOW');
    expect(detailPaths(unknownType)[0]).toMatch(/^steps\.0/);
    const refs = await expectError(await a.client.raw('POST', '/v1/flows', { body: { ...bad, key: 'bad2', steps: bad.steps.slice(3) } }), 400, 'INVALID_FLOW');
    expect(refs.error.details.map((d) => d.message).join('\n')).toMatch(/input\.missing[\s\S]*zzz|zzz[\s\S]*input\.missing/);
    const proto = await expectError(await a.client.raw('POST', '/v1/flows', { body: { key: 'proto', name: 'P', steps: [{ id: 's', type: 'transform', value: '{{ input.constructor }}' }] } }), 400, 'INVALID_FLOW');
    expect(proto.error.details.length).toBeGreaterThan(0);
    const often = await expectError(await a.client.raw('POST', '/v1/flows', { body: { key: 'often', name: 'O', triggers: [{ schedule: { cron: '*/10 * * * * *' } }], steps: [{ id: 's', type: 'transform', value: 1 }] } }), 400, 'INVALID_FLOW');
    expect(detailPaths(often)).toContain('triggers.0.schedule.cron');
    const metadata = await expectError(await a.client.raw('POST', '/v1/flows', { body: { key: 'imds', name: 'I', steps: [{ id: 'steal', type: 'http', method: 'GET', url: 'http://169.254.169.254/latest/meta-data/' }] } }), 400, 'INVALID_FLOW');
    expect(detailPaths(metadata)).toContain('steps.0.url');
    const intranet = await expectError(await a.client.raw('POST', '/v1/flows', { body: { key: 'intranet', name: 'I', steps: [{ id: 'x', type: 'http', url: 'http://10.0.0.5/hook' }] } }), 400, 'INVALID_FLOW');
    expect(detailPaths(intranet)).toContain('steps.0.url');
    const list = await get<{ key: string }[]>(a, '/v1/flows');
    expect(list.map((f) => f.key)).not.toContain('bad');
    const check = await post<{ valid: boolean; problems: unknown[] }>(a, '/v1/flows/validate', bad);
    expect(check.valid).toBe(false);
  });

  it('pins a run to its version: publishing v2 does not change a run of v1', async () => {
    const v1 = { key: 'pinned', name: 'Pinned', version: '1.0.0', steps: [{ id: 'w', type: 'wait', event: { namespace: 'crm', event: 'deal.won' } }, { id: 'out', type: 'transform', value: 'v1', after: ['w:event'] }] };
    await post(a, '/v1/flows', v1, 201);
    const run = await start(a, 'pinned');
    await waitFor('waiting', async () => ((await runOf(a, run.id)).status === 'waiting' ? true : undefined));
    await post(a, '/v1/flows/pinned/versions', { ...v1, version: '2.0.0', steps: [v1.steps[0], { ...v1.steps[1], value: 'v2' }] }, 201);
    await expectError(await a.client.raw('POST', '/v1/flows/pinned/versions', { body: { ...v1, version: '1.5.0' } }), 409, 'VERSION_EXISTS');
    await a.client.raw('POST', '/v1/diffs', { body: { namespace: 'crm', entity_type: 'deal', entity_id: 'd1', event: 'deal.won', after: { amount: 10 } } });
    expect((await settled(a, run.id)).output).toBe('v1');
    const second = await start(a, 'pinned');
    expect(second.version).toBe('2.0.0');
  });
});

describe('running flows', () => {
  it('runs commands as the run’s actor, with ordinary diffs caused by run.started', async () => {
    const wf = await workApi(a.client).create({ name: 'Flow target' });
    await post(a, '/v1/flows', {
      key: 'make-tasks', name: 'Make tasks', input: { type: 'object', properties: { title: { type: 'string' } }, required: ['title'] },
      steps: [
        { id: 'first', type: 'command', command: 'work.create_task', input: { workflow_id: wf.id, name: '{{ input.title }}' } },
        { id: 'shape', type: 'transform', value: { name: '{{ steps.first.output.name }} (2)' }, after: ['first'] },
        { id: 'second', type: 'command', command: 'work.create_task', input: { workflow_id: wf.id, name: '{{ steps.shape.output.name }}' }, after: ['shape'] },
      ],
    }, 201);
    const run = await start(a, 'make-tasks', { title: 'Call Hery' });
    const done = await settled(a, run.id);
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    const tasks = await workApi(a.client).tasks(wf.id);
    expect(tasks.map((x) => x.name).sort()).toEqual(['Call Hery', 'Call Hery (2)']);
    expect(done.steps!.map((s) => `${s.key}:${s.status}`)).toEqual(['first:completed', 'shape:completed', 'second:completed']);
    const diffs = await get<{ event: string; actor: { type: string; id: string }; causation_id: string | null }[]>(a, `/v1/diffs?namespace=flow_os&entity_type=task`);
    const created = diffs.filter((d) => d.event === 'task.created');
    expect(created).toHaveLength(2);
    expect(created.every((d) => d.actor.type === 'user' && d.actor.id === a.userId && d.causation_id !== null)).toBe(true);
    // The start's input schema: 400 with the path, and nothing written.
    const before = (await get<Run[]>(a, '/v1/runs?flow=make-tasks')).length;
    const env = await expectError(await a.client.raw('POST', '/v1/flows/make-tasks/runs', { body: { input: { title: 5 } } }), 400, 'VALIDATION_FAILED');
    expect(detailPaths(env)[0]).toMatch(/^body\.input/);
    expect((await get<Run[]>(a, '/v1/runs?flow=make-tasks')).length).toBe(before);
  });

  it('branches, fans out and joins, and loops over items', async () => {
    await post(a, '/v1/flows', {
      key: 'branchy', name: 'Branchy', input: { type: 'object', properties: { n: { type: 'number' }, items: { type: 'array' } } },
      steps: [
        { id: 'big', type: 'condition', if: 'input.n > 10' },
        { id: 'yes', type: 'transform', value: 'big', after: ['big:true'] },
        { id: 'no', type: 'transform', value: 'small', after: ['big:false'] },
        { id: 'fan', type: 'parallel', after: ['yes', 'no'], join: 'any' },
        { id: 'l', type: 'transform', value: '{{ input.n * 2 }}', after: ['fan'] },
        { id: 'r', type: 'transform', value: '{{ input.n + 1 }}', after: ['fan'] },
        { id: 'each', type: 'for_each', items: 'input.items', step: { type: 'transform', value: '{{ upper(item) }}' }, after: ['l', 'r'] },
      ],
      output: { size: '{{ coalesce(steps.yes.output, steps.no.output) }}', l: '{{ steps.l.output }}', r: '{{ steps.r.output }}', each: '{{ steps.each.output }}' },
    }, 201);
    const big = await settled(a, (await start(a, 'branchy', { n: 20, items: ['a', 'b'] })).id);
    expect(big.output).toEqual({ size: 'big', l: 40, r: 21, each: ['A', 'B'] });
    expect(big.steps!.find((s) => s.key === 'no')!.status).toBe('skipped');
    const small = await settled(a, (await start(a, 'branchy', { n: 3, items: [] })).id);
    expect(small.output).toEqual({ size: 'small', l: 6, r: 4, each: [] });
    const many = await settled(a, (await start(a, 'branchy', { n: 1, items: Array.from({ length: 101 }, (_, i) => `x${i}`) })).id);
    expect(many.status).toBe('failed');
    expect(JSON.stringify(many.error)).toMatch(/FOR_EACH_TOO_MANY/);
  });

  it('waits for two approvers, never the starter, then finishes', async () => {
    const m1: Member = await addMember(t, a, 'Fara Approver');
    const m2: Member = await addMember(t, a, 'Lanto Approver');
    await post(a, '/v1/flows', {
      key: 'review', name: 'Content review',
      steps: [
        { id: 'review', type: 'approval', title: 'Publish the post?', approvers: ['role:member'], required: 2, exclude_starter: true },
        { id: 'publish', type: 'transform', value: 'published', after: ['review:approved'] },
        { id: 'bin', type: 'transform', value: 'binned', after: ['review:rejected'] },
      ],
    }, 201);
    const run = await start(a, 'review');
    await waitFor('waiting for people', async () => ((await runOf(a, run.id)).status === 'waiting' ? true : undefined));
    const inbox = await get<{ run_id: string; can_decide: boolean }[]>(a, '/v1/flow-approvals');
    expect(inbox.find((x) => x.run_id === run.id)?.can_decide).toBe(false); // the starter
    await expectError(await a.client.raw('POST', `/v1/runs/${run.id}/steps/review/decision`, { body: { decision: 'approve' } }), 403, 'FORBIDDEN');
    const m1c = m1.client;
    const first = (await expectOk<{ outcome: string }>(await m1c.raw('POST', `/v1/runs/${run.id}/steps/review/decision`, { body: { decision: 'approve', why: 'reads well' } }))).data;
    expect(first.outcome).toBe('pending');
    await expectError(await m1c.raw('POST', `/v1/runs/${run.id}/steps/review/decision`, { body: { decision: 'approve' } }), 409, 'ALREADY_DECIDED');
    expect((await runOf(a, run.id)).status).toBe('waiting');
    await expectOk(await m2.client.raw('POST', `/v1/runs/${run.id}/steps/review/decision`, { body: { decision: 'approve' } }));
    const done = await settled(a, run.id);
    expect(done.output).toBe('published');
    // Another tenant sees none of it.
    await expectError(await b.client.raw('GET', `/v1/runs/${run.id}`), 404, 'NOT_FOUND');
    await expectError(await b.client.raw('POST', `/v1/runs/${run.id}/steps/review/decision`, { body: { decision: 'approve' } }), 404, 'NOT_FOUND');
    await expectError(await b.client.raw('POST', '/v1/flows/review/runs', { body: {} }), 404, 'NOT_FOUND');
    expect((await get<unknown[]>(b, '/v1/flow-approvals')).length).toBe(0);
  });

  it('replays a finished run from its journal and forks from a step', async () => {
    const wf = await workApi(a.client).create({ name: 'Replay target' });
    await post(a, '/v1/flows', {
      key: 'replayable', name: 'Replayable', input: { type: 'object', properties: { who: { type: 'string' } } },
      steps: [
        { id: 'make', type: 'command', command: 'work.create_task', input: { workflow_id: wf.id, name: 'For {{ input.who }}' } },
        { id: 'say', type: 'transform', value: 'made {{ steps.make.output.name }}', after: ['make'] },
      ],
    }, 201);
    const first = await settled(a, (await start(a, 'replayable', { who: 'Soa' })).id);
    const replay = await settled(a, (await post<Run>(a, `/v1/runs/${first.id}/replay`, {}, 201)).id);
    expect(replay.status).toBe('completed');
    expect(replay.output).toEqual(first.output);
    expect((await workApi(a.client).tasks(wf.id)).length).toBe(1); // the command was not run again
    const fork = await settled(a, (await post<Run>(a, `/v1/runs/${first.id}/fork`, { step: 'make', input: { who: 'Tiana' } }, 201)).id);
    expect(fork.output).toBe('made For Tiana');
    expect((await workApi(a.client).tasks(wf.id)).length).toBe(2);
  });

  it('refuses starts of paused flows (409) and cancels a waiting run', async () => {
    await post(a, '/v1/flows', { key: 'cancel-me', name: 'Cancel me', steps: [{ id: 'w', type: 'wait', seconds: 3600 }] }, 201);
    const run = await start(a, 'cancel-me');
    await waitFor('waiting', async () => ((await runOf(a, run.id)).status === 'waiting' ? true : undefined));
    const cancelled = await post<Run>(a, `/v1/runs/${run.id}/cancel`, { why: 'not needed' });
    expect(cancelled.status).toBe('cancelled');
    await expectError(await a.client.raw('POST', `/v1/runs/${run.id}/cancel`, { body: {} }), 409, 'RUN_FINISHED');
    await expectOk(await a.client.raw('PATCH', '/v1/flows/cancel-me', { body: { status: 'paused' } }));
    await expectError(await a.client.raw('POST', '/v1/flows/cancel-me/runs', { body: {} }), 409, 'FLOW_PAUSED');
  });

  it('waits for a rule’s approval when a require_approval rule holds a command step, and goes on once approved', async () => {
    await post(a, '/v1/rules', { name: 'Hold held_flow', trigger: { namespace: 'held_flow' }, actions: [{ type: 'require_approval' }] }, 201);
    await post(a, '/v1/flows', {
      key: 'held', name: 'Held',
      steps: [
        { id: 'write', type: 'command', command: 'ledger.record_event', input: { namespace: 'held_flow', entity_type: 'thing', entity_id: '{{ run.id }}', event: 'thing.made' } },
        { id: 'after', type: 'transform', value: 'went on', after: ['write'] },
      ],
    }, 201);
    const approvalOf = async (runId: string) => {
      const r = await waitFor('held and waiting', async () => { const x = await runOf(a, runId); return x.status === 'waiting' ? x : undefined; });
      return (r.steps!.find((s) => s.key === 'write')!.output as { approval_id: string }).approval_id;
    };
    const run = await start(a, 'held');
    const approval = await approvalOf(run.id);
    expect(approval).toMatch(/^apr_/);
    expect((await get<{ entity_id: string }[]>(a, '/v1/diffs?namespace=held_flow')).some((d) => d.entity_id === run.id)).toBe(false);
    await expectOk(await a.client.raw('POST', `/v1/approvals/${approval}/approve`, { body: { why: 'fine by me' } }));
    const done = await settled(a, run.id);
    expect(done.status).toBe('completed');
    expect(done.output).toBe('went on');
    const made = (await get<{ entity_id: string; actor: { id: string } }[]>(a, '/v1/diffs?namespace=held_flow')).filter((d) => d.entity_id === run.id);
    expect(made).toHaveLength(1);
    expect(made[0]!.actor.id).toBe(a.userId);

    const second = await start(a, 'held');
    await expectOk(await a.client.raw('POST', `/v1/approvals/${await approvalOf(second.id)}/reject`, { body: { reason: 'not now' } }));
    const rejected = await settled(a, second.id);
    expect(rejected.status).toBe('failed');
    expect(JSON.stringify(rejected.error)).toMatch(/UNHANDLED_BRANCH/);
  });
});

