// Sign-up and log-in over real HTTP, as a new user meets them: the session and its cookies,
// the password policy, how passwords are stored, bad input, and wrong credentials.
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Me, Session, Diff } from '../../../../sdk/src/index.js';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import { envelope, median, newEmail, newPassword, ownerSql, setCookies, signup, type Person } from './testing.js';

// Requests to the auth endpoints count against the per-IP auth limit (30 a minute): this
// file stays under it.
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.stop());

const post = (path: string, body: unknown) => t.client().raw('POST', path, { body });
const login = (body: { email: string; password: string }, headers: Record<string, string> = {}) => t.client().raw('POST', '/v1/auth/login', { body, headers });
const signupBody = (over: Record<string, unknown> = {}) => ({ organization: 'Acme Studio', name: 'Ada Lovelace', email: newEmail(), password: newPassword(), ...over });

describe('sign-up', () => {
  it('creates an organization and its owner: 201, a session token, a CSRF token and the cookies', async () => {
    const email = newEmail('ada');
    const password = newPassword();
    const res = await post('/v1/auth/signup', { organization: 'Lovelace Analytics', name: 'Ada', email: email.toUpperCase(), password });
    expect(res.status).toBe(201);
    const { data, error } = await envelope<Session>(res);
    expect(error).toBeNull();
    const session = data!;
    expect(session.token).toMatch(/^ats_[A-Za-z0-9_-]{40,}$/);
    expect(session.csrf_token.length).toBeGreaterThanOrEqual(20);
    expect(session).toMatchObject({ user: { email, name: 'Ada' }, tenant: { name: 'Lovelace Analytics', plan: 'free' }, role: 'owner' });

    const cookies = setCookies(res);
    const sessionCookie = cookies.get('atrium_session');
    expect(sessionCookie?.value).toBe(session.token);
    expect(sessionCookie?.attributes).toEqual(expect.arrayContaining(['httponly', 'samesite=lax', 'path=/']));
    expect(sessionCookie?.attributes.some((a) => a.startsWith('max-age='))).toBe(true);
    const csrfCookie = cookies.get('atrium_csrf');
    expect(csrfCookie?.value).toBe(session.csrf_token);
    expect(csrfCookie?.attributes).toContain('samesite=lax');
    expect(csrfCookie?.attributes).not.toContain('httponly'); // the web app reads it to echo it

    const me = await t.client(session.token).request<Me>('GET', '/v1/me');
    expect(me.data).toMatchObject({ user: { id: session.user.id, email, totp_enabled: false }, tenant: { id: session.tenant.id }, role: 'owner' });

    // Stored as an argon2id hash, never the password itself.
    const [row] = await ownerSql<{ password_hash: string }>(t, 'select password_hash from users where email = $1', [email]);
    expect(row?.password_hash.startsWith('$argon2id$')).toBe(true);
    expect(row?.password_hash).not.toContain(password);

    // The sign-up is in the new tenant's ledger, without the password.
    const diffs = await t.client(session.token).diffs.all({ namespace: 'identity' });
    expect(diffs.map((d: Diff) => d.event)).toEqual(expect.arrayContaining(['tenant.created', 'user.created', 'membership.created']));
    expect(JSON.stringify(diffs)).not.toContain(password);
  });

  it('applies the password policy: too short and common passwords are refused with the reason', async () => {
    const short = await post('/v1/auth/signup', signupBody({ password: 'Xy7!abc' }));
    expect(short.status).toBe(400);
    const shortBody = await envelope<null>(short);
    expect(shortBody.error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'body.password', message: expect.stringMatching(/at least 10/) }] });

    const common = await post('/v1/auth/signup', signupBody({ password: 'password123' }));
    expect(common.status).toBe(400);
    const commonBody = await envelope<null>(common);
    expect(commonBody.error?.details).toEqual([expect.objectContaining({ path: 'body.password', message: expect.stringMatching(/common/) })]);

    // Nothing was created for the refused attempts.
    const [n] = await ownerSql<{ n: number }>(t, "select count(*)::int as n from tenants where name = 'Acme Studio'");
    expect(n?.n).toBe(0);
  });

  it('refuses an email that already has an account (409 EMAIL_TAKEN), whatever its case', async () => {
    const first = await signup(t);
    const res = await post('/v1/auth/signup', signupBody({ email: first.email.toUpperCase() }));
    expect(res.status).toBe(409);
    expect((await envelope<null>(res)).error?.code).toBe('EMAIL_TAKEN');
  });

  it('refuses a malformed email and an oversized name or organization (400, naming the field)', async () => {
    for (const email of ['not-an-email', 'ada@']) {
      const res = await post('/v1/auth/signup', signupBody({ email }));
      expect(res.status).toBe(400);
      expect((await envelope<null>(res)).error).toMatchObject({ code: 'VALIDATION_FAILED', details: [expect.objectContaining({ path: 'body.email' })] });
    }
    const longName = await post('/v1/auth/signup', signupBody({ name: 'n'.repeat(121) }));
    expect(longName.status).toBe(400);
    expect((await envelope<null>(longName)).error?.details).toEqual([expect.objectContaining({ path: 'body.name' })]);
    const longOrg = await post('/v1/auth/signup', signupBody({ organization: 'o'.repeat(121) }));
    expect(longOrg.status).toBe(400);
    expect((await envelope<null>(longOrg)).error?.details).toEqual([expect.objectContaining({ path: 'body.organization' })]);
    // 120 characters is still fine.
    const atLimit = await post('/v1/auth/signup', signupBody({ name: 'n'.repeat(120) }));
    expect(atLimit.status).toBe(201);
  });

  it('stores SQL and script injection strings literally and returns them as data, never executed', async () => {
    const organization = "Robert'); DROP TABLE users;--";
    const name = '<script>alert(1)</script>';
    const res = await post('/v1/auth/signup', signupBody({ organization, name }));
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const session = (await envelope<Session>(res)).data!;
    expect(session.tenant.name).toBe(organization);
    expect(session.user.name).toBe(name);

    const owner = t.client(session.token);
    const me = await owner.auth.me();
    expect(me.tenant.name).toBe(organization);
    expect(me.user?.name).toBe(name);
    const members = await owner.members.list();
    expect(members[0]?.name).toBe(name);
    const [tenant] = await ownerSql<{ name: string }>(t, 'select name from tenants where id = $1', [session.tenant.id]);
    expect(tenant?.name).toBe(organization);
    // The tables are all still there, with their rows.
    const tables = await ownerSql<{ users: string | null; tenants: string | null }>(t, "select to_regclass('public.users')::text as users, to_regclass('public.tenants')::text as tenants");
    expect(tables[0]).toEqual({ users: 'users', tenants: 'tenants' });
    const [count] = await ownerSql<{ n: number }>(t, 'select count(*)::int as n from users');
    expect(count!.n).toBeGreaterThanOrEqual(3);
  });
});

