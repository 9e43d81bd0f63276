// Approvals beyond the happy path: batch approval, a stale proposal (the entity changed
// between the hold and the decision), 2FA step-up for approvers who have 2FA, the requester
// withdrawing their own request, who may decide, and a requester who left.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AtriumClient } from '../../../../sdk/src/index.js';
import { startTestApp, type TestApp, type TestTenant } from '../../testing/harness.js';
import { expectError, expectOk } from '../../testing/http.js';
import { Authenticator } from '../identity/testing.js';
import { addMember, workApi, type Task } from '../work/testing.js';
import type { Principal } from '../../platform/context.js';
import { ChangeHeld } from '../../platform/http/route.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.stop());

type Approval = {
  id: string; status: 'pending' | 'approved' | 'rejected'; summary: string;
  rule: { id: string; name: string | null; approvers: string; not_by_requester: boolean };
  requested_by: { type: string; id: string };
  change: { namespace: string; entity_type: string; entity_id: string; event: string; before: Record<string, unknown> | null; after: Record<string, unknown> | null };
  decided_by: string | null; decision_why: string | null;
};
type BatchResult = { id: string; ok: boolean; error: { code: string; message: string } | null };
type Member = Awaited<ReturnType<typeof addMember>>;

const post = (c: AtriumClient, url: string, body: unknown) => c.raw('POST', url, { body });
const getApproval = async (c: AtriumClient, id: string) => (await expectOk<Approval>(await c.raw('GET', `/v1/approvals/${id}`))).data;
/** Asks for a change that the rule holds; returns the pending approval. */
async function held(c: AtriumClient, taskId: string, body: Record<string, unknown>): Promise<Approval> {
  const res = await expectOk<Approval>(await c.raw('PATCH', `/v1/tasks/${taskId}`, { body }), 202);
  expect(res.meta.held).toBe(true);
  expect(res.data.status).toBe('pending');
  return res.data;
}

/** A tenant whose rule holds any change that makes a task urgent. */
async function urgentNeedsApproval(opts: { approvers?: 'role:admin' | 'role:member'; not_by_requester?: boolean } = {}) {
  const a = await t.tenant();
  const member = await addMember(t, a, 'Rita Requester');
  const { data } = await expectOk<{ rule: { id: string } }>(await post(a.client, '/v1/rules', {
    name: 'Urgent needs approval',
    trigger: { namespace: 'flow_os', entity_type: 'task', event: 'task.updated', when: { path: 'after.priority', op: 'changed_to', value: 'urgent' } },
    actions: [{ type: 'require_approval', approvers: opts.approvers ?? 'role:admin', not_by_requester: opts.not_by_requester ?? false, message: 'Making "{{after.name}}" urgent needs an approval' }],
  }), 201);
  const api = workApi(a.client);
  const w = await api.create({ name: 'Queue' });
  return { a, member, api, w, ruleId: data.rule.id };
}

