// Members and roles over real HTTP: invite (no SMTP: the link is shown), accept, revoke,
// change roles, remove; what each role may do; the last owner; integration members.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AcceptedInvitation, AtriumClient, Role } from '../../../../sdk/src/index.js';
import { startTestApp, type TestApp, type TestTenant } from '../../testing/harness.js';
import { Authenticator, envelope, newEmail, newPassword, signup } from './testing.js';

let t: TestApp;
let owner: TestTenant;

beforeAll(async () => {
  t = await startTestApp();
  owner = await t.tenant('Members Inc');
});
afterAll(() => t?.stop());

const errorOf = async (res: Response) => {
  const { error } = await envelope<null>(res);
  return { status: res.status, code: error?.code, details: error?.details };
};

/** Invites someone with `role` and accepts as a new person; returns their session client. */
async function join(role: Exclude<Role, 'owner'>, by: AtriumClient = owner.client): Promise<{ accepted: AcceptedInvitation; client: AtriumClient; email: string; password: string }> {
  const email = newEmail(role);
  const password = newPassword();
  const invite = await by.members.invite(email, role);
  const accepted = await t.client().members.accept({ token: invite.token!, name: `A ${role}`, password });
  return { accepted, client: t.client(accepted.token ?? undefined), email, password };
}

describe('invitations', () => {
  it('invites by email (no SMTP: the accept link is returned) and a new person accepts with a name and password', async () => {
    const email = newEmail('newbie');
    const invite = await owner.client.members.invite(email.toUpperCase(), 'member');
    expect(invite.email_sent).toBe(false);
    expect(invite.token).toMatch(/^inv_/);
    expect(invite.accept_url).toBe(`${new URL(invite.accept_url!).origin}/accept-invitation?token=${encodeURIComponent(invite.token!)}`);
    expect(invite.invitation).toMatchObject({ email, role: 'member', status: 'pending', invited_by: owner.userId });
    expect((await owner.client.members.invitations()).map((i) => [i.id, i.status])).toContainEqual([invite.invitation.id, 'pending']);

    // A new account needs a name and a strong password; a refusal leaves the invitation usable.
    const noName = await t.client().raw('POST', '/v1/invitations/accept', { body: { token: invite.token, password: newPassword() } });
    expect(await errorOf(noName)).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', details: [{ path: 'body.name' }] });
    const weak = await t.client().raw('POST', '/v1/invitations/accept', { body: { token: invite.token, name: 'Newbie', password: 'password123' } });
    expect(await errorOf(weak)).toMatchObject({ status: 400, details: [{ path: 'body.password' }] });

    const password = newPassword();
    const accepted = await t.client().members.accept({ token: invite.token!, name: 'Newbie', password });
    expect(accepted).toMatchObject({ user: { email, name: 'Newbie' }, tenant: { id: owner.tenantId, name: 'Members Inc' }, role: 'member' });
    const me = await t.client(accepted.token!).auth.me();
    expect(me).toMatchObject({ tenant: { id: owner.tenantId }, role: 'member', scopes: ['read', 'write'], user: { email } });

    expect((await owner.client.members.list()).map((m) => [m.email, m.role])).toContainEqual([email, 'member']);
    expect((await owner.client.members.invitations()).find((i) => i.id === invite.invitation.id)?.status).toBe('accepted');
    // They can log in with the password they chose.
    expect((await t.client().auth.login({ email, password })).tenant.id).toBe(owner.tenantId);
    const created = await owner.client.diffs.all({ namespace: 'identity', event: 'membership.created' });
    expect(created.map((d) => d.after)).toContainEqual({ user_id: accepted.user.id, email, role: 'member' });

    // The link works once.
    const twice = await t.client().raw('POST', '/v1/invitations/accept', { body: { token: invite.token, name: 'Again', password: newPassword() } });
    expect(await errorOf(twice)).toMatchObject({ status: 404, code: 'INVITATION_INVALID' });
    const made = await t.client().raw('POST', '/v1/invitations/accept', { body: { token: `inv_${'z'.repeat(32)}`, name: 'X', password: newPassword() } });
    expect(await errorOf(made)).toMatchObject({ status: 404, code: 'INVITATION_INVALID' });
  });

  it('refuses to invite someone who is already a member (409 ALREADY_MEMBER)', async () => {
    const { email } = await join('viewer');
    expect(await errorOf(await owner.client.raw('POST', '/v1/members', { body: { email, role: 'member' } }))).toMatchObject({ status: 409, code: 'ALREADY_MEMBER' });
  });

  it('a revoked invitation can no longer be accepted', async () => {
    const invite = await owner.client.members.invite(newEmail('revoked'), 'admin');
    expect(await owner.client.members.revokeInvitation(invite.invitation.id)).toEqual({ revoked: true });
    expect((await owner.client.members.invitations()).find((i) => i.id === invite.invitation.id)?.status).toBe('revoked');
    const accept = await t.client().raw('POST', '/v1/invitations/accept', { body: { token: invite.token, name: 'Late', password: newPassword() } });
    expect(await errorOf(accept)).toMatchObject({ status: 404, code: 'INVITATION_INVALID' });
    expect((await owner.client.raw('DELETE', `/v1/invitations/${invite.invitation.id}`)).status).toBe(404);
  });

  it('someone with an account elsewhere accepts with their own password, and can pick the workspace at log-in', async () => {
    const elsewhere = await signup(t, { name: 'Roaming' });
    const invite = await owner.client.members.invite(elsewhere.email, 'viewer');
    const wrong = await t.client().raw('POST', '/v1/invitations/accept', { body: { token: invite.token, password: newPassword() } });
    expect(await errorOf(wrong)).toMatchObject({ status: 401, code: 'INVALID_CREDENTIALS' });
    const accepted = await t.client().members.accept({ token: invite.token!, password: elsewhere.password });
    expect(accepted).toMatchObject({ user: { id: elsewhere.session.user.id, name: 'Roaming' }, tenant: { id: owner.tenantId }, role: 'viewer' });
    const here = await t.client().auth.login({ email: elsewhere.email, password: elsewhere.password, tenant_id: owner.tenantId });
    expect(here.role).toBe('viewer');
    const home = await t.client().auth.login({ email: elsewhere.email, password: elsewhere.password });
    expect(home.tenant.id).toBe(elsewhere.session.tenant.id);
  });
});