describe('log-in', () => {
  it('logs in with email and password (any case) and opens a new session with cookies', async () => {
    const person = await signup(t, { name: 'Grace' });
    const session = await t.client().auth.login({ email: person.email, password: person.password });
    expect(session.token).not.toBe(person.session.token);
    expect(session).toMatchObject({ user: { id: person.session.user.id }, tenant: { id: person.session.tenant.id }, role: 'owner' });
    expect((await t.client(session.token).auth.me()).user?.name).toBe('Grace');

    const res = await post('/v1/auth/login', { email: person.email.toUpperCase(), password: person.password });
    expect(res.status).toBe(200);
    const token = (await envelope<Session>(res)).data!.token;
    expect(setCookies(res).get('atrium_session')?.value).toBe(token);

    const diffs = await t.client(session.token).diffs.all({ namespace: 'identity', event: 'session.created' });
    expect(diffs.length).toBe(2);
    expect(diffs[0]?.after).toMatchObject({ user_id: person.session.user.id, method: 'password', two_factor: false });
  });

  it('answers a wrong password and an unknown email with the same 401 and similar timing', async () => {
    const person = await signup(t);
    const wrong = (p: Person, headers: Record<string, string> = {}) => login({ email: p.email, password: `${p.password}x` }, headers);
    const unknown = (headers: Record<string, string> = {}) => login({ email: newEmail('nobody'), password: person.password }, headers);

    const bodies = await Promise.all([wrong(person), unknown()].map(async (r) => {
      const res = await r;
      return { status: res.status, error: (await envelope<null>(res)).error };
    }));
    expect(bodies[0]).toEqual({ status: 401, error: { code: 'INVALID_CREDENTIALS', message: expect.any(String), details: [] } });
    expect(bodies[1]).toEqual(bodies[0]);

    // Timing: 12 of each, in alternating order so both see the same machine load. Wrong
    // passwords go to three accounts (at most 5 failures each: an account's allowance before
    // a lockout), and each pair comes from its own client IP (the server trusts
    // X-Forwarded-For from its proxy) so that the per-IP limits stay out of the measure.
    const people = [person, await signup(t), await signup(t)];
    const timeOf = async (call: () => Promise<Response>) => {
      const start = performance.now();
      const res = await call();
      const ms = performance.now() - start;
      expect(res.status).toBe(401);
      return ms;
    };
    const tw: number[] = [];
    const tu: number[] = [];
    for (let i = 0; i < 12; i++) {
      const ip = { 'x-forwarded-for': `192.0.2.${i + 1}` };
      const w = () => wrong(people[i % 3]!, ip);
      const u = () => unknown(ip);
      if (i % 2) {
        tu.push(await timeOf(u));
        tw.push(await timeOf(w));
      } else {
        tw.push(await timeOf(w));
        tu.push(await timeOf(u));
      }
    }
    const ratio = median(tw) / median(tu);
    const summary = `median wrong password ${median(tw).toFixed(1)} ms, unknown email ${median(tu).toFixed(1)} ms`;
    // Skipping the hash for an unknown email would make it 10× faster or more; a loaded 2-core
    // machine skews a median by less than 3×.
    expect(ratio, summary).toBeGreaterThan(1 / 3);
    expect(ratio, summary).toBeLessThan(3);
  });

  it('refuses a malformed login body with 400, not 401', async () => {
    const res = await post('/v1/auth/login', { email: 'x', password: 'y', extra: true });
    expect(res.status).toBe(400);
    expect((await envelope<null>(res)).error?.code).toBe('VALIDATION_FAILED');
  });
});
