// Two-factor authentication over real HTTP: enrolment (URI + QR), confirmation, recovery
// codes, log-in with a code, replay refusal, disabling, and the step-up that sensitive
// actions need. Codes come from otplib, as an authenticator app would compute them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiKey } from '../../../../sdk/src/index.js';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import { Authenticator, envelope, ownerSql, signup, type Person } from './testing.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.stop());

const login = (p: Person, totp_code?: string) => t.client().raw('POST', '/v1/auth/login', { body: { email: p.email, password: p.password, totp_code } });
const errorOf = async (res: Response) => ({ status: res.status, code: (await envelope<null>(res)).error?.code });

/** Signs up and turns 2FA on; returns the person, their authenticator and recovery codes. */
async function withTwoFactor(name: string): Promise<{ person: Person; app: Authenticator; recovery: string[] }> {
  const person = await signup(t, { name });
  const setup = await person.client.auth.totpSetup();
  const app = new Authenticator(setup.secret);
  const { recovery_codes } = await person.client.auth.totpVerify(await app.next());
  return { person, app, recovery: recovery_codes };
}

describe('two-factor authentication', () => {
  let ada: Person;
  let app: Authenticator;
  let recovery: string[];

  it('enrols: an otpauth URI, a QR code as SVG and as a PNG data URL; 2FA stays off until confirmed', async () => {
    ada = await signup(t, { name: 'Ada' });
    const setup = await ada.client.auth.totpSetup();
    expect(setup.secret).toMatch(/^[A-Z2-7]{16,}$/);
    const uri = new URL(setup.otpauth_uri);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(uri.searchParams.get('secret')).toBe(setup.secret);
    expect(uri.searchParams.get('issuer')).toBe('Atrium');
    expect(decodeURIComponent(uri.pathname)).toContain(ada.email);
    expect(setup.qr_svg.startsWith('<svg')).toBe(true);
    expect(setup.qr_data_url.startsWith('data:image/png;base64,')).toBe(true);
    app = new Authenticator(setup.secret);

    expect((await ada.client.auth.me()).user?.totp_enabled).toBe(false);
    expect((await login(ada)).status).toBe(200); // not on yet: no code needed
    // The secret is stored sealed, not as given.
    const [row] = await ownerSql<{ secret_enc: string }>(t, 'select secret_enc from user_totp where user_id = $1', [ada.session.user.id]);
    expect(row?.secret_enc).not.toContain(setup.secret);
  });

  it('refuses a wrong confirmation code, then confirms with a good one and shows 10 recovery codes once', async () => {
    const bad = await ada.client.raw('POST', '/v1/auth/totp/verify', { body: { code: await app.wrong() } });
    expect(await errorOf(bad)).toEqual({ status: 400, code: 'INVALID_TOTP' });
    expect((await ada.client.auth.me()).user?.totp_enabled).toBe(false);

    const confirmed = await ada.client.auth.totpVerify(await app.next());
    expect(confirmed.enabled).toBe(true);
    recovery = confirmed.recovery_codes;
    expect(recovery).toHaveLength(10);
    expect(new Set(recovery).size).toBe(10);
    for (const c of recovery) expect(c).toMatch(/^[0-9a-f]{4}(-[0-9a-f]{4}){3}$/);
    expect((await ada.client.auth.me()).user?.totp_enabled).toBe(true);

    // Stored hashed only.
    const rows = await ownerSql<{ code_hash: string }>(t, 'select code_hash from recovery_codes where user_id = $1', [ada.session.user.id]);
    expect(rows).toHaveLength(10);
    const hashes = rows.map((r) => r.code_hash).join(' ');
    for (const c of recovery) expect(hashes).not.toContain(c.replace(/-/g, ''));
    // Setting up again is refused while 2FA is on (it would replace the secret).
    expect(await errorOf(await ada.client.raw('POST', '/v1/auth/totp/setup'))).toEqual({ status: 409, code: 'TOTP_ALREADY_ENABLED' });
    const diffs = await ada.client.diffs.all({ namespace: 'identity', event: 'user.totp_enabled' });
    expect(diffs.map((d) => d.after)).toEqual([{ totp_enabled: true }]);
  });

  it('log-in then needs the code: 401 TOTP_REQUIRED without it, 200 with it', async () => {
    expect(await errorOf(await login(ada))).toEqual({ status: 401, code: 'TOTP_REQUIRED' });
    expect(await errorOf(await login(ada, await app.wrong()))).toEqual({ status: 401, code: 'INVALID_TOTP' });
    const ok = await login(ada, await app.next());
    expect(ok.status).toBe(200);
    const { data } = await envelope<Person['session']>(ok);
    expect((await t.client(data!.token).auth.me()).user?.totp_enabled).toBe(true);
  });

  it('refuses the same code a second time (replay), with 401 INVALID_TOTP', async () => {
    expect(await errorOf(await login(ada, app.last))).toEqual({ status: 401, code: 'INVALID_TOTP' });
    // The wrong password is still checked first: no hint that the code was right.
    const wrongPassword = await t.client().raw('POST', '/v1/auth/login', { body: { email: ada.email, password: `${ada.password}?`, totp_code: app.last } });
    expect(await errorOf(wrongPassword)).toEqual({ status: 401, code: 'INVALID_CREDENTIALS' });
  });

  it('accepts a recovery code once only (any case, with or without dashes)', async () => {
    const [first, second] = recovery as [string, string];
    expect((await login(ada, first)).status).toBe(200);
    expect(await errorOf(await login(ada, first))).toEqual({ status: 401, code: 'INVALID_TOTP' });
    expect((await login(ada, second.replace(/-/g, '').toUpperCase())).status).toBe(200);
    const [used] = await ownerSql<{ n: number }>(t, 'select count(*)::int as n from recovery_codes where user_id = $1 and used_at is not null', [ada.session.user.id]);
    expect(used?.n).toBe(2);
  });

  it('disabling needs a valid code; then log-in needs none', async () => {
    expect(await errorOf(await ada.client.raw('POST', '/v1/auth/totp/disable', { body: { code: await app.wrong() } }))).toEqual({ status: 400, code: 'INVALID_TOTP' });
    expect((await ada.client.auth.me()).user?.totp_enabled).toBe(true);
    expect(await ada.client.auth.totpDisable(await app.next())).toEqual({ enabled: false });
    expect((await ada.client.auth.me()).user?.totp_enabled).toBe(false);
    expect((await login(ada)).status).toBe(200);
    const events = (await ada.client.diffs.all({ namespace: 'identity', entity_id: ada.session.user.id })).map((d) => d.event);
    expect(events).toEqual(expect.arrayContaining(['user.totp_enabled', 'user.totp_disabled']));
    const [left] = await ownerSql<{ n: number }>(t, 'select (select count(*) from user_totp where user_id = $1)::int + (select count(*) from recovery_codes where user_id = $1)::int as n', [ada.session.user.id]);
    expect(left?.n).toBe(0);
  });
});

