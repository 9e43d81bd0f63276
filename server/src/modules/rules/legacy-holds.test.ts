// Approvals stored before holds were commands hold the HTTP request ({method, url, body}). They
// keep their meaning: approving one runs the command its route runs now, as the requester, end
// to end; one that no command replaces is refused (409 APPROVAL_FAILED) and can be rejected.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, type TestTenant } from '../../testing/harness.js';
import { expectError, expectOk } from '../../testing/http.js';
import { addMember, ownerQuery, workApi } from '../work/testing.js';
import { legacyCommand } from './legacy-holds.js';

let t: TestApp;
let a: TestTenant;
beforeAll(async () => {
  t = await startTestApp();
  a = await t.tenant('Legacy holds');
});
afterAll(() => t?.stop());

type Approval = { id: string; status: string; command: string | null; request: { method: string | null; url: string | null }; decided_by: string | null };
const post = (path: string, body: unknown) => a.client.raw('POST', path, { body });

/**
 * Stores a pending approval exactly as the code before commands did: the held change's
 * proposal (taken from a hold just made, then withdrawn) with `request` = the HTTP request.
 */
async function legacyCopy(heldId: string, request: { method: string; url: string; body: unknown }, requester: { role: string | null; scopes: string[] }) {
  const id = `apr_legacy${randomBytes(4).toString('hex')}`;
  await ownerQuery(t, `
    insert into approvals (id, tenant_id, rule_id, requested_by, requester_type, namespace, entity_type, entity_id, event, proposed_before, proposed_after, request, summary)
    select $1, tenant_id, rule_id, requested_by, requester_type, namespace, entity_type, entity_id, event, proposed_before, proposed_after, $2::jsonb, summary
    from approvals where id = $3`, [id, JSON.stringify({ ...request, body: request.body ?? null, role: requester.role, scopes: requester.scopes, kind: 'session' }), heldId]);
  await expectOk(await post(`/v1/approvals/${heldId}/reject`, { reason: 'replaced by its legacy copy' }));
  return id;
}

describe('legacy held requests map to the command their route runs', () => {
  it('by method and path, with path parameters, the query and the body as the route builds them', () => {
    expect(legacyCommand({ method: 'PATCH', url: '/v1/tasks/task_1', body: { priority: 'urgent', version: 2 } })).toEqual({ command: 'work.update_task', input: { priority: 'urgent', version: 2, id: 'task_1' } });
    expect(legacyCommand({ method: 'DELETE', url: '/v1/tasks/task%201/?why=no%20longer%20needed', body: null })).toEqual({ command: 'work.delete_task', input: { id: 'task 1', why: 'no longer needed' } });
    expect(legacyCommand({ method: 'DELETE', url: '/v1/workflows/wf_1?why=from%20query', body: { why: 'from body' } })).toEqual({ command: 'work.archive_workflow', input: { id: 'wf_1', why: 'from body' } });
    expect(legacyCommand({ method: 'POST', url: '/v1/workflows/wf_1/tasks', body: { name: 'T' } })).toEqual({ command: 'work.create_task', input: { name: 'T', workflow_id: 'wf_1' } });
    expect(legacyCommand({ method: 'PATCH', url: '/v1/members/usr_1', body: { role: 'admin' } })).toEqual({ command: 'identity.change_member_role', input: { role: 'admin', user_id: 'usr_1' } });
    expect(legacyCommand({ method: 'POST', url: '/v1/rules/rule_1/disable', body: null })).toEqual({ command: 'rules.disable_rule', input: { id: 'rule_1' } });
    expect(legacyCommand({ method: 'POST', url: '/v1/diffs', body: { namespace: 'crm' } })).toEqual({ command: 'ledger.record_event', input: { namespace: 'crm' } });
    // No command replaces these: not business changes (or no such route).
    for (const [method, url] of [['POST', '/v1/auth/logout'], ['POST', '/v1/notifications/read-all'], ['GET', '/v1/tasks/task_1'], ['PATCH', '/v1/tasks'], ['PATCH', '/v1/tasks/%E0%A4%A']]) {
      expect(legacyCommand({ method, url, body: null }), `${method} ${url}`).toBeNull();
    }
    expect(legacyCommand({})).toBeNull();
  });
});