describe('batch approval', () => {
  it('approves several with one why; each result says applied or why not', async () => {
    const { a, member, api, w, ruleId } = await urgentNeedsApproval();
    const tasks: Task[] = [];
    for (const name of ['One', 'Two', 'Three']) tasks.push(await api.addTask(w.id, { name }));
    const approvals: Approval[] = [];
    for (const task of tasks) approvals.push(await held(member.client, task.id, { priority: 'urgent' }));
    expect(approvals[0]).toMatchObject({
      summary: 'Making "One" urgent needs an approval', rule: { id: ruleId, approvers: 'role:admin' }, requested_by: { type: 'user', id: member.userId },
      change: { namespace: 'flow_os', entity_type: 'task', entity_id: tasks[0]!.id, event: 'task.updated', before: { priority: 'normal' }, after: { priority: 'urgent' } },
    });
    for (const task of tasks) expect((await api.task(task.id)).priority).toBe('normal');
    const pending = (await expectOk<Approval[]>(await a.client.raw('GET', '/v1/approvals?status=pending'))).data;
    expect(pending.map((p) => p.id).sort()).toEqual(approvals.map((p) => p.id).sort());

    // One of them is rejected first; one id does not exist.
    await expectOk(await post(a.client, `/v1/approvals/${approvals[2]!.id}/reject`, { reason: 'not this one' }));
    const batch = (await expectOk<BatchResult[]>(await post(a.client, '/v1/approvals/approve', { ids: [approvals[0]!.id, approvals[1]!.id, approvals[2]!.id, 'apr_nope'], why: 'release week' }))).data;
    expect(batch).toEqual([
      { id: approvals[0]!.id, ok: true, error: null },
      { id: approvals[1]!.id, ok: true, error: null },
      { id: approvals[2]!.id, ok: false, error: expect.objectContaining({ code: 'APPROVAL_DECIDED' }) },
      { id: 'apr_nope', ok: false, error: expect.objectContaining({ code: 'NOT_FOUND' }) },
    ]);
    expect((await api.task(tasks[0]!.id)).priority).toBe('urgent');
    expect((await api.task(tasks[1]!.id)).priority).toBe('urgent');
    expect((await api.task(tasks[2]!.id)).priority).toBe('normal');
    for (const ap of approvals.slice(0, 2)) expect(await getApproval(a.client, ap.id)).toMatchObject({ status: 'approved', decided_by: a.userId, decision_why: 'release week' });
    // Applied as the requester, linked to the approval.
    const [applied] = (await expectOk<{ actor: { id: string }; metadata: Record<string, unknown> }[]>(await a.client.raw('GET', `/v1/diffs?entity_id=${tasks[0]!.id}&event=task.updated`))).data;
    expect(applied!.actor.id).toBe(member.userId);
    expect(applied!.metadata).toMatchObject({ approval_id: approvals[0]!.id, approved_by: a.userId });

    // Again: all already decided; nothing applied twice.
    const again = (await expectOk<BatchResult[]>(await post(a.client, '/v1/approvals/approve', { ids: [approvals[0]!.id], why: 'again' }))).data;
    expect(again).toEqual([{ id: approvals[0]!.id, ok: false, error: expect.objectContaining({ code: 'APPROVAL_DECIDED' }) }]);
    expect((await api.task(tasks[0]!.id)).version).toBe(2);
    // A batch needs a why and at most 50 ids; a member cannot batch-approve admin-only approvals.
    await expectError(await post(a.client, '/v1/approvals/approve', { ids: [approvals[0]!.id] }), 400, 'VALIDATION_FAILED');
    await expectError(await post(a.client, '/v1/approvals/approve', { ids: [], why: 'x' }), 400, 'VALIDATION_FAILED');
    await expectError(await post(a.client, '/v1/approvals/approve', { ids: Array.from({ length: 51 }, (_, i) => `apr_${i}`), why: 'x' }), 400, 'VALIDATION_FAILED');
    const extra = await held(member.client, (await api.addTask(w.id, { name: 'Four' })).id, { priority: 'urgent' });
    const byMember = (await expectOk<BatchResult[]>(await post(member.client, '/v1/approvals/approve', { ids: [extra.id], why: 'me' }))).data;
    expect(byMember).toEqual([{ id: extra.id, ok: false, error: expect.objectContaining({ code: 'FORBIDDEN' }) }]);
    expect((await getApproval(a.client, extra.id)).status).toBe('pending');
  });
});

describe('what approvers see', () => {
  it('the requester’s why comes with the held change (null without one)', async () => {
    const { member, api, w } = await urgentNeedsApproval();
    const task = await api.addTask(w.id, { name: 'Ship the vanilla' });
    const withWhy = await held(member.client, task.id, { priority: 'urgent', why: 'the buyer lands on Friday' });
    expect(withWhy).toMatchObject({ requested_why: 'the buyer lands on Friday' });
    const other = await api.addTask(w.id, { name: 'Ship the cloves' });
    expect(await held(member.client, other.id, { priority: 'urgent' })).toMatchObject({ requested_why: null });
  });
});

