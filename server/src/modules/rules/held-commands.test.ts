// Every write a require_approval rule can hold is held as a command, in every module: under a
// rule that holds everything, each such route answers 202 with the command it will run, and
// approving runs it as the requester. What is no business change — signing in and out, 2FA,
// accepting an invitation, reading notifications, the approval queue itself, the operator's
// plan change — goes through as before. No write answers 500 (a hold outside a command).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AtriumClient } from '../../../../sdk/src/index.js';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import { expectError, expectOk } from '../../testing/http.js';
import { Authenticator, newEmail, newPassword, signup, type Person } from '../identity/testing.js';
import { addMember, workApi, type Member } from '../work/testing.js';

type Approval = { id: string; status: string; command: string | null; request: { method: string | null; url: string | null }; change: { event: string } };

let t: TestApp;
let owner: Person;
let member: Member;
let leaver: Member;
let ids: { key: string; invitation: string; prompt: string; rule: string; workflow: string };

const send = (c: AtriumClient, method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body?: unknown) => c.raw(method, url, body === undefined ? {} : { body });
const data = async <T>(res: Response, status = 200) => (await expectOk<T>(res, status)).data;

/** Asks for a change as the owner; the catch-all rule holds it as `command`. */
async function heldAs(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body: unknown, command: string): Promise<Approval> {
  const res = await expectOk<Approval>(await send(owner.client, method, url, body), 202);
  expect(res.meta.held, `${method} ${url}`).toBe(true);
  expect(res.data, `${method} ${url}`).toMatchObject({ status: 'pending', command, request: { method, url } });
  return res.data;
}

const approve = async (id: string) => (await data<{ approval: Approval; result: Record<string, unknown> }>(await send(owner.client, 'POST', `/v1/approvals/${id}/approve`, { why: 'fine' })));

beforeAll(async () => {
  t = await startTestApp();
  owner = await signup(t, { organization: 'Holds everything' });
  member = await addMember(t, { ...owner, tenantId: owner.session.tenant.id, userId: owner.session.user.id, token: owner.session.token }, 'Mo Member');
  leaver = await addMember(t, { ...owner, tenantId: owner.session.tenant.id, userId: owner.session.user.id, token: owner.session.token }, 'Lee Leaver');
  const c = owner.client;
  ids = {
    key: (await data<{ id: string }>(await send(c, 'POST', '/v1/api-keys', { name: 'ci', scopes: ['read'] }), 201)).id,
    invitation: (await data<{ invitation: { id: string } }>(await send(c, 'POST', '/v1/members', { email: newEmail('pending') }), 201)).invitation.id,
    prompt: (await data<{ id: string }>(await send(c, 'POST', '/v1/ai/prompts', { name: 'greet', template: 'Hello {{name}}' }), 201)).id,
    rule: (await data<{ rule: { id: string } }>(await send(c, 'POST', '/v1/rules', { name: 'Notify', trigger: { namespace: 'crm' }, actions: [{ type: 'notify', to: 'owner', message: 'x' }] }), 201)).rule.id,
    workflow: (await workApi(c).create({ name: 'Queue' })).id,
  };
  await data(await send(c, 'POST', '/v1/rule-packs/tag-failed-tasks/enable'), 201);
  // From here on every change anyone asks for waits for an admin.
  await data(await send(c, 'POST', '/v1/rules', { name: 'Hold everything', trigger: {}, actions: [{ type: 'require_approval' }] }), 201);
});
afterAll(() => t?.stop());

