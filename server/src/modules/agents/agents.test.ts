// Agents over the real HTTP server and database: the gallery's Ops coordinator finds a blocked
// and an overdue task, proposes nudges that its Reviewer praises, a person edits one and
// approves it (the tool runs as the agent; the correction is learned), the other is rejected
// with a reason; a second wake finds nothing and makes no model call; the loop replays from its
// journal with zero calls; and bad input is refused at the field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, type TestTenant } from '../../testing/harness.js';
import { detailPaths, expectError, expectOk, waitFor } from '../../testing/http.js';
import { addMember, day, workApi, type Member } from '../work/testing.js';

let t: TestApp;
let a: TestTenant;
let b: TestTenant;
let member: Member;

type Agent = { id: string; name: string; status: string; reviewer_id: string | null; template: string | null; version: number; heartbeat: { next_wake_at: string | null; last_outcome: { kind: string; run_id: string | null } | null }; budget: { percent: number | null } };
type Proposal = { id: string; status: string; command: string; input: Record<string, unknown>; why: string; reviews: { verdict: string; reviewer: { type: string; id: string } }[]; entity: { type: string; id: string } | null };
type Item = { kind: string; id: string; title: string; agent: { id: string } | null };

const post = async <T>(c: TestTenant | Member, url: string, body: unknown, status = 200) => (await expectOk<T>(await c.client.raw('POST', url, { body }), status)).data;
const get = async <T>(c: TestTenant | Member, url: string) => (await expectOk<T>(await c.client.raw('GET', url))).data;
const runSettled = (c: TestTenant, id: string) => waitFor(`run ${id} settled`, async () => {
  const r = await get<{ status: string; steps: { key: string; status: string }[] }>(c, `/v1/runs/${id}`);
  return ['completed', 'failed', 'cancelled'].includes(r.status) ? r : undefined;
}, 30_000);

beforeAll(async () => {
  t = await startTestApp();
  a = await t.tenant('Agents A');
  b = await t.tenant('Agents B');
  member = await addMember(t, a, 'Mamy');
});
afterAll(() => t?.stop());