describe('stale approvals', () => {
  it('refuses with APPROVAL_STALE when the entity changed between the hold and the approval, leaving both as they are', async () => {
    const { a, member, api, w } = await urgentNeedsApproval();
    const task = await api.addTask(w.id, { name: 'Contested' });
    const approval = await held(member.client, task.id, { priority: 'urgent' });
    // Someone else changes the same field meanwhile (to a value the rule does not hold).
    await api.patchTask(task.id, { priority: 'high' });
    await expectError(await post(a.client, `/v1/approvals/${approval.id}/approve`, { why: 'ok' }), 409, 'APPROVAL_STALE');
    expect(await getApproval(a.client, approval.id)).toMatchObject({ status: 'pending', decided_by: null });
    expect((await api.task(task.id)).priority).toBe('high');
    // The batch route reports the same refusal per item.
    const batch = (await expectOk<BatchResult[]>(await post(a.client, '/v1/approvals/approve', { ids: [approval.id], why: 'ok' }))).data;
    expect(batch[0]).toMatchObject({ ok: false, error: { code: 'APPROVAL_STALE' } });
    // It can still be rejected, and a fresh request goes through.
    await expectOk(await post(a.client, `/v1/approvals/${approval.id}/reject`, { reason: 'stale, ask again' }));
    const fresh = await held(member.client, task.id, { priority: 'urgent' });
    expect(fresh.change.before).toMatchObject({ priority: 'high' });
    await expectOk(await post(a.client, `/v1/approvals/${fresh.id}/approve`, { why: 'now it is current' }));
    expect((await api.task(task.id)).priority).toBe('urgent');
  });

  it('an unrelated edit of the same task in between also makes it stale (the proposal pinned a version)', async () => {
    const { a, member, api, w } = await urgentNeedsApproval();
    const task = await api.addTask(w.id, { name: 'Pinned' });
    const approval = await held(member.client, task.id, { priority: 'urgent' });
    expect(approval.change.before).toMatchObject({ version: 1 });
    await api.patchTask(task.id, { description: 'more detail' });
    await expectError(await post(a.client, `/v1/approvals/${approval.id}/approve`, { why: 'ok' }), 409, 'APPROVAL_STALE');
    const now = await api.task(task.id);
    expect(now).toMatchObject({ priority: 'normal', description: 'more detail', version: 2 });
  });
});

describe('2FA step-up', () => {
  async function adminWithTwoFactor(a: TestTenant): Promise<Member & { app: Authenticator }> {
    const admin = await addMember(t, a, 'Sue Secure', 'admin');
    const setup = await admin.client.auth.totpSetup();
    const app = new Authenticator(setup.secret);
    await admin.client.auth.totpVerify(await app.next());
    return { ...admin, app };
  }

  it('an approver with 2FA must step up first (403 STEP_UP_REQUIRED), then the approval applies', async () => {
    const { a, member, api, w } = await urgentNeedsApproval();
    const admin = await adminWithTwoFactor(a);
    const task = await api.addTask(w.id, { name: 'Sensitive' });
    const approval = await held(member.client, task.id, { priority: 'urgent' });

    await expectError(await post(admin.client, `/v1/approvals/${approval.id}/approve`, { why: 'fine' }), 403, 'STEP_UP_REQUIRED');
    const batch = (await expectOk<BatchResult[]>(await post(admin.client, '/v1/approvals/approve', { ids: [approval.id], why: 'fine' }))).data;
    expect(batch[0]).toMatchObject({ ok: false, error: { code: 'STEP_UP_REQUIRED' } });
    expect((await getApproval(a.client, approval.id)).status).toBe('pending');
    expect((await api.task(task.id)).priority).toBe('normal');
    // A wrong code does not count.
    await expectError(await post(admin.client, '/v1/auth/step-up', { code: await admin.app.wrong() }), 400, 'INVALID_TOTP');
    await expectError(await post(admin.client, `/v1/approvals/${approval.id}/approve`, { why: 'fine' }), 403, 'STEP_UP_REQUIRED');

    await admin.client.auth.stepUp(await admin.app.next());
    const ok = await expectOk<{ approval: Approval }>(await post(admin.client, `/v1/approvals/${approval.id}/approve`, { why: 'checked with finance' }));
    expect(ok.data.approval).toMatchObject({ status: 'approved', decided_by: admin.userId, decision_why: 'checked with finance' });
    expect((await api.task(task.id)).priority).toBe('urgent');
  });

  it('rejecting needs no step-up, and approvers without 2FA need none either', async () => {
    const { a, member, api, w } = await urgentNeedsApproval();
    const admin = await adminWithTwoFactor(a);
    const first = await held(member.client, (await api.addTask(w.id, { name: 'A' })).id, { priority: 'urgent' });
    expect((await expectOk<Approval>(await post(admin.client, `/v1/approvals/${first.id}/reject`, { reason: 'no budget' }))).data).toMatchObject({ status: 'rejected', decided_by: admin.userId });
    const second = await held(member.client, (await api.addTask(w.id, { name: 'B' })).id, { priority: 'urgent' });
    await expectOk(await post(a.client, `/v1/approvals/${second.id}/approve`, { why: 'owner has no 2FA' }));
  });
});