describe('a rule that holds everything', () => {
  it('holds every business write of every module as its command', async () => {
    const task = (await workApi(owner.client).tasks(ids.workflow))[0];
    expect(task).toBeUndefined(); // no task yet: creating one is held too
    const cases: [method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body: unknown, command: string][] = [
      ['PATCH', '/v1/tenant', { name: 'Renamed' }, 'identity.update_tenant'],
      ['POST', '/v1/members', { email: newEmail('held'), role: 'viewer' }, 'identity.invite_member'],
      ['PATCH', `/v1/members/${member.userId}`, { role: 'viewer', why: 'read-only now' }, 'identity.change_member_role'],
      ['DELETE', `/v1/members/${leaver.userId}?why=moved%20on`, undefined, 'identity.remove_member'],
      ['DELETE', `/v1/invitations/${ids.invitation}`, undefined, 'identity.revoke_invitation'],
      ['POST', '/v1/api-keys', { name: 'held key', scopes: ['read'] }, 'identity.create_api_key'],
      ['DELETE', `/v1/api-keys/${ids.key}`, undefined, 'identity.revoke_api_key'],
      ['PUT', '/v1/ai/budget', { monthly_tokens: 1000 }, 'ai.set_budget'],
      ['PUT', '/v1/ai/settings', { cache_ttl_seconds: 60 }, 'ai.update_settings'],
      ['POST', '/v1/ai/prompts', { name: 'held prompt', template: 'Hi' }, 'ai.create_prompt'],
      ['POST', `/v1/ai/prompts/${ids.prompt}/versions`, { template: 'Hello again {{name}}' }, 'ai.add_prompt_version'],
      ['POST', `/v1/ai/prompts/${ids.prompt}/pin`, { version: 1 }, 'ai.pin_prompt_version'],
      ['POST', '/v1/rules', { name: 'Held rule', trigger: { namespace: 'crm' }, actions: [{ type: 'notify', to: 'owner', message: 'y' }] }, 'rules.create_rule'],
      ['PATCH', `/v1/rules/${ids.rule}`, { name: 'Renamed rule' }, 'rules.update_rule'],
      ['POST', `/v1/rules/${ids.rule}/disable`, undefined, 'rules.disable_rule'],
      ['DELETE', `/v1/rules/${ids.rule}`, undefined, 'rules.delete_rule'],
      ['POST', '/v1/rule-packs/approve-workflow-archive/enable', undefined, 'rules.enable_pack'],
      ['POST', '/v1/rule-packs/tag-failed-tasks/disable', undefined, 'rules.disable_pack'],
      ['POST', '/v1/diffs', { namespace: 'crm', entity_type: 'deal', entity_id: 'd1', event: 'deal.won' }, 'ledger.record_event'],
      ['POST', '/v1/workflows', { name: 'Held workflow' }, 'work.create_workflow'],
      ['POST', `/v1/workflows/${ids.workflow}/tasks`, { name: 'Held task' }, 'work.create_task'],
    ];
    for (const [method, url, body, command] of cases) await heldAs(method, url, body, command);
    // Nothing of it happened.
    expect((await data<{ name: string }>(await owner.client.raw('GET', '/v1/tenant'))).name).not.toBe('Renamed');
    expect((await data<{ user_id: string; role: string }[]>(await owner.client.raw('GET', '/v1/members'))).find((m) => m.user_id === member.userId)?.role).toBe('member');
    expect(await workApi(owner.client).tasks(ids.workflow)).toEqual([]);
  });

  it('approving runs the held command as the requester, in every module', async () => {
    const rename = await heldAs('PATCH', '/v1/tenant', { name: 'Approved name', why: 'rebrand' }, 'identity.update_tenant');
    expect((await approve(rename.id)).result).toMatchObject({ name: 'Approved name' });
    expect((await data<{ name: string }>(await owner.client.raw('GET', '/v1/tenant'))).name).toBe('Approved name');

    const invite = await heldAs('POST', '/v1/members', { email: newEmail('approved') }, 'identity.invite_member');
    const invited = await approve(invite.id);
    expect(invited.approval.status).toBe('approved');
    // No SMTP here: the approver is shown the link once, and it works.
    expect(invited.result).toMatchObject({ email_sent: false, invitation: { status: 'pending' }, token: expect.stringMatching(/^inv_/) });
    const joined = await t.client().members.accept({ token: invited.result.token as string, name: 'Late Joiner', password: newPassword() });
    expect(joined.role).toBe('member');

    const key = await heldAs('POST', '/v1/api-keys', { name: 'approved key', scopes: ['read'] }, 'identity.create_api_key');
    expect((await approve(key.id)).result).toMatchObject({ name: 'approved key', key: expect.stringMatching(/^atr_/) });

    const role = await heldAs('PATCH', `/v1/members/${member.userId}`, { role: 'admin' }, 'identity.change_member_role');
    expect((await approve(role.id)).result).toEqual({ user_id: member.userId, role: 'admin' });

    const budget = await heldAs('PUT', '/v1/ai/budget', { monthly_tokens: 5000 }, 'ai.set_budget');
    expect((await approve(budget.id)).result).toMatchObject({ monthly_tokens: 5000 });
    expect((await data<{ monthly_tokens: number }>(await owner.client.raw('GET', '/v1/ai/budget'))).monthly_tokens).toBe(5000);

    const prompt = await heldAs('POST', '/v1/ai/prompts', { name: 'approved prompt', template: 'Yo' }, 'ai.create_prompt');
    expect((await approve(prompt.id)).result).toMatchObject({ name: 'approved prompt', versions: [{ version: 1 }] });

    const rule = await heldAs('POST', '/v1/rules', { name: 'Approved rule', trigger: { namespace: 'crm' }, actions: [{ type: 'notify', to: 'owner', message: 'z' }] }, 'rules.create_rule');
    const made = (await approve(rule.id)).result as { rule: { id: string; name: string } };
    expect(made.rule.name).toBe('Approved rule');
    await expectOk(await owner.client.raw('GET', `/v1/rules/${made.rule.id}`));

    const event = await heldAs('POST', '/v1/diffs', { namespace: 'crm', entity_type: 'deal', entity_id: 'd2', event: 'deal.won' }, 'ledger.record_event');
    expect((await approve(event.id)).result).toMatchObject({ namespace: 'crm', entity_id: 'd2', actor: { id: owner.session.user.id } });
  });

  it('what is no business change goes through: sign-in and out, 2FA, invitations accepted, notifications read, the queue, the operator', async () => {
    const session = await t.client().auth.login({ email: owner.email, password: owner.password });
    expect((await data<{ logged_out: boolean }>(await send(t.client(session.token), 'POST', '/v1/auth/logout'))).logged_out).toBe(true);

    const setup = await leaver.client.auth.totpSetup();
    const app = new Authenticator(setup.secret);
    expect((await leaver.client.auth.totpVerify(await app.next())).enabled).toBe(true);
    await leaver.client.auth.stepUp(await app.next());

    const invite = await heldAs('POST', '/v1/members', { email: newEmail('joins') }, 'identity.invite_member'); // inviting is held…
    const token = (await approve(invite.id)).result.token as string;
    expect((await t.client().members.accept({ token, name: 'Joiner', password: newPassword() })).role).toBe('member'); // …joining is not

    expect((await data<{ marked: number }>(await send(owner.client, 'POST', '/v1/notifications/read-all'))).marked).toBeGreaterThan(0);
    const withdrawn = await heldAs('POST', '/v1/workflows', { name: 'Not now' }, 'work.create_workflow');
    expect((await data<Approval>(await send(owner.client, 'POST', `/v1/approvals/${withdrawn.id}/reject`, { reason: 'not now' }))).status).toBe('rejected');

    await t.app.identity.setPlatformRole(owner.email, 'operator');
    try {
      const plan = await data<{ plan: string }>(await send(owner.client, 'PUT', `/v1/platform/tenants/${owner.session.tenant.id}/plan`, { plan: 'pro', why: 'upgrade' }));
      expect(plan.plan).toBe('pro');
    } finally {
      await t.app.identity.setPlatformRole(owner.email, null);
    }
    const pending = await data<Approval[]>(await owner.client.raw('GET', '/v1/approvals?status=pending'));
    const events = pending.map((a) => a.change.event);
    for (const event of ['session.created', 'session.revoked', 'user.totp_enabled', 'membership.created', 'notification.read', 'approval.rejected']) expect(events).not.toContain(event);
  });

  it('a requester who stepped up is not asked again when approved: the approver’s step-up confirms it', async () => {
    // The member (an admin since the last test) turns 2FA on and asks for a role change.
    const setup = await member.client.auth.totpSetup();
    const app = new Authenticator(setup.secret);
    await member.client.auth.totpVerify(await app.next());
    await expectError(await send(member.client, 'PATCH', `/v1/members/${leaver.userId}`, { role: 'viewer' }), 403, 'STEP_UP_REQUIRED');
    await member.client.auth.stepUp(await app.next());
    const held = (await expectOk<Approval>(await send(member.client, 'PATCH', `/v1/members/${leaver.userId}`, { role: 'viewer' }), 202)).data;
    expect(held.command).toBe('identity.change_member_role');
    expect((await approve(held.id)).result).toEqual({ user_id: leaver.userId, role: 'viewer' });
  });
});
