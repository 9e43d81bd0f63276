// The Reflex Arc end to end over real HTTP: a notify rule fires on a blocked task (notification
// with the why, effect diff caused by the trigger, run recorded), guards refuse, approvals hold
// and apply exactly what was proposed, packs switch on, and another tenant sees none of it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AtriumClient } from '../../../../sdk/src/index.js';
import { startTestApp, type TestApp, type TestTenant } from '../../testing/harness.js';
import { expectError, expectOk, waitFor } from '../../testing/http.js';
import { addMember, workApi, type WorkApi } from '../work/testing.js';

let t: TestApp;
let a: TestTenant;
let b: TestTenant;
let api: WorkApi;

beforeAll(async () => {
  t = await startTestApp({ config: { webhookAllowPrivate: true } });
  a = await t.tenant('Reflexes');
  b = await t.tenant('Bystanders');
  api = workApi(a.client);
});
afterAll(() => t?.stop());

type Rule = { id: string; kind: string; enabled: boolean; version: number };
type Run = { id: string; rule_id: string; status: string; diff_id: string; effect_diff_id: string | null; effect: Record<string, unknown>; error: string | null };
type Notification = { id: string; title: string; body: string; read: boolean; entity: { type: string; id: string } | null };
type DiffView = { id: string; event: string; namespace: string; causation_id: string | null; metadata: Record<string, unknown>; actor: { type: string; id: string } };

async function createRule(c: AtriumClient, body: unknown): Promise<{ rule: Rule; warnings: string[]; secrets: Record<string, string> }> {
  return (await expectOk<{ rule: Rule; warnings: string[]; secrets: Record<string, string> }>(await c.raw('POST', '/v1/rules', { body }), 201)).data;
}
const runsOf = async (c: AtriumClient, ruleId: string) => (await expectOk<Run[]>(await c.raw('GET', `/v1/rule-runs?rule_id=${ruleId}`))).data;
const notifications = async (c: AtriumClient) => (await expectOk<Notification[]>(await c.raw('GET', '/v1/notifications'))).data;
const diffsOf = async (c: AtriumClient, q: string) => (await expectOk<DiffView[]>(await c.raw('GET', `/v1/diffs?${q}`))).data;

const blockedRule = {
  name: 'Notify owner when a task is blocked',
  trigger: { namespace: 'flow_os', entity_type: 'task', event: 'task.updated',
    when: { all: [{ path: 'after.status', op: 'eq', value: 'blocked' }, { path: 'before.status', op: 'neq', value: 'blocked' }] } },
  actions: [{ type: 'notify', to: 'owner', message: '{{after.name}} is blocked: {{why}}' }],
};

describe('notify on a blocked task', () => {
  it('notifies the owner with the why, records the effect as a diff caused by the trigger, and logs the run', async () => {
    const { rule } = await createRule(a.client, blockedRule);
    expect(rule.kind).toBe('reactive');
    const w = await api.create({ name: 'Launch', owner_id: a.userId });
    const task = await api.addTask(w.id, { name: 'Write copy' });
    await api.patchTask(task.id, { status: 'blocked', why: 'waiting for the brand book' });
    const runs = await waitFor('a succeeded run', async () => (await runsOf(a.client, rule.id)).find((r) => r.status === 'succeeded'));
    const inbox = await notifications(a.client);
    expect(inbox[0]).toMatchObject({ title: 'Notify owner when a task is blocked', body: 'Write copy is blocked: waiting for the brand book', read: false, entity: { type: 'task', id: task.id } });
    const sent = (await diffsOf(a.client, 'namespace=notifications&event=notification.sent'))[0]!;
    expect(sent.causation_id).toBe(runs.diff_id);
    expect(sent.actor).toEqual({ type: 'rule', id: rule.id });
    expect(sent.metadata).toMatchObject({ rule_id: rule.id, run_id: runs.id, chain_depth: 1 });
    // Another tenant sees neither the rule, its runs nor the notification.
    await expectError(await b.client.raw('GET', `/v1/rules/${rule.id}`), 404, 'NOT_FOUND');
    expect(await runsOf(b.client, rule.id)).toEqual([]);
    expect(await notifications(b.client)).toEqual([]);
    // Marking read.
    const read = await expectOk<Notification>(await a.client.raw('POST', `/v1/notifications/${inbox[0]!.id}/read`));
    expect(read.data.read).toBe(true);
    await expectError(await b.client.raw('POST', `/v1/notifications/${inbox[0]!.id}/read`), 404, 'NOT_FOUND');
    await expectOk(await a.client.raw('POST', `/v1/rules/${rule.id}/disable`, { body: {} }));
  });
});