describe('withdrawal and who may decide', () => {
  it('the requester may withdraw (reject) their own request; other members may neither approve nor reject it', async () => {
    const { a, member, api, w } = await urgentNeedsApproval();
    const other = await addMember(t, a, 'Otto Other');
    const viewer = await addMember(t, a, 'Vera Viewer', 'viewer');
    const task = await api.addTask(w.id, { name: 'Mine' });
    const approval = await held(member.client, task.id, { priority: 'urgent' });
    await expectError(await post(other.client, `/v1/approvals/${approval.id}/reject`, { reason: 'meddling' }), 403, 'FORBIDDEN');
    await expectError(await post(other.client, `/v1/approvals/${approval.id}/approve`, { why: 'meddling' }), 403, 'FORBIDDEN');
    await expectError(await post(viewer.client, `/v1/approvals/${approval.id}/reject`, { reason: 'x' }), 403, 'FORBIDDEN');
    await expectError(await post(member.client, `/v1/approvals/${approval.id}/approve`, { why: 'self-service' }), 403, 'FORBIDDEN');
    await expectError(await post(member.client, `/v1/approvals/${approval.id}/reject`, {}), 400, 'VALIDATION_FAILED');

    const withdrawn = (await expectOk<Approval>(await post(member.client, `/v1/approvals/${approval.id}/reject`, { reason: 'changed my mind' }))).data;
    expect(withdrawn).toMatchObject({ status: 'rejected', decided_by: member.userId, decision_why: 'changed my mind' });
    expect((await api.task(task.id)).priority).toBe('normal');
    await expectError(await post(a.client, `/v1/approvals/${approval.id}/approve`, { why: 'too late' }), 409, 'APPROVAL_DECIDED');
    await expectError(await post(member.client, `/v1/approvals/${approval.id}/reject`, { reason: 'twice' }), 409, 'APPROVAL_DECIDED');
    // Withdrawing tells nobody "your change was rejected"; a rejection by someone else does.
    const rejectedNotes = async (c: AtriumClient) => (await expectOk<{ title: string }[]>(await c.raw('GET', '/v1/notifications'))).data.filter((n) => n.title.startsWith('Change rejected'));
    expect(await rejectedNotes(member.client)).toEqual([]);
    const next = await held(member.client, task.id, { priority: 'urgent' });
    await expectOk(await post(a.client, `/v1/approvals/${next.id}/reject`, { reason: 'not now' }));
    expect(await rejectedNotes(member.client)).toHaveLength(1);
    // The decision is a diff with the why.
    const [decision] = (await expectOk<{ actor: { id: string }; annotations: { why: string }[] }[]>(await a.client.raw('GET', `/v1/diffs?entity_id=${approval.id}&event=approval.rejected`))).data;
    expect(decision!.actor.id).toBe(member.userId);
    expect(decision!.annotations[0]!.why).toBe('changed my mind');
  });

  it('approvers role:member lets another member approve, but never the requester when not_by_requester', async () => {
    const { a, member, api, w } = await urgentNeedsApproval({ approvers: 'role:member', not_by_requester: true });
    const peer = await addMember(t, a, 'Pat Peer');
    const approval = await held(member.client, (await api.addTask(w.id, { name: 'Peer review' })).id, { priority: 'urgent' });
    const env = await expectError(await post(member.client, `/v1/approvals/${approval.id}/approve`, { why: 'mine' }), 403, 'FORBIDDEN');
    expect(env.error.details[0]).toMatchObject({ rule_id: approval.rule.id });
    const ok = await expectOk<{ approval: Approval }>(await post(peer.client, `/v1/approvals/${approval.id}/approve`, { why: 'looks right' }));
    expect(ok.data.approval).toMatchObject({ status: 'approved', decided_by: peer.userId });
    // The owner's own held change cannot be approved by the owner either.
    const own = await held(a.client, (await api.addTask(w.id, { name: 'Owner asks' })).id, { priority: 'urgent' });
    await expectError(await post(a.client, `/v1/approvals/${own.id}/approve`, { why: 'mine' }), 403, 'FORBIDDEN');
    await expectOk(await post(peer.client, `/v1/approvals/${own.id}/approve`, { why: 'fine' }));
  });

  it('a requester who has left cannot have their change applied (409 REQUESTER_GONE); another tenant sees nothing', async () => {
    const { a, member, api, w } = await urgentNeedsApproval();
    const task = await api.addTask(w.id, { name: 'Orphaned' });
    const approval = await held(member.client, task.id, { priority: 'urgent' });
    const b = await t.tenant();
    await expectError(await b.client.raw('GET', `/v1/approvals/${approval.id}`), 404, 'NOT_FOUND');
    expect((await expectOk<Approval[]>(await b.client.raw('GET', '/v1/approvals'))).data).toEqual([]);
    await expectError(await post(b.client, `/v1/approvals/${approval.id}/reject`, { reason: 'x' }), 404, 'NOT_FOUND');
    await a.client.members.remove(member.userId, 'left the company');
    await expectError(await post(a.client, `/v1/approvals/${approval.id}/approve`, { why: 'ok' }), 409, 'REQUESTER_GONE');
    expect((await api.task(task.id)).priority).toBe('normal');
    expect((await getApproval(a.client, approval.id)).status).toBe('pending');
  });
});

