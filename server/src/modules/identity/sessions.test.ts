// Sessions over real HTTP: the same token as Bearer or as the HttpOnly cookie, CSRF on
// unsafe cookie requests, log-out, expiry and revocation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diff, Me, NewDiff } from '../../../../sdk/src/index.js';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import { cookieHeader, envelope, ownerSql, setCookies, signup, sleep, type Person } from './testing.js';

let t: TestApp;
let ada: Person;
/** The `cookie` header a browser would send after Ada's sign-up. */
let cookies: string;

beforeAll(async () => {
  t = await startTestApp();
  const res = await t.client().raw('POST', '/v1/auth/signup', {
    body: { organization: 'Sessions Ltd', name: 'Ada', email: `ada-${Date.now()}@example.test`, password: 'Velvet-Harbour-sessions-42!' },
  });
  expect(res.status).toBe(201);
  cookies = cookieHeader(res);
  const { data } = await envelope<Person['session']>(res);
  ada = { email: data!.user.email, password: 'Velvet-Harbour-sessions-42!', session: data!, client: t.client(data!.token) };
});
afterAll(() => t?.stop());

const anonymous = () => t.client();
const aDiff = (id: string): NewDiff => ({ namespace: 'crm', entity_type: 'lead', entity_id: id, event: 'lead.created', after: { id } });
const issue = (ttlSeconds?: number) =>
  t.app.identity.issueToken({ tenantId: ada.session.tenant.id, userId: ada.session.user.id, kind: 'session', scopes: ['read', 'write', 'admin'], ttlSeconds });

describe('the session token', () => {
  it('works as a Bearer token and as the session cookie', async () => {
    const byBearer = await ada.client.request<Me>('GET', '/v1/me');
    expect(byBearer.data).toMatchObject({ user: { id: ada.session.user.id }, role: 'owner', auth: { kind: 'session' } });

    const byCookie = await anonymous().raw('GET', '/v1/me', { headers: { cookie: cookies } });
    expect(byCookie.status).toBe(200);
    expect((await envelope<Me>(byCookie)).data).toEqual(byBearer.data);
  });

  it('answers 401 UNAUTHENTICATED without credentials or with a made-up token', async () => {
    const none = await anonymous().raw('GET', '/v1/me');
    expect(none.status).toBe(401);
    expect((await envelope<null>(none)).error?.code).toBe('UNAUTHENTICATED');
    const fake = await t.client(`ats_${'x'.repeat(43)}`).raw('GET', '/v1/me');
    expect(fake.status).toBe(401);
    const forged = await anonymous().raw('GET', '/v1/me', { headers: { cookie: `atrium_session=ats_${'y'.repeat(43)}` } });
    expect(forged.status).toBe(401);
  });

  it('never accepts a session token in the URL (?access_token=): it would end up in logs and history', async () => {
    const get = await anonymous().raw('GET', '/v1/me', { query: { access_token: ada.session.token } });
    expect(get.status).toBe(401);
    const stream = await anonymous().raw('GET', '/v1/stream', { query: { access_token: ada.session.token } });
    expect(stream.status).toBe(401);
  });

  it('a stream ticket opens one stream, once, and only the stream-capable GET takes it', async () => {
    const { ticket, expires_at } = await ada.client.auth.streamTicket();
    expect(ticket).toMatch(/^stt_/);
    expect(Date.parse(expires_at) - Date.now()).toBeLessThanOrEqual(61_000);
    const post = await anonymous().raw('POST', '/v1/diffs', { query: { ticket }, body: aDiff('q1') });
    expect(post.status).toBe(401);
    const first = await anonymous().raw('GET', '/v1/me', { query: { ticket } });
    expect(first.status).toBe(200);
    const again = await anonymous().raw('GET', '/v1/me', { query: { ticket } });
    expect(again.status).toBe(401);
  });

  it('a ticket dies with its token, and a lapsed one is refused', async () => {
    const other = await anonymous().auth.login({ email: ada.email, password: ada.password });
    const { ticket } = await t.client(other.token).auth.streamTicket();
    await t.client(other.token).auth.logout();
    expect((await anonymous().raw('GET', '/v1/me', { query: { ticket } })).status).toBe(401);
    const { ticket: lapsed } = await ada.client.auth.streamTicket();
    await t.app.db.systemTx((tx) => tx.updateTable('stream_tickets').set({ expires_at: new Date(Date.now() - 1000) }).where('used_at', 'is', null).execute());
    expect((await anonymous().raw('GET', '/v1/me', { query: { ticket: lapsed } })).status).toBe(401);
  });
});

