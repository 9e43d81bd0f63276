// Scoped API keys over real HTTP: shown once, stored hashed, scopes (global and per module)
// enforced with the missing scope named, last-used time, revocation, and who may create them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiKey, Diff, Me, NewDiff } from '../../../../sdk/src/index.js';
import { startTestApp, type TestApp, type TestTenant } from '../../testing/harness.js';
import { envelope, newEmail, newPassword, ownerSql, sleep } from './testing.js';

let t: TestApp;
let owner: TestTenant;

beforeAll(async () => {
  t = await startTestApp();
  owner = await t.tenant('Keys Ltd');
});
afterAll(() => t?.stop());

const errorOf = async (res: Response) => {
  const { error } = await envelope<null>(res);
  return { status: res.status, code: error?.code, details: error?.details };
};
const aDiff = (id: string): NewDiff => ({ namespace: 'crm', entity_type: 'lead', entity_id: id, event: 'lead.created', after: { id } });

describe('API keys', () => {
  it('creates a key with a name and scopes; the key (atr_…) is shown once and never listed', async () => {
    const res = await owner.client.raw('POST', '/v1/api-keys', { body: { name: 'Reporting', scopes: ['read'] } });
    expect(res.status).toBe(201);
    const created = (await envelope<ApiKey & { key: string }>(res)).data!;
    expect(created.key).toMatch(/^atr_[A-Za-z0-9_-]{40,}$/);
    expect(created).toMatchObject({ name: 'Reporting', scopes: ['read'], created_by: owner.userId, last_used_at: null, revoked_at: null });

    const listRes = await owner.client.raw('GET', '/v1/api-keys');
    const listText = await listRes.text();
    expect(listText).not.toContain(created.key);
    const listed = (JSON.parse(listText) as { data: Array<Record<string, unknown>> }).data;
    const mine = listed.find((k) => k.id === created.id);
    expect(mine).toBeDefined();
    expect(mine).not.toHaveProperty('key');
    expect(mine).toMatchObject({ name: 'Reporting', scopes: ['read'] });

    const [row] = await ownerSql<{ token_hash: string }>(t, 'select token_hash from auth_tokens where id = $1', [created.id]);
    expect(row?.token_hash).toMatch(/^[0-9a-f]{64}$/);
    const created_diff = await owner.client.diffs.all({ namespace: 'identity', event: 'api_key.created', entity_id: created.id });
    expect(created_diff.map((d) => d.after)).toEqual([{ name: 'Reporting', scopes: ['read'] }]);
    expect(JSON.stringify(created_diff)).not.toContain(created.key);
  });

  it("a read key reads; writing is 403 FORBIDDEN naming the missing scope", async () => {
    const { key } = await owner.client.apiKeys.create({ name: 'reader', scopes: ['read'] });
    const client = t.client(key);
    expect((await client.raw('GET', '/v1/diffs')).status).toBe(200);
    const me = await client.request<Me>('GET', '/v1/me');
    expect(me.data).toMatchObject({ user: null, role: null, scopes: ['read'], auth: { kind: 'api_key' }, tenant: { id: owner.tenantId } });

    const write = await client.raw('POST', '/v1/diffs', { body: aDiff('k1') });
    const err = await errorOf(write);
    expect(err).toMatchObject({ status: 403, code: 'FORBIDDEN', details: [{ scope: 'write', module: 'ledger' }] });
    expect(JSON.stringify(err.details)).toContain('write');
    expect(await owner.client.diffs.all({ entity_id: 'k1' })).toEqual([]);
  });

  it("a module scope ('ledger:write') allows writing diffs but nothing in another module", async () => {
    const { key, id } = await owner.client.apiKeys.create({ name: 'ledger writer', scopes: ['ledger:write'] });
    const client = t.client(key);
    const res = await client.raw('POST', '/v1/diffs', { body: aDiff('k2') });
    expect(res.status).toBe(201);
    expect((await envelope<Diff>(res)).data?.actor).toEqual({ type: 'api_key', id });
    expect((await client.raw('GET', '/v1/diffs', { query: { entity_id: 'k2' } })).status).toBe(200); // write implies read

    for (const [method, path] of [['GET', '/v1/api-keys'], ['GET', '/v1/members'], ['POST', '/v1/members'], ['GET', '/v1/me']] as const) {
      const r = await client.raw(method, path, method === 'POST' ? { body: { email: newEmail(), role: 'viewer' } } : {});
      expect(await errorOf(r), `${method} ${path}`).toMatchObject({ status: 403, code: 'FORBIDDEN', details: [{ module: 'identity' }] });
    }
  });

  it('refuses unknown scopes (400)', async () => {
    for (const scopes of [['superuser'], ['ledger:root'], []]) {
      const r = await owner.client.raw('POST', '/v1/api-keys', { body: { name: 'bad', scopes } });
      expect(await errorOf(r), JSON.stringify(scopes)).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    }
  });

  it('records when a key was last used', async () => {
    const created = await owner.client.apiKeys.create({ name: 'used', scopes: ['read'] });
    expect((await owner.client.apiKeys.list()).find((k) => k.id === created.id)?.last_used_at).toBeNull();
    const before = Date.now();
    expect((await t.client(created.key).raw('GET', '/v1/diffs')).status).toBe(200);
    let lastUsed: string | null = null;
    for (let i = 0; i < 50 && !lastUsed; i++) {
      lastUsed = (await owner.client.apiKeys.list()).find((k) => k.id === created.id)?.last_used_at ?? null;
      if (!lastUsed) await sleep(100);
    }
    expect(lastUsed).not.toBeNull();
    expect(Date.parse(lastUsed!)).toBeGreaterThanOrEqual(before - 2_000);
  });

  it('a revoked key answers 401 at once', async () => {
    const created = await owner.client.apiKeys.create({ name: 'temporary', scopes: ['read', 'write'] });
    const client = t.client(created.key);
    expect((await client.raw('GET', '/v1/diffs')).status).toBe(200);
    expect(await owner.client.apiKeys.revoke(created.id)).toEqual({ revoked: true });
    const after = await client.raw('GET', '/v1/diffs');
    expect(await errorOf(after)).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect((await owner.client.apiKeys.list()).find((k) => k.id === created.id)?.revoked_at).not.toBeNull();
    expect((await owner.client.raw('DELETE', `/v1/api-keys/${created.id}`)).status).toBe(404);
    const diffs = await owner.client.diffs.all({ namespace: 'identity', event: 'api_key.revoked', entity_id: created.id });
    expect(diffs).toHaveLength(1);
  });

  it('an expiring key stops working after its expiry', async () => {
    const created = await owner.client.apiKeys.create({ name: 'short-lived', scopes: ['read'], expires_in_days: 1 });
    expect(Date.parse(created.expires_at!) - Date.now()).toBeGreaterThan(86_000_000);
    await ownerSql(t, "update auth_tokens set expires_at = now() - interval '1 second' where id = $1", [created.id]);
    expect((await t.client(created.key).raw('GET', '/v1/diffs')).status).toBe(401);
  });

  it('a key cannot exceed its creator: members cannot create keys, nor can keys (even admin-scoped) mint keys or manage people', async () => {
    const email = newEmail('member');
    const invite = await owner.client.members.invite(email, 'member');
    const member = await t.client().members.accept({ token: invite.token!, name: 'Member', password: newPassword() });
    const asMember = await t.client(member.token!).raw('POST', '/v1/api-keys', { body: { name: 'mine', scopes: ['read'] } });
    expect(await errorOf(asMember)).toMatchObject({ status: 403, code: 'FORBIDDEN' });

    const { key } = await owner.client.apiKeys.create({ name: 'admin key', scopes: ['admin'] });
    const admin = t.client(key);
    expect((await admin.raw('GET', '/v1/api-keys')).status).toBe(200);
    expect((await admin.raw('POST', '/v1/api-keys', { body: { name: 'child', scopes: ['admin'] } })).status).toBe(403);
    expect((await admin.raw('PATCH', `/v1/members/${member.user.id}`, { body: { role: 'owner' } })).status).toBe(403);
    expect((await admin.raw('POST', '/v1/members', { body: { email: newEmail(), role: 'admin' } })).status).toBe(403);
    expect((await owner.client.apiKeys.list()).some((k) => k.name === 'child')).toBe(false);
  });

  it('keys of one tenant are invisible to another', async () => {
    const other = await t.tenant('Other Co');
    const { key, id } = await owner.client.apiKeys.create({ name: 'ours', scopes: ['read'] });
    expect((await other.client.apiKeys.list()).some((k) => k.id === id)).toBe(false);
    expect((await other.client.raw('DELETE', `/v1/api-keys/${id}`)).status).toBe(404);
    expect((await t.client(key).raw('GET', '/v1/diffs')).status).toBe(200);
  });
});