describe('held as commands', () => {
  it('a change held over HTTP is stored as its command, and approving runs that command', async () => {
    const { a, member, api, w } = await urgentNeedsApproval();
    const task = await api.addTask(w.id, { name: 'Launch' });
    const approval = await held(member.client, task.id, { priority: 'urgent' });
    expect(await getApproval(a.client, approval.id)).toMatchObject({ command: 'work.update_task' });
    await expectOk(await post(a.client, `/v1/approvals/${approval.id}/approve`, { why: 'go' }));
    expect((await api.task(task.id)).priority).toBe('urgent');
  });

  it('a command run outside HTTP (as an agent or a flow step would) is held the same way and applied on approval', async () => {
    const { a, member, api, w } = await urgentNeedsApproval();
    const task = await api.addTask(w.id, { name: 'Agent work' });
    const principal: Principal = {
      tenantId: a.tenantId, actor: { type: 'user', id: member.userId }, userId: member.userId, tokenId: 'in-process', kind: 'session',
      role: 'member', scopes: ['read', 'write'], plan: 'enterprise', stepUpAt: null, platformRole: null,
    };
    const err = await t.app.commands.execute(principal, 'work.update_task', { id: task.id, priority: 'urgent' }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ChangeHeld);
    expect((err as ChangeHeld).command).toEqual({ command: 'work.update_task', input: { id: task.id, priority: 'urgent' } });
    const envelope = await t.app.rules.approvals.hold(err as ChangeHeld, { principal });
    expect(envelope.status).toBe(202);
    const id = (envelope.data as { id: string }).id;
    expect(await getApproval(a.client, id)).toMatchObject({ status: 'pending', command: 'work.update_task', request: { method: null, url: null }, requested_by: { id: member.userId } });
    expect((await api.task(task.id)).priority).toBe('normal');
    await expectOk(await post(a.client, `/v1/approvals/${id}/approve`, { why: 'agent may' }));
    expect((await api.task(task.id)).priority).toBe('urgent');
    const [applied] = (await expectOk<{ actor: { id: string }; metadata: Record<string, unknown> }[]>(await a.client.raw('GET', `/v1/diffs?entity_id=${task.id}&event=task.updated`))).data;
    expect(applied).toMatchObject({ actor: { id: member.userId }, metadata: { approval_id: id } });
  });

  it('an unknown command or bad input is refused before anything runs', async () => {
    const a = await t.tenant();
    const principal: Principal = {
      tenantId: a.tenantId, actor: { type: 'user', id: a.userId }, userId: a.userId, tokenId: 'in-process', kind: 'session',
      role: 'owner', scopes: ['read', 'write', 'admin'], plan: 'enterprise', stepUpAt: null, platformRole: null,
    };
    await expect(t.app.commands.execute(principal, 'work.no_such', {})).rejects.toMatchObject({ code: 'UNKNOWN_COMMAND', status: 400 });
    await expect(t.app.commands.execute(principal, 'work.update_task', { id: 'task_x', priority: 'whenever' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(t.app.commands.execute({ ...principal, scopes: ['read'] }, 'work.update_task', { id: 'task_x' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