describe('a legacy pending approval, stored as the old code stored it', () => {
  it('is approved end to end: the command runs as the requester, linked to the approval', async () => {
    const member = await addMember(t, a, 'Rita Requester');
    await expectOk(await post('/v1/rules', {
      name: 'Urgent needs approval', trigger: { namespace: 'flow_os', entity_type: 'task', event: 'task.updated', when: { path: 'after.priority', op: 'changed_to', value: 'urgent' } },
      actions: [{ type: 'require_approval' }],
    }), 201);
    const api = workApi(a.client);
    const task = await api.addTask((await api.create({ name: 'Queue' })).id, { name: 'Launch' });
    const held = (await expectOk<Approval>(await member.client.raw('PATCH', `/v1/tasks/${task.id}`, { body: { priority: 'urgent' } }), 202)).data;
    const id = await legacyCopy(held.id, { method: 'PATCH', url: `/v1/tasks/${task.id}`, body: { priority: 'urgent' } }, { role: 'member', scopes: ['read', 'write'] });
    expect((await expectOk<Approval>(await a.client.raw('GET', `/v1/approvals/${id}`))).data).toMatchObject({ status: 'pending', command: null, request: { method: 'PATCH', url: `/v1/tasks/${task.id}` } });
    expect((await api.task(task.id)).priority).toBe('normal');

    const ok = await expectOk<{ approval: Approval; result: { id: string; priority: string } }>(await post(`/v1/approvals/${id}/approve`, { why: 'ship it' }));
    expect(ok.data.approval).toMatchObject({ status: 'approved', decided_by: a.userId });
    expect(ok.data.result).toMatchObject({ id: task.id, priority: 'urgent' });
    expect((await api.task(task.id)).priority).toBe('urgent');
    const [applied] = (await expectOk<{ actor: { id: string }; metadata: Record<string, unknown> }[]>(await a.client.raw('GET', `/v1/diffs?entity_id=${task.id}&event=task.updated`))).data;
    expect(applied).toMatchObject({ actor: { id: member.userId }, metadata: { approval_id: id, approved_by: a.userId } });
    await expectError(await post(`/v1/approvals/${id}/approve`, { why: 'again' }), 409, 'APPROVAL_DECIDED');
  });

  it('a DELETE with its why in the query: the why is applied, decoded', async () => {
    const leaving = await addMember(t, a, 'Lee Leaving');
    await expectOk(await post('/v1/rules', { name: 'Removals need approval', trigger: { namespace: 'identity', event: 'membership.deleted' }, actions: [{ type: 'require_approval' }] }), 201);
    const url = `/v1/members/${leaving.userId}?why=left%20the%20company`;
    const held = (await expectOk<Approval>(await a.client.raw('DELETE', url), 202)).data;
    expect(held.command).toBe('identity.remove_member');
    const id = await legacyCopy(held.id, { method: 'DELETE', url, body: null }, { role: 'owner', scopes: ['read', 'write', 'admin'] });
    const ok = await expectOk<{ result: unknown }>(await post(`/v1/approvals/${id}/approve`, { why: 'agreed' }));
    expect(ok.data.result).toEqual({ removed: true });
    const members = (await expectOk<{ user_id: string }[]>(await a.client.raw('GET', '/v1/members'))).data;
    expect(members.some((m) => m.user_id === leaving.userId)).toBe(false);
    const [removed] = (await expectOk<{ annotations: { why: string }[] }[]>(await a.client.raw('GET', '/v1/diffs?event=membership.deleted'))).data;
    expect(removed!.annotations.map((n) => n.why)).toContain('left the company');
  });

  it('one that no command replaces is refused with APPROVAL_FAILED, stays pending, and can be rejected', async () => {
    const ns = `legacy_${randomBytes(3).toString('hex')}`;
    await expectOk(await post('/v1/rules', { name: `Hold ${ns}`, trigger: { namespace: ns }, actions: [{ type: 'require_approval' }] }), 201);
    const held = (await expectOk<Approval>(await post('/v1/diffs', { namespace: ns, entity_type: 'x', entity_id: 'x1', event: 'x.done' }), 202)).data;
    const id = await legacyCopy(held.id, { method: 'POST', url: '/v1/auth/logout', body: null }, { role: 'owner', scopes: ['read', 'write', 'admin'] });
    const env = await expectError(await post(`/v1/approvals/${id}/approve`, { why: 'ok' }), 409, 'APPROVAL_FAILED');
    expect(env.error.message).toContain('POST /v1/auth/logout');
    expect((await expectOk<Approval>(await a.client.raw('GET', `/v1/approvals/${id}`))).data.status).toBe('pending');
    await expectOk(await post(`/v1/approvals/${id}/reject`, { reason: 'cannot be applied any more' }));
  });
});