describe('CSRF on cookie sessions', () => {
  it('refuses an unsafe request by cookie without the x-csrf-token header (403 CSRF_FAILED)', async () => {
    const missing = await anonymous().raw('POST', '/v1/diffs', { headers: { cookie: cookies }, body: aDiff('c1') });
    expect(missing.status).toBe(403);
    expect((await envelope<null>(missing)).error?.code).toBe('CSRF_FAILED');

    const wrong = await anonymous().raw('POST', '/v1/diffs', { headers: { cookie: cookies, 'x-csrf-token': `${ada.session.csrf_token.slice(1)}A` }, body: aDiff('c1') });
    expect(wrong.status).toBe(403);
    expect((await envelope<null>(wrong)).error?.code).toBe('CSRF_FAILED');

    // Nothing was written by the refused requests.
    expect(await ada.client.diffs.all({ entity_id: 'c1' })).toEqual([]);
  });

  it('refuses a CSRF cookie and header pair the attacker chose: the token is bound to the session', async () => {
    const session = /atrium_session=[^;]+/.exec(cookies)![0];
    const planted = 'attacker-chosen-value-0123456789abcdef';
    const res = await anonymous().raw('POST', '/v1/diffs', { headers: { cookie: `${session}; atrium_csrf=${planted}`, 'x-csrf-token': planted }, body: aDiff('c9') });
    expect(res.status).toBe(403);
    expect((await envelope<null>(res)).error?.code).toBe('CSRF_FAILED');
    // Another session's genuine token does not fit this session either.
    const other = await t.client().auth.login({ email: ada.email, password: ada.password });
    const crossed = await anonymous().raw('POST', '/v1/diffs', { headers: { cookie: session, 'x-csrf-token': other.csrf_token }, body: aDiff('c9') });
    expect(crossed.status).toBe(403);
    expect(await ada.client.diffs.all({ entity_id: 'c9' })).toEqual([]);
  });

  it('lets it through with the CSRF cookie value echoed in x-csrf-token', async () => {
    const ok = await anonymous().raw('POST', '/v1/diffs', { headers: { cookie: cookies, 'x-csrf-token': ada.session.csrf_token }, body: aDiff('c2') });
    expect(ok.status).toBe(201);
    expect((await envelope<Diff>(ok)).data?.actor).toEqual({ type: 'user', id: ada.session.user.id });
  });

  it('needs no CSRF token for Bearer clients, nor for safe methods by cookie', async () => {
    const bearer = await ada.client.raw('POST', '/v1/diffs', { body: aDiff('c3') });
    expect(bearer.status).toBe(201);
    const get = await anonymous().raw('GET', '/v1/diffs', { headers: { cookie: cookies }, query: { entity_id: 'c3' } });
    expect(get.status).toBe(200);
    expect((await envelope<Diff[]>(get)).data).toHaveLength(1);
  });
});

describe('log-out, expiry and revocation', () => {
  it('log-out revokes the Bearer token at once and records it', async () => {
    const session = await anonymous().auth.login({ email: ada.email, password: ada.password });
    const client = t.client(session.token);
    expect((await client.auth.me()).auth.token_id).toBeTruthy();
    const tokenId = (await client.auth.me()).auth.token_id;

    expect(await client.auth.logout()).toEqual({ logged_out: true });
    const after = await client.raw('GET', '/v1/me');
    expect(after.status).toBe(401);
    expect((await envelope<null>(after)).error?.code).toBe('UNAUTHENTICATED');
    // Other sessions of the same person are untouched.
    expect((await ada.client.auth.me()).user?.id).toBe(ada.session.user.id);

    const [row] = await ownerSql<{ revoked_at: Date | null }>(t, 'select revoked_at from auth_tokens where id = $1', [tokenId]);
    expect(row?.revoked_at).not.toBeNull();
    const diffs = await ada.client.diffs.all({ namespace: 'identity', event: 'session.revoked', entity_id: tokenId });
    expect(diffs.map((d) => d.after)).toEqual([{ reason: 'logout' }]);
    expect(JSON.stringify(diffs)).not.toContain(session.token);
  });

  it('log-out by cookie needs the CSRF token, then revokes the cookie session and clears the cookies', async () => {
    const login = await anonymous().raw('POST', '/v1/auth/login', { body: { email: ada.email, password: ada.password } });
    expect(login.status).toBe(200);
    const jar = cookieHeader(login);
    const csrf = setCookies(login).get('atrium_csrf')!.value;

    const refused = await anonymous().raw('POST', '/v1/auth/logout', { headers: { cookie: jar } });
    expect(refused.status).toBe(403);
    const out = await anonymous().raw('POST', '/v1/auth/logout', { headers: { cookie: jar, 'x-csrf-token': csrf } });
    expect(out.status).toBe(200);
    const cleared = setCookies(out).get('atrium_session');
    expect(cleared?.value).toBe('');
    expect(cleared?.attributes.some((a) => a === 'max-age=0' || a.startsWith('expires=thu, 01 jan 1970'))).toBe(true);

    const again = await anonymous().raw('GET', '/v1/me', { headers: { cookie: jar } });
    expect(again.status).toBe(401);
  });

  it('an expired token answers 401, even one that was in use just before', async () => {
    const { token } = await issue(5); // long enough that the first request surely falls inside it
    const client = t.client(token);
    expect((await client.raw('GET', '/v1/me')).status).toBe(200);
    await sleep(5_300);
    const res = await client.raw('GET', '/v1/me');
    expect(res.status).toBe(401);
    expect((await envelope<null>(res)).error?.code).toBe('UNAUTHENTICATED');
  });

  it('a token whose expiry has passed (set in the database) answers 401', async () => {
    const { id, token } = await issue(3600);
    await ownerSql(t, "update auth_tokens set expires_at = now() - interval '1 minute' where id = $1", [id]);
    expect((await t.client(token).raw('GET', '/v1/me')).status).toBe(401);
  });

  it('a revoked token answers 401', async () => {
    const { id, token } = await issue(3600);
    await ownerSql(t, 'update auth_tokens set revoked_at = now() where id = $1', [id]);
    expect((await t.client(token).raw('GET', '/v1/me')).status).toBe(401);
  });

  it('stores tokens only as digests', async () => {
    const rows = await ownerSql<{ token_hash: string }>(t, 'select token_hash from auth_tokens where user_id = $1', [ada.session.user.id]);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(r.token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(r.token_hash).not.toContain(ada.session.token.slice(4, 20));
    }
    const [n] = await ownerSql<{ n: number }>(t, 'select count(*)::int as n from auth_tokens where token_hash = $1', [ada.session.token]);
    expect(n?.n).toBe(0);
  });
});