describe('the Ops coordinator, offline', () => {
  let ops: Agent;
  let proposals: Proposal[];
  let runId: string;
  let blockedId: string;

  it('is enabled from the gallery with the Reviewer as its peer reviewer', async () => {
    const gallery = await get<{ key: string }[]>(a, '/v1/agents/gallery');
    expect(gallery.map((g) => g.key)).toEqual(expect.arrayContaining(['ops_coordinator', 'reviewer', 'knowledge_curator', 'value_integrity']));
    ops = await post<Agent>(a, '/v1/agents', { template: 'ops_coordinator' }, 201);
    expect(ops).toMatchObject({ name: 'Ops coordinator', template: 'ops_coordinator', status: 'idle' });
    expect(ops.reviewer_id).toBeTruthy();
    const reviewer = await get<Agent>(a, `/v1/agents/${ops.reviewer_id}`);
    expect(reviewer.template).toBe('reviewer');
    expect(ops.heartbeat.next_wake_at).toBeTruthy();
  });

  it('wakes, finds nothing to do, and makes no model call', async () => {
    const out = await post<{ kind: string; run_id: string | null }>(a, `/v1/agents/${ops.id}/wake`, {});
    expect(out).toMatchObject({ kind: 'slept', run_id: null });
    expect((await get<unknown[]>(a, `/v1/agents/${ops.id}/runs`))).toHaveLength(0);
  });

  it('proposes nudges for a blocked and an overdue task, praised by the Reviewer', async () => {
    const w = workApi(a.client);
    const wf = await w.create({ name: 'Client onboarding', owner_id: a.userId });
    const blocked = await w.addTask(wf.id, { name: 'Collect the signed contract', assignee_id: member.userId });
    blockedId = blocked.id;
    await w.patchTask(blocked.id, { status: 'blocked', why: 'waiting for the client' });
    await w.addTask(wf.id, { name: 'Send the welcome pack', assignee_id: a.userId, due_date: day(-2) });
    await w.addTask(wf.id, { name: 'Book the kickoff', due_date: day(5) });

    const out = await post<{ kind: string; run_id: string }>(a, `/v1/agents/${ops.id}/wake`, {});
    expect(out.kind).toBe('working');
    runId = out.run_id;
    const run = await runSettled(a, runId);
    expect(run.status).toBe('completed');
    proposals = await get<Proposal[]>(a, `/v1/proposals?agent=${ops.id}`);
    expect(proposals).toHaveLength(2);
    for (const p of proposals) {
      expect(p.command).toBe('notifications.notify');
      expect(p.reviews).toEqual([expect.objectContaining({ verdict: 'praise', reviewer: { type: 'agent', id: ops.reviewer_id } })]);
    }
    const inbox = await get<Item[]>(a, '/v1/inbox');
    expect(inbox.filter((i) => i.kind === 'proposal').map((i) => i.id).sort()).toEqual(proposals.map((p) => p.id).sort());
    const me = await get<Agent>(a, `/v1/agents/${ops.id}`);
    expect(me.status).toBe('sleeping');
    expect(me.heartbeat.last_outcome).toMatchObject({ kind: 'worked', run_id: runId });
  });

  it('refuses an edit that breaks the tool’s schema, at the field', async () => {
    const p = proposals[0]!;
    const env = await expectError(await a.client.raw('POST', `/v1/proposals/${p.id}/decide`, { body: { decision: 'approve', why: 'fine', input: { ...p.input, title: '' } } }), 400, 'VALIDATION_FAILED');
    expect(detailPaths(env)).toContain('body.input.title');
  });

  it('approves an edited proposal: the tool runs as the agent and the correction is learned', async () => {
    const p = proposals.find((x) => x.entity?.id !== blockedId)!;
    const body = 'Friendly reminder: the welcome pack is two days late — can it go out today?';
    const out = await post<{ proposal: { status: string }; result: { notified: string[] } }>(a, `/v1/proposals/${p.id}/decide`, { decision: 'approve', why: 'softer wording for clients', input: { ...p.input, body } });
    expect(out.proposal.status).toBe('approved');
    expect(out.result.notified).toEqual([a.userId]);
    const diffs = await get<{ event: string; actor: { type: string; id: string }; causation_id: string | null }[]>(a, '/v1/diffs?namespace=notifications&limit=10');
    const sent = diffs.find((d) => d.event === 'notification.sent')!;
    expect(sent.actor).toEqual({ type: 'agent', id: ops.id });
    expect(sent.causation_id).toBeTruthy();
    const memory = await get<{ key: string; value: string; tier: string }[]>(a, `/v1/agents/${ops.id}/memory?tier=fact`);
    expect(memory.find((m) => m.key.startsWith('correction: notifications.notify'))?.value).toContain('softer wording for clients');
    await expectError(await a.client.raw('POST', `/v1/proposals/${p.id}/decide`, { body: { decision: 'approve', why: 'again' } }), 409, 'PROPOSAL_DECIDED');
  });

  it('refuses a proposal whose task changed since (stale), then takes a rejection with its reason', async () => {
    const p = proposals.find((x) => x.entity?.id === blockedId)!;
    await workApi(a.client).patchTask(blockedId, { priority: 'high' });
    const env = await expectError(await a.client.raw('POST', `/v1/proposals/${p.id}/decide`, { body: { decision: 'approve', why: 'ok' } }), 409, 'PROPOSAL_STALE');
    expect(JSON.stringify(env.error.details)).toContain('high');
    await expectError(await a.client.raw('POST', `/v1/proposals/${p.id}/decide`, { body: { decision: 'reject' } }), 400, 'VALIDATION_FAILED');
    const out = await post<{ proposal: { status: string } }>(a, `/v1/proposals/${p.id}/decide`, { decision: 'reject', why: 'I already called the client' });
    expect(out.proposal.status).toBe('rejected');
    const memory = await get<{ key: string; value: string }[]>(a, `/v1/agents/${ops.id}/memory?tier=fact`);
    expect(memory.some((m) => m.value.includes('I already called the client'))).toBe(true);
  });

  it('does not nudge twice on the same day: the next wake sleeps without a run', async () => {
    const out = await post<{ kind: string; run_id: string | null }>(a, `/v1/agents/${ops.id}/wake`, {});
    expect(out).toMatchObject({ kind: 'slept', run_id: null });
    expect(await get<unknown[]>(a, `/v1/agents/${ops.id}/runs`)).toHaveLength(1);
  });

  it('writes its daily log and replays its loop from the journal with zero calls', async () => {
    const log = await get<{ entries: { kind: string; text: string }[]; markdown: string }>(a, `/v1/agents/${ops.id}/log`);
    expect(log.entries.map((e) => e.kind)).toEqual(expect.arrayContaining(['proposed', 'review', 'plan', 'done', 'approved', 'rejected']));
    expect(log.markdown).toContain('# Ops coordinator');
    const replay = await post<{ id: string }>(a, `/v1/runs/${runId}/replay`, {}, 201);
    const r = await runSettled(a, replay.id);
    expect(r.status).toBe('completed');
    expect(await get<Proposal[]>(a, `/v1/proposals?agent=${ops.id}&status=approved`)).toHaveLength(1);
  });

  it('stays inside its workspace', async () => {
    await expectError(await b.client.raw('GET', `/v1/agents/${ops.id}`), 404, 'NOT_FOUND');
    await expectError(await b.client.raw('POST', `/v1/agents/${ops.id}/wake`, { body: {} }), 404, 'NOT_FOUND');
    await expectError(await b.client.raw('POST', `/v1/proposals/${proposals[0]!.id}/decide`, { body: { decision: 'approve', why: 'x' } }), 404, 'NOT_FOUND');
    expect(await get<unknown[]>(b, '/v1/inbox')).toEqual([]);
    expect(await get<unknown[]>(b, '/v1/agents')).toEqual([]);
  });
});

