// Brute force over real HTTP: a temporary, doubling lockout per account (and, with a larger
// allowance, per IP), logged as a diff; and no identity diff ever holds a secret.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diff, Session } from '../../../../sdk/src/index.js';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import { Authenticator, envelope, newEmail, newPassword, ownerSql, signup, type Person } from './testing.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.stop());

const login = (email: string, password: string, headers: Record<string, string> = {}) =>
  t.client().raw('POST', '/v1/auth/login', { body: { email, password }, headers });
const errorOf = async (res: Response) => ({ status: res.status, code: (await envelope<null>(res)).error?.code });
const unlock = (key: string) => ownerSql(t, "update auth_failures set locked_until = now() - interval '1 second' where key = $1", [key]);

describe('brute-force lockout', () => {
  let victim: Person;

  it('after 5 wrong passwords for an account, the next attempt is 429 RATE_LIMITED with Retry-After — even with the right password', async () => {
    victim = await signup(t, { organization: 'Victim Org' });
    for (let i = 1; i <= 5; i++) {
      expect(await errorOf(await login(victim.email, `wrong-${i}-${victim.password}`)), `attempt ${i}`).toEqual({ status: 401, code: 'INVALID_CREDENTIALS' });
    }
    const locked = await login(victim.email, victim.password);
    expect(await errorOf(locked)).toEqual({ status: 429, code: 'RATE_LIMITED' });
    const retry = Number(locked.headers.get('retry-after'));
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(30);
    // Any case of the email is the same account.
    expect((await login(victim.email.toUpperCase(), victim.password)).status).toBe(429);
    // The account's other sessions keep working.
    expect((await victim.client.raw('GET', '/v1/me')).status).toBe(200);
  });

  it('locks the account, not everyone behind the IP', async () => {
    const bystander = await signup(t);
    expect((await login(bystander.email, bystander.password)).status).toBe(200);
  });

  it("records the lockout as a 'user.login_locked' diff in the account's tenant, without secrets", async () => {
    const diffs = await victim.client.diffs.all({ namespace: 'identity', event: 'user.login_locked' });
    expect(diffs).toHaveLength(1);
    const [diff] = diffs as [Diff];
    expect(diff).toMatchObject({ entity_type: 'user', entity_id: victim.session.user.id, after: { failures: 5, locked_seconds: 30 }, actor: { type: 'system' } });
    expect(diff.metadata).toHaveProperty('ip');
    expect(diff.annotations.map((a) => a.why)).toEqual(['5 failed sign-in attempts in a row']);
    const json = JSON.stringify(diff);
    expect(json).not.toContain(victim.password);
    expect(json).not.toContain('wrong-');
  });

  it('doubles the lockout on the next failure once it has passed; a success then clears the streak', async () => {
    const key = `email:${victim.email}`;
    await unlock(key);
    expect(await errorOf(await login(victim.email, 'still-wrong-password'))).toEqual({ status: 401, code: 'INVALID_CREDENTIALS' });
    const locked = await login(victim.email, victim.password);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(30);
    expect(Number(locked.headers.get('retry-after'))).toBeLessThanOrEqual(60);

    await unlock(key);
    expect((await login(victim.email, victim.password)).status).toBe(200);
    expect(await ownerSql(t, 'select key from auth_failures where key = $1', [key])).toEqual([]);
    // Only one lockout diff: the doubling is not a new burst.
    expect(await victim.client.diffs.all({ namespace: 'identity', event: 'user.login_locked' })).toHaveLength(1);
  });

  it('locks an IP after 20 failures across accounts (credential stuffing), and only that IP', async () => {
    // The client IP as the server sees it (it trusts X-Forwarded-For from its proxy).
    const stuffer = { 'x-forwarded-for': '203.0.113.9' };
    const target = await signup(t);
    for (let i = 1; i <= 20; i++) {
      expect(await errorOf(await login(newEmail('guess'), newPassword(), stuffer)), `attempt ${i}`).toEqual({ status: 401, code: 'INVALID_CREDENTIALS' });
    }
    const fromStuffer = await login(target.email, target.password, stuffer);
    expect(await errorOf(fromStuffer)).toEqual({ status: 429, code: 'RATE_LIMITED' });
    expect(Number(fromStuffer.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await login(target.email, target.password, { 'x-forwarded-for': '198.51.100.4' })).status).toBe(200);
  });
});

describe('identity diffs hold no secrets', () => {
  it('after a whole account life (sign-up to revocation), no diff contains a password, hash, token, key or TOTP secret', async () => {
    const owner = await signup(t, { organization: 'Secretive' });
    const secrets: string[] = [owner.password, owner.session.token, owner.session.csrf_token];

    const second = await login(owner.email, owner.password);
    const session = (await envelope<Session>(second)).data!;
    secrets.push(session.token, session.csrf_token);

    const setup = await owner.client.auth.totpSetup();
    const app = new Authenticator(setup.secret);
    const { recovery_codes } = await owner.client.auth.totpVerify(await app.next());
    secrets.push(setup.secret, ...recovery_codes, ...recovery_codes.map((c) => c.replace(/-/g, '')));
    await owner.client.auth.stepUp(await app.next());

    const key = await owner.client.apiKeys.create({ name: 'ci', scopes: ['read'] });
    secrets.push(key.key);
    await owner.client.apiKeys.revoke(key.id);

    const invite = await owner.client.members.invite(newEmail('invitee'), 'member');
    const inviteePassword = newPassword();
    const accepted = await t.client().members.accept({ token: invite.token!, name: 'Invitee', password: inviteePassword });
    secrets.push(invite.token!, inviteePassword, accepted.token!);
    await owner.client.members.changeRole(accepted.user.id, 'viewer');
    await owner.client.members.remove(accepted.user.id);
    for (let i = 0; i < 5; i++) await login(owner.email, `Wrong-Guess-${i}-xyz`);
    secrets.push('Wrong-Guess-');
    await t.client(session.token).auth.logout();

    // Everything stored that is derived from a secret.
    const tenantId = owner.session.tenant.id;
    const hashes = await ownerSql<{ v: string }>(
      t,
      `select password_hash as v from users where password_hash is not null
       union all select token_hash from auth_tokens where tenant_id = $1
       union all select token_hash from invitations where tenant_id = $1
       union all select code_hash from recovery_codes
       union all select secret_enc from user_totp`,
      [tenantId],
    );
    expect(hashes.length).toBeGreaterThan(5);
    secrets.push(...hashes.map((h) => h.v));

    const diffs = await owner.client.diffs.all({ namespace: 'identity' });
    const events = new Set(diffs.map((d) => d.event));
    for (const e of ['tenant.created', 'user.created', 'membership.created', 'session.created', 'user.totp_enabled', 'api_key.created', 'api_key.revoked', 'invitation.created', 'membership.role_changed', 'membership.deleted', 'user.login_locked', 'session.revoked']) {
      expect(events, e).toContain(e);
    }
    const json = JSON.stringify(diffs);
    for (const s of secrets) expect(json.includes(s), `a diff contains a secret starting ${s.slice(0, 6)}…`).toBe(false);
    expect(json).not.toMatch(/\$argon2/);
    // No field that looks like a credential, whatever its value.
    const keys = new Set<string>();
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') for (const [k, child] of Object.entries(v)) (keys.add(k), walk(child));
    };
    diffs.forEach((d) => walk([d.before, d.after, d.metadata]));
    expect([...keys].filter((k) => /password|secret|hash|^token$|^key$|csrf|recovery/i.test(k))).toEqual([]);
  });
});