describe('an existing account with 2FA', () => {
  it('accepting with the password alone is 401 TOTP_REQUIRED; a wrong code 401 INVALID_TOTP; the right code joins', async () => {
    const guarded = await signup(t, { name: 'Guarded' });
    const setup = await guarded.client.auth.totpSetup();
    const app = new Authenticator(setup.secret);
    await guarded.client.auth.totpVerify(await app.next());
    const invite = await owner.client.members.invite(guarded.email, 'member');
    const body = { token: invite.token, password: guarded.password };
    expect(await errorOf(await t.client().raw('POST', '/v1/invitations/accept', { body }))).toMatchObject({ status: 401, code: 'TOTP_REQUIRED' });
    expect(await errorOf(await t.client().raw('POST', '/v1/invitations/accept', { body: { ...body, totp_code: await app.wrong() } }))).toMatchObject({ status: 401, code: 'INVALID_TOTP' });
    expect((await owner.client.members.invitations()).find((i) => i.id === invite.invitation.id)?.status).toBe('pending');
    const accepted = await t.client().members.accept({ token: invite.token!, password: guarded.password, totp_code: await app.next() } as never);
    expect(accepted).toMatchObject({ user: { id: guarded.session.user.id }, role: 'member' });
  });
});

describe('roles', () => {
  it('an owner changes a role; a viewer then cannot write (403 FORBIDDEN naming the scope) but can read', async () => {
    const { accepted, client } = await join('member');
    const diff = { namespace: 'crm', entity_type: 'lead', entity_id: 'l1', event: 'lead.created', after: { n: 1 } };
    expect((await client.raw('POST', '/v1/diffs', { body: diff })).status).toBe(201);

    expect(await owner.client.members.changeRole(accepted.user.id, 'viewer', 'read-only from now on')).toEqual({ user_id: accepted.user.id, role: 'viewer' });
    expect((await client.auth.me()).role).toBe('viewer'); // applies at once to live sessions
    const refused = await client.raw('POST', '/v1/diffs', { body: diff });
    expect(await errorOf(refused)).toMatchObject({ status: 403, code: 'FORBIDDEN', details: [{ scope: 'write', module: 'ledger' }] });
    expect((await client.raw('GET', '/v1/diffs')).status).toBe(200);

    const changes = await owner.client.diffs.all({ namespace: 'identity', event: 'membership.role_changed' });
    expect(changes.find((d) => d.entity_id === `${owner.tenantId}:${accepted.user.id}`)).toMatchObject({ before: { role: 'member' }, after: { role: 'viewer' } });
  });

  it('a member can neither invite, change roles, remove members nor list invitations (403)', async () => {
    const { client } = await join('member');
    const invite = await client.raw('POST', '/v1/members', { body: { email: newEmail(), role: 'viewer' } });
    expect(await errorOf(invite)).toMatchObject({ status: 403, code: 'FORBIDDEN', details: [{ scope: 'admin' }] });
    expect((await client.raw('PATCH', `/v1/members/${owner.userId}`, { body: { role: 'viewer' } })).status).toBe(403);
    expect((await client.raw('DELETE', `/v1/members/${owner.userId}`)).status).toBe(403);
    expect((await client.raw('GET', '/v1/invitations')).status).toBe(403);
    expect((await client.members.list()).length).toBeGreaterThan(1); // reading is fine
  });

  it('the last owner can be neither demoted nor removed (409 LAST_OWNER)', async () => {
    const solo = await t.tenant('Solo');
    const demote = await solo.client.raw('PATCH', `/v1/members/${solo.userId}`, { body: { role: 'admin' } });
    expect(await errorOf(demote)).toMatchObject({ status: 409, code: 'LAST_OWNER' });
    const remove = await solo.client.raw('DELETE', `/v1/members/${solo.userId}`);
    expect(await errorOf(remove)).toMatchObject({ status: 409, code: 'LAST_OWNER' });
    expect((await solo.client.members.list()).map((m) => m.role)).toEqual(['owner']);

    // With a second owner, the first may step down.
    const invite = await solo.client.members.invite(newEmail('heir'), 'admin');
    const heir = await t.client().members.accept({ token: invite.token!, name: 'Heir', password: newPassword() });
    await solo.client.members.changeRole(heir.user.id, 'owner');
    expect(await solo.client.members.changeRole(solo.userId, 'admin')).toEqual({ user_id: solo.userId, role: 'admin' });
    // …and now the heir is the last owner.
    const last = await t.client(heir.token!).raw('PATCH', `/v1/members/${heir.user.id}`, { body: { role: 'member' } });
    expect(await errorOf(last)).toMatchObject({ status: 409, code: 'LAST_OWNER' });
  });

  it('an admin cannot grant, remove or demote the owner role (403); only an owner can', async () => {
    const admin = await join('admin');
    const member = await join('member');
    const grant = await admin.client.raw('PATCH', `/v1/members/${member.accepted.user.id}`, { body: { role: 'owner' } });
    expect(await errorOf(grant)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    const self = await admin.client.raw('PATCH', `/v1/members/${admin.accepted.user.id}`, { body: { role: 'owner' } });
    expect((await errorOf(self)).status).toBe(403);
    expect((await admin.client.raw('PATCH', `/v1/members/${owner.userId}`, { body: { role: 'admin' } })).status).toBe(403);
    expect((await admin.client.raw('DELETE', `/v1/members/${owner.userId}`)).status).toBe(403);
    // Admins do manage the other roles.
    expect(await admin.client.members.changeRole(member.accepted.user.id, 'viewer')).toEqual({ user_id: member.accepted.user.id, role: 'viewer' });
    const roles = new Map((await owner.client.members.list()).map((m) => [m.id, m.role]));
    expect(roles.get(owner.userId)).toBe('owner');
    expect(roles.get(member.accepted.user.id)).toBe('viewer');
  });

  it("removing a member ends their sessions at once (401) and they can no longer log in here", async () => {
    const gone = await join('member');
    expect((await gone.client.raw('GET', '/v1/me')).status).toBe(200);
    expect(await owner.client.members.remove(gone.accepted.user.id, 'left the team')).toEqual({ removed: true });
    const after = await gone.client.raw('GET', '/v1/me');
    expect(await errorOf(after)).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect((await owner.client.members.list()).some((m) => m.id === gone.accepted.user.id)).toBe(false);
    const login = await t.client().raw('POST', '/v1/auth/login', { body: { email: gone.email, password: gone.password } });
    expect((await errorOf(login)).status).toBe(403);
    const removed = await owner.client.diffs.all({ namespace: 'identity', event: 'membership.deleted' });
    expect(removed.find((d) => d.entity_id === `${owner.tenantId}:${gone.accepted.user.id}`)).toMatchObject({ before: { role: 'member' }, after: null });
    expect((await owner.client.raw('DELETE', `/v1/members/${gone.accepted.user.id}`)).status).toBe(404);
  });

  it('an integration member is API-only: accepting opens no session and they cannot log in (403)', async () => {
    const bot = await join('integration');
    expect(bot.accepted).toMatchObject({ token: null, role: 'integration', tenant: { id: owner.tenantId } });
    const login = await t.client().raw('POST', '/v1/auth/login', { body: { email: bot.email, password: bot.password } });
    expect(await errorOf(login)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    const other = await t.client().raw('POST', '/v1/auth/login', { body: { email: bot.email, password: bot.password, tenant_id: owner.tenantId } });
    expect((await errorOf(other)).status).toBe(403);

    // A person demoted to integration loses their live sessions too.
    const demoted = await join('member');
    await owner.client.members.changeRole(demoted.accepted.user.id, 'integration');
    expect((await demoted.client.raw('GET', '/v1/me')).status).toBe(401);
  });
});