describe('memory in prompts', () => {
  it('chooses facts by relevance under a token budget, not all memory every time', async () => {
    const agent = await post<Agent>(a, '/v1/agents', { name: 'Librarian' }, 201);
    const filler = 'routine note about office supplies, meeting rooms, printer toner and the parking rota'.repeat(4);
    for (let i = 0; i < 40; i++) await post(a, `/v1/agents/${agent.id}/memory`, { key: `note ${i}`, value: `${filler} (${i})` }, 201);
    const key = await post<{ memory: { id: string } }>(a, `/v1/agents/${agent.id}/memory`, { key: 'client Rabe invoices', value: 'Rabe wants every invoice in ariary, sent to the accounts address' }, 201);
    const woke = await post<{ run_id: string }>(a, `/v1/agents/${agent.id}/wake`, { text: 'Prepare the invoice for the client Rabe' });
    const run = await runSettled(a, woke.run_id);
    const prepared = (run as unknown as { steps: { key: string; output: { facts_used: string[]; memory_tokens: number } }[] }).steps.find((x) => x.key === 'prepare_1')!.output;
    expect(prepared.facts_used[0]).toBe(key.memory.id);
    expect(prepared.facts_used.length).toBeLessThan(41);
    expect(prepared.memory_tokens).toBeLessThanOrEqual(1500);
  });
});

describe('bad input', () => {
  it('refuses unknown tools, tools beyond the configurer’s rights, long personas and fast heartbeats', async () => {
    let env = await expectError(await a.client.raw('POST', '/v1/agents', { body: { name: 'X', tools: [{ command: 'work.nope', mode: 'direct' }] } }), 400, 'UNKNOWN_TOOL');
    expect(detailPaths(env)).toEqual(['body.tools.0.command']);
    env = await expectError(await member.client.raw('POST', '/v1/agents', { body: { name: 'Y', tools: [{ command: 'identity.invite_member', mode: 'approval' }] } }), 403, 'TOOL_BEYOND_RIGHTS');
    expect(detailPaths(env)).toEqual(['body.tools.0.command']);
    env = await expectError(await a.client.raw('POST', '/v1/agents', { body: { name: 'Z', persona: 'x'.repeat(20_001) } }), 400, 'VALIDATION_FAILED');
    expect(detailPaths(env)).toContain('body.persona');
    env = await expectError(await a.client.raw('POST', '/v1/agents', { body: { name: 'Z', every_minutes: 0 } }), 400, 'VALIDATION_FAILED');
    expect(detailPaths(env)).toContain('body.every_minutes');
    expect(await get<{ name: string }[]>(a, '/v1/agents').then((l) => l.map((x) => x.name))).not.toContain('Z');
  });

  it('accepts a budget of 0: the agent is paused and its wake does nothing', async () => {
    const made = await post<Agent>(a, '/v1/agents', { name: 'Frugal', monthly_tokens: 0 }, 201);
    expect(made.status).toBe('paused');
    const out = await post<{ kind: string }>(a, `/v1/agents/${made.id}/wake`, {});
    expect(out.kind).toBe('over_budget');
  });

  it('versions the persona and manual: every change a diff, old versions kept', async () => {
    const made = await post<Agent>(a, '/v1/agents', { name: 'Writer', persona: 'v1' }, 201);
    await expectOk(await a.client.raw('PATCH', `/v1/agents/${made.id}`, { body: { persona: 'v2', why: 'warmer' } }));
    const versions = await get<{ version: number; persona: string }[]>(a, `/v1/agents/${made.id}/versions`);
    expect(versions.map((v) => [v.version, v.persona])).toEqual([[2, 'v2'], [1, 'v1']]);
  });
});
