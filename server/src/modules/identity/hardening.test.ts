// Defects an outside probe found in identity: an empty tenant patch was a 500, a sign-up race
// was a 500, a workspace could choose its own plan, token answers could be cached, and a failed
// query wrote password hashes and emails into the log.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../platform/logger.js';
import { startTestApp, type TestApp, type TestTenant } from '../../testing/harness.js';
import { expectError, expectOk } from '../../testing/http.js';

const logged: string[] = [];
const capture = new Writable({
  write(chunk: Buffer, _enc, done) {
    logged.push(chunk.toString('utf8'));
    done();
  },
});

let t: TestApp;
let a: TestTenant;
const password = 'correct horse battery staple 1984';

beforeAll(async () => {
  t = await startTestApp({ logger: createLogger({ logLevel: 'trace' }, capture) });
  a = await t.tenant('Hardening A', { plan: 'free' });
});
afterAll(() => t?.stop());

const signup = (email: string, ip: string) =>
  t.client().raw('POST', '/v1/auth/signup', { body: { organization: 'Race Co', name: 'Racer', email, password }, headers: { 'x-forwarded-for': ip } });

describe('PATCH /v1/tenant', () => {
  it('an empty patch is 400 VALIDATION_FAILED, not a 500, and changes nothing', async () => {
    const before = await a.client.tenant.get();
    const env = await expectError(await a.client.raw('PATCH', '/v1/tenant', { body: {} }), 400, 'VALIDATION_FAILED');
    expect(env.error.details[0]?.path).toBe('body');
    await expectError(await a.client.raw('PATCH', '/v1/tenant', { body: { why: 'nothing else' } }), 400, 'VALIDATION_FAILED');
    expect(await a.client.tenant.get()).toEqual(before);
  });

  it('renaming still works and is one diff', async () => {
    const renamed = await a.client.tenant.update({ name: 'Hardening Renamed', why: 'rebrand' });
    expect(renamed.name).toBe('Hardening Renamed');
    const diffs = await a.client.diffs.all({ event: 'tenant.updated' });
    expect(diffs.map((d) => d.after)).toEqual([{ name: 'Hardening Renamed' }]);
  });

  it('the owner cannot move the workspace to another plan (403); the plan and its rate limit stay', async () => {
    const env = await expectError(await a.client.raw('PATCH', '/v1/tenant', { body: { plan: 'enterprise' } }), 403, 'FORBIDDEN');
    expect(env.error.details[0]?.path).toBe('body.plan');
    expect((await a.client.tenant.get()).plan).toBe('free');
    const res = await a.client.raw('GET', '/v1/tenant');
    expect(res.headers.get('x-ratelimit-limit')).toBe('120');
  });

  it('a platform operator sets another workspace’s plan; the change is a diff in that workspace', async () => {
    const op = await t.tenant('Operators');
    await expectError(await op.client.raw('PUT', `/v1/platform/tenants/${a.tenantId}/plan`, { body: { plan: 'pro' } }), 403, 'FORBIDDEN');
    await t.app.db.systemTx((tx) => tx.updateTable('users').set({ platform_role: 'operator' }).where('id', '=', op.userId).execute());
    const operator = t.client((await t.app.identity.issueToken({ tenantId: op.tenantId, userId: op.userId, kind: 'session', scopes: ['admin'] })).token);
    const changed = await operator.tenant.setPlan(a.tenantId, 'pro', 'paid by invoice 2026-118');
    expect(changed).toMatchObject({ id: a.tenantId, plan: 'pro' });
    const diff = (await a.client.diffs.all({ event: 'tenant.updated' })).find((d) => (d.after as { plan?: string }).plan)!;
    expect(diff).toMatchObject({ before: { plan: 'free' }, after: { plan: 'pro' }, actor: { type: 'user', id: op.userId } });
    const whys = (await (await a.client.raw('GET', `/v1/diffs/${diff.id}/annotations`)).json()) as { data: { why: string }[] };
    expect(whys.data.map((w) => w.why)).toEqual(['paid by invoice 2026-118']);
    await expectError(await operator.raw('PUT', '/v1/platform/tenants/ten_nope/plan', { body: { plan: 'pro' } }), 404, 'NOT_FOUND');
  });
});

describe('sign-up races', () => {
  it('six concurrent sign-ups with one email: one 201, five 409 EMAIL_TAKEN, no 500', async () => {
    const email = `race-${Date.now()}@example.test`;
    const answers = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => signup(email, `10.9.0.${i}`)));
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409]);
    for (const r of answers.filter((x) => x.status === 409)) await expectError(r, 409, 'EMAIL_TAKEN');
  });
});

describe('token answers are never cached', () => {
  it('sign-up, login and API key creation say Cache-Control: no-store', async () => {
    const email = `nostore-${Date.now()}@example.test`;
    const created = await signup(email, '10.9.1.1');
    expect(created.headers.get('cache-control')).toBe('no-store');
    await expectOk(created, 201);
    const login = await t.client().raw('POST', '/v1/auth/login', { body: { email, password }, headers: { 'x-forwarded-for': '10.9.1.2' } });
    expect(login.headers.get('cache-control')).toBe('no-store');
    const key = await a.client.raw('POST', '/v1/api-keys', { body: { name: 'ci', scopes: ['read'] } });
    expect(key.headers.get('cache-control')).toBe('no-store');
    const refused = await t.client().raw('POST', '/v1/auth/login', { body: { email, password: 'wrong password here' }, headers: { 'x-forwarded-for': '10.9.1.3' } });
    expect(refused.headers.get('cache-control')).toBe('no-store');
  });
});

describe('the log holds no secret, hash or personal data', () => {
  it('after races, failed logins and a failed query that carried a hash, the log has none of them', async () => {
    const email = `logscan-${Date.now()}@example.test`;
    await Promise.all([1, 2, 3, 4].map((i) => signup(email, `10.9.2.${i}`)));
    for (let i = 0; i < 3; i++) await t.client().raw('POST', '/v1/auth/login', { body: { email, password: `nope nope ${i}` }, headers: { 'x-forwarded-for': '10.9.2.9' } });
    // A query that fails with a hash and an email among its parameters, logged as the server logs errors.
    const hash = '$argon2id$v=19$m=19456,t=2,p=1$c2VjcmV0c2FsdA$aGFzaGhhc2hoYXNo';
    const failed = await t.app.db
      .systemTx((tx) => tx.insertInto('users').values({ id: 'usr_dup', email, name: 'Dup', password_hash: hash }).execute())
      .then(() => null, (err: unknown) => err);
    expect(failed).toBeInstanceOf(Error);
    t.app.log.error({ err: failed }, 'request failed');
    const log = logged.join('');
    expect(log).toContain('request failed');
    expect(log).toContain('users_email_key'); // what failed is still there to debug
    expect(log).not.toContain(email);
    expect(log).not.toContain('$argon2');
    expect(log).not.toContain(password);
    expect(log).not.toMatch(/ats_[A-Za-z0-9_-]{20,}|atr_[A-Za-z0-9_-]{20,}/);
  });
});