describe('guards and approvals', () => {
  it('a guard refuses the change with 409 BLOCKED_BY_RULE and nothing is written', async () => {
    const { rule } = await createRule(a.client, {
      name: 'No urgent tasks without an assignee',
      trigger: { namespace: 'flow_os', entity_type: 'task', event: 'task.created', when: { all: [{ path: 'after.priority', op: 'eq', value: 'urgent' }, { path: 'after.assignee_id', op: 'eq', value: null }] } },
      actions: [{ type: 'guard', message: 'assign urgent work to someone' }],
    });
    expect(rule.kind).toBe('precommit');
    const w = await api.create({ name: 'Guarded' });
    const env = await expectError(await a.client.raw('POST', `/v1/workflows/${w.id}/tasks`, { body: { name: 'Fire', priority: 'urgent' } }), 409, 'BLOCKED_BY_RULE');
    expect(env.error.message).toContain('assign urgent work to someone');
    expect(env.error.details[0]).toMatchObject({ rule_id: rule.id });
    expect(await api.tasks(w.id)).toEqual([]);
    expect((await api.addTask(w.id, { name: 'Fire', priority: 'urgent', assignee_id: a.userId })).priority).toBe('urgent');
    await expectOk(await a.client.raw('DELETE', `/v1/rules/${rule.id}`));
    expect((await api.addTask(w.id, { name: 'Fire 2', priority: 'urgent' })).name).toBe('Fire 2');
  });

  it('require_approval holds an archive (202), and approving applies exactly that change with the approver’s why', async () => {
    const { rule } = await createRule(a.client, {
      name: 'Archiving needs approval', trigger: { namespace: 'flow_os', event: 'workflow.archived' },
      actions: [{ type: 'require_approval', approvers: 'role:admin', not_by_requester: true }],
    });
    const member = await addMember(t, a, 'Mia Member');
    const w = await api.create({ name: 'To archive' });
    const held = await member.client.raw('DELETE', `/v1/workflows/${w.id}`, { body: { why: 'client churned' } });
    const approval = (await expectOk<{ id: string; status: string; change: { before: unknown; after: unknown } }>(held, 202)).data;
    expect(approval.status).toBe('pending');
    expect(approval.change.after).toMatchObject({ status: 'archived' });
    expect((await api.get(w.id)).status).toBe('active');
    // The owner was told; the requester cannot approve their own (not_by_requester) — nor could a member anyway.
    expect((await notifications(a.client)).some((n) => n.title.includes('Archiving needs approval'))).toBe(true);
    await expectError(await member.client.raw('POST', `/v1/approvals/${approval.id}/approve`, { body: { why: 'me' } }), 403, 'FORBIDDEN');
    await expectError(await b.client.raw('POST', `/v1/approvals/${approval.id}/approve`, { body: { why: 'me' } }), 404, 'NOT_FOUND');
    await expectError(await a.client.raw('POST', `/v1/approvals/${approval.id}/reject`, { body: {} }), 400, 'VALIDATION_FAILED');
    const ok = await expectOk<{ approval: { status: string; decided_by: string } }>(await a.client.raw('POST', `/v1/approvals/${approval.id}/approve`, { body: { why: 'agreed with the account lead' } }));
    expect(ok.data.approval).toMatchObject({ status: 'approved', decided_by: a.userId });
    expect((await api.get(w.id)).status).toBe('archived');
    const archived = (await diffsOf(a.client, `entity_id=${w.id}&event=workflow.archived`))[0]!;
    expect(archived.actor.id).toBe(member.userId);
    expect(archived.metadata).toMatchObject({ approval_id: approval.id, approved_by: a.userId });
    const decision = (await diffsOf(a.client, `entity_id=${approval.id}&event=approval.approved`))[0] as DiffView & { annotations: { why: string }[] };
    expect(archived.causation_id).toBe(decision.id);
    expect(decision.annotations[0]!.why).toBe('agreed with the account lead');
    await expectError(await a.client.raw('POST', `/v1/approvals/${approval.id}/approve`, { body: { why: 'again' } }), 409, 'APPROVAL_DECIDED');
    await expectOk(await a.client.raw('DELETE', `/v1/rules/${rule.id}`));
  });

  it('rejecting needs a reason and leaves the entity as it was', async () => {
    const { rule } = await createRule(a.client, { name: 'Hold archives', trigger: { event: 'workflow.archived' }, actions: [{ type: 'require_approval' }] });
    const w = await api.create({ name: 'Keep me' });
    const approval = (await expectOk<{ id: string }>(await a.client.raw('DELETE', `/v1/workflows/${w.id}`, { body: { why: 'tidy up' } }), 202)).data;
    const rejected = await expectOk<{ status: string; decision_why: string }>(await a.client.raw('POST', `/v1/approvals/${approval.id}/reject`, { body: { reason: 'still in use' } }));
    expect(rejected.data).toMatchObject({ status: 'rejected', decision_why: 'still in use' });
    expect((await api.get(w.id)).status).toBe('active');
    await expectError(await a.client.raw('POST', `/v1/approvals/${approval.id}/approve`, { body: { why: 'x' } }), 409, 'APPROVAL_DECIDED');
    await expectOk(await a.client.raw('DELETE', `/v1/rules/${rule.id}`));
  });
});