describe('step-up for sensitive actions', () => {
  it('with 2FA on, creating an API key, changing a role and changing AI settings or budget need a fresh code (403 STEP_UP_REQUIRED until then)', async () => {
    const { person: owner, app } = await withTwoFactor('Stepper');
    // A member to change: invited and accepted.
    const invite = await owner.client.members.invite('colleague@example.test', 'member');
    const colleague = await t.client().members.accept({ token: invite.token!, name: 'Colleague', password: 'Quiet-Orchard-91-lantern' });

    // The sign-up session has never verified a code.
    const key = await owner.client.raw('POST', '/v1/api-keys', { body: { name: 'ci', scopes: ['read'] } });
    expect(await errorOf(key)).toEqual({ status: 403, code: 'STEP_UP_REQUIRED' });
    const patch = await owner.client.raw('PATCH', `/v1/members/${colleague.user.id}`, { body: { role: 'viewer' } });
    expect(await errorOf(patch)).toEqual({ status: 403, code: 'STEP_UP_REQUIRED' });
    // Where prompts go (provider URLs and keys, routing) and how much may be spent.
    const aiSettings = await owner.client.raw('PUT', '/v1/ai/settings', { body: { store_prompts: true } });
    expect(await errorOf(aiSettings)).toEqual({ status: 403, code: 'STEP_UP_REQUIRED' });
    const aiBudget = await owner.client.raw('PUT', '/v1/ai/budget', { body: { monthly_cost_usd: 1000 } });
    expect(await errorOf(aiBudget)).toEqual({ status: 403, code: 'STEP_UP_REQUIRED' });
    expect((await owner.client.apiKeys.list())).toEqual([]);
    expect((await owner.client.members.list()).find((m) => m.id === colleague.user.id)?.role).toBe('member');

    // A wrong code does not count.
    expect(await errorOf(await owner.client.raw('POST', '/v1/auth/step-up', { body: { code: await app.wrong() } }))).toEqual({ status: 400, code: 'INVALID_TOTP' });
    const { step_up_at } = await owner.client.auth.stepUp(await app.next());
    expect(Math.abs(Date.parse(step_up_at) - Date.now())).toBeLessThan(60_000);
    expect((await owner.client.auth.me()).auth.step_up_at).toBe(step_up_at);

    expect((await owner.client.raw('POST', '/v1/api-keys', { body: { name: 'ci', scopes: ['read'] } })).status).toBe(201);
    expect(await owner.client.members.changeRole(colleague.user.id, 'viewer')).toEqual({ user_id: colleague.user.id, role: 'viewer' });
    expect((await owner.client.raw('PUT', '/v1/ai/settings', { body: { store_prompts: true } })).status).toBe(200);
    expect((await owner.client.raw('PUT', '/v1/ai/budget', { body: { monthly_cost_usd: 1000 } })).status).toBe(200);
    // Step-up cannot be replayed either.
    expect(await errorOf(await owner.client.raw('POST', '/v1/auth/step-up', { body: { code: app.last } }))).toEqual({ status: 400, code: 'INVALID_TOTP' });
  });

  it('a session opened with a code is freshly stepped up; one stepped up over 10 minutes ago is not', async () => {
    const { person: owner, app } = await withTwoFactor('Fresh');
    const res = await login(owner, await app.next());
    const session = (await envelope<Person['session']>(res)).data!;
    const fresh = t.client(session.token);
    expect((await fresh.apiKeys.create({ name: 'fresh', scopes: ['read'] })).key).toMatch(/^atr_/);

    const stale = await t.app.identity.issueToken({ tenantId: owner.session.tenant.id, userId: owner.session.user.id, kind: 'session', scopes: ['read', 'write', 'admin'], ttlSeconds: 3600, stepUp: true });
    await ownerSql(t, "update auth_tokens set step_up_at = now() - interval '11 minutes' where id = $1", [stale.id]);
    const refused = await t.client(stale.token).raw('POST', '/v1/api-keys', { body: { name: 'stale', scopes: ['read'] } });
    expect(await errorOf(refused)).toEqual({ status: 403, code: 'STEP_UP_REQUIRED' });
    const names = (await fresh.apiKeys.list()).map((k: ApiKey) => k.name);
    expect(names).toEqual(['fresh']);
  });

  it('without 2FA, the same actions need no step-up', async () => {
    const owner = await t.tenant('No 2FA');
    const key = await owner.client.apiKeys.create({ name: 'plain', scopes: ['read'] });
    expect(key.key.startsWith('atr_')).toBe(true);
    const invite = await owner.client.members.invite('plain-member@example.test', 'member');
    const member = await t.client().members.accept({ token: invite.token!, name: 'Plain', password: 'Quiet-Orchard-92-lantern' });
    expect(await owner.client.members.changeRole(member.user.id, 'admin')).toEqual({ user_id: member.user.id, role: 'admin' });
  });

  it('step-up without 2FA is refused (409 TOTP_NOT_ENABLED)', async () => {
    const person = await signup(t);
    expect(await errorOf(await person.client.raw('POST', '/v1/auth/step-up', { body: { code: '123456' } }))).toEqual({ status: 409, code: 'TOTP_NOT_ENABLED' });
  });
});
