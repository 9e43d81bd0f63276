// OIDC sign-in end to end against a real OpenID provider (oidc-provider) on loopback: the
// test plays the browser — manual redirects and a cookie jar — through the provider's own
// login and consent pages and back to Atrium's callback. Nothing of our client is mocked.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, type TestTenant } from '../../testing/harness.js';
import { expectError, expectOk } from '../../testing/http.js';
import type { RegisteredRoute, RouteRegistry } from '../../platform/http/route.js';
import { safeRedirectPath } from './oidc.js';
import { registerOidcRoutes } from './routes-oidc.js';

const CLIENT_ID = 'atrium-test';
const CLIENT_SECRET = randomBytes(24).toString('base64url');

/** A browser's cookies, per origin (enough here: names never collide between the two servers). */
class Browser {
  readonly #jar = new Map<string, Map<string, string>>();

  cookie(url: string, name: string): string | undefined {
    return this.#jar.get(new URL(url).origin)?.get(name);
  }

  async go(url: string, init: RequestInit = {}): Promise<Response> {
    const origin = new URL(url).origin;
    const jar = this.#jar.get(origin) ?? new Map<string, string>();
    this.#jar.set(origin, jar);
    const headers = new Headers(init.headers);
    if (jar.size > 0 && !headers.has('cookie')) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';');
      const name = pair.slice(0, pair.indexOf('=')).trim();
      const value = pair.slice(pair.indexOf('=') + 1).trim();
      const gone = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || (/^\s*expires=/i.test(a) && new Date(a.split('=')[1]!) < new Date()));
      if (gone || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    return res;
  }
}

let t: TestApp;
let owner: TestTenant;
let ownerEmail: string;
let idp: Server;
let issuer: string;
const accounts = new Map<string, { email: string; email_verified: boolean; name?: string }>();

const listen = (server: Server, port = 0): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });

async function freePort(): Promise<number> {
  const probe = createServer();
  const port = await listen(probe);
  await new Promise((r) => probe.close(r));
  return port;
}

beforeAll(async () => {
  // The provider's issuer URL contains its port: bind first, then build the provider.
  let handle: RequestListener | null = null;
  idp = createServer((req, res) => handle!(req, res));
  issuer = `http://127.0.0.1:${await listen(idp)}`;

  // Atrium's public URL must be known before it starts (it is the redirect_uri).
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [`${publicUrl}/v1/auth/oidc/callback`],
      grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic',
    }],
    findAccount: (_ctx, id) => {
      const a = accounts.get(id);
      return a ? { accountId: id, claims: () => ({ sub: id, ...a }) } : undefined;
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    features: { devInteractions: { enabled: true } },
    pkce: { required: () => true },
    ttl: { Interaction: 600, Session: 600, Grant: 600, AccessToken: 600, IdToken: 600 }, // explicit: silences the provider's notices
    cookies: { keys: [randomBytes(16).toString('hex')] },
    jwks: { keys: [{ ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }), use: 'sig', kid: 'k1' }] },
  });
  handle = provider.callback();

  t = await startTestApp({ config: { port, publicUrl, oidc: { issuer, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, label: 'Sign in with Test IdP' } } });
  expect(t.baseUrl).toBe(publicUrl);
  owner = await t.tenant('OIDC Agency');
  const me = await expectOk<{ user: { email: string } }>(await fetch(`${t.baseUrl}/v1/me`, { headers: { authorization: `Bearer ${owner.token}` } }));
  ownerEmail = me.data.user.email;
  const invite = await fetch(`${t.baseUrl}/v1/members`, {
    method: 'POST', headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'ivan.invited@example.test', role: 'viewer' }),
  });
  await expectOk(invite, 201);

  accounts.set('alice', { email: ownerEmail.toUpperCase(), email_verified: true }); // case differs on purpose
  accounts.set('ivan', { email: 'ivan.invited@example.test', email_verified: true, name: 'Ivan Invited' });
  accounts.set('mallory', { email: ownerEmail, email_verified: false });
  accounts.set('stranger', { email: 'stranger@example.test', email_verified: true });
});

afterAll(async () => {
  await t?.stop();
  await new Promise((r) => (idp ? idp.close(r) : r(undefined)));
});

/**
 * Starts a sign-in and walks the provider's pages (login as `login`, then consent) until
 * the provider sends the browser back to Atrium; returns that callback URL, not yet visited.
 */
async function reachCallback(browser: Browser, login: string, redirect?: string): Promise<string> {
  let url = `${t.baseUrl}/v1/auth/oidc/start${redirect === undefined ? '' : `?redirect=${encodeURIComponent(redirect)}`}`;
  let init: RequestInit = {};
  for (let hop = 0; hop < 20; hop++) {
    if (url.startsWith(`${t.baseUrl}/v1/auth/oidc/callback`)) return url;
    const res = await browser.go(url, init);
    init = {};
    if (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get('location')!, url).href;
      continue;
    }
    const html = await res.text();
    const form = /<form[^>]*action="([^"]+)"[^>]*method="post"[\s\S]*?name="prompt" value="(\w+)"/.exec(html);
    if (res.status !== 200 || !form) throw new Error(`unexpected ${res.status} at ${url}: ${html.slice(0, 500)}`);
    url = new URL(form[1]!.replaceAll('&amp;', '&'), url).href;
    const fields: Record<string, string> = form[2] === 'login' ? { prompt: 'login', login, password: 'any' } : { prompt: form[2]! };
    init = { method: 'POST', body: new URLSearchParams(fields) };
  }
  throw new Error('too many hops');
}

async function signIn(login: string, redirect?: string) {
  const browser = new Browser();
  const callbackUrl = await reachCallback(browser, login, redirect);
  const res = await browser.go(callbackUrl);
  return { browser, callbackUrl, res, session: browser.cookie(t.baseUrl, 'atrium_session') };
}

type Me = { user: { id: string; email: string; name: string }; tenant: { id: string }; role: string; auth: { token_id: string } };
const meWithCookie = async (session: string) => fetch(`${t.baseUrl}/v1/me`, { headers: { cookie: `atrium_session=${session}` } });

describe('OIDC sign-in against a real provider', () => {
  it('tells the web app that single sign-on is available', async () => {
    const body = await expectOk(await fetch(`${t.baseUrl}/v1/auth/providers`));
    expect(body.data).toEqual({ password: true, oidc: { enabled: true, label: 'Sign in with Test IdP', start_url: '/v1/auth/oidc/start' } });
  });

  it('signs an existing member in with a verified email: session cookie, redirect, diff', async () => {
    const { res, session } = await signIn('alice', '/flows?tab=mine');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/flows?tab=mine');
    expect(session).toMatch(/^ats_/);
    const me = await expectOk<Me>(await meWithCookie(session!));
    expect(me.data.user.id).toBe(owner.userId);
    expect(me.data.tenant.id).toBe(owner.tenantId);
    expect(me.data.role).toBe('owner');
    const diffs = await owner.client.diffs.list({ entity_id: me.data.auth.token_id });
    expect(diffs.items.map((d) => [d.event, (d.after as { method: string }).method])).toEqual([['session.created', 'oidc']]);
  });

  it('refuses a replayed callback (the state is single use)', async () => {
    const { res, callbackUrl, browser } = await signIn('alice');
    expect(res.status).toBe(302);
    const state = new URL(callbackUrl).searchParams.get('state')!;
    // Same browser, state cookie put back by hand: only the server-side single use stops it.
    await expectError(await browser.go(callbackUrl, { headers: { cookie: `atrium_oidc_state=${state}` } }), 400, 'OIDC_STATE_INVALID');
    await expectError(await browser.go(callbackUrl), 400, 'OIDC_STATE_INVALID');
  });

  it('refuses a callback carried to another browser (login CSRF); the real one still completes', async () => {
    const browser = new Browser();
    const callbackUrl = await reachCallback(browser, 'alice');
    await expectError(await new Browser().go(callbackUrl), 400, 'OIDC_STATE_INVALID');
    const res = await browser.go(callbackUrl);
    expect(res.status).toBe(302);
    expect(browser.cookie(t.baseUrl, 'atrium_session')).toMatch(/^ats_/);
  });

  it('refuses a state older than 10 minutes', async () => {
    const browser = new Browser();
    const callbackUrl = await reachCallback(browser, 'alice');
    const state = new URL(callbackUrl).searchParams.get('state')!;
    await t.app.db.systemTx((tx) => sql`update oidc_login_states set created_at = now() - interval '11 minutes' where state = ${state}`.execute(tx));
    await expectError(await browser.go(callbackUrl), 400, 'OIDC_STATE_INVALID');
  });

  it('accepts a pending invitation for the verified email, with the invited role', async () => {
    const { res, session } = await signIn('ivan');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/');
    const me = await expectOk<Me>(await meWithCookie(session!));
    expect(me.data.user).toMatchObject({ email: 'ivan.invited@example.test', name: 'Ivan Invited' });
    expect(me.data.tenant.id).toBe(owner.tenantId);
    expect(me.data.role).toBe('viewer');
    const invitations = await expectOk<{ email: string; status: string }[]>(await fetch(`${t.baseUrl}/v1/invitations`, { headers: { authorization: `Bearer ${owner.token}` } }));
    expect(invitations.data.find((i) => i.email === 'ivan.invited@example.test')?.status).toBe('accepted');

    // Next time the invitation is used up, and the membership signs in directly.
    const again = await signIn('ivan');
    expect(again.res.status).toBe(302);
    const me2 = await expectOk<Me>(await meWithCookie(again.session!));
    expect([me2.data.user.id, me2.data.role]).toEqual([me.data.user.id, 'viewer']);
  });

  it('refuses an unverified email, even one that matches a member', async () => {
    const { res, session } = await signIn('mallory');
    await expectError(res, 403, 'OIDC_EMAIL_UNVERIFIED');
    expect(session).toBeUndefined();
  });

  it('refuses a verified email with no account and no invitation', async () => {
    const { res, session } = await signIn('stranger');
    const body = await expectError(res, 403, 'OIDC_NO_ACCOUNT');
    expect(body.error.message).toMatch(/invitation/);
    expect(session).toBeUndefined();
  });

  it('never redirects off-site after sign-in', async () => {
    const { res, session } = await signIn('alice', 'https://evil.example');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/');
    expect(session).toMatch(/^ats_/);
    for (const bad of ['//evil.example', '/\\evil.example', 'evil.example/x', 'javascript:alert(1)', '/\t/evil.example', '']) {
      expect(safeRedirectPath(bad), bad).toBe('/');
    }
    expect(safeRedirectPath('/a/b?c=1#d')).toBe('/a/b?c=1#d');
  });
});

describe('without OIDC configured', () => {
  // Checked on the route table rather than a second server: another app start costs seconds.
  it('only offers passwords, and the flow has no routes', async () => {
    const added: RegisteredRoute[] = [];
    registerOidcRoutes({ add: (def: RegisteredRoute) => added.push(def) } as unknown as RouteRegistry, { oidc: null, secureCookies: false });
    expect(added.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /v1/auth/providers']);
    const out = await added[0]!.handler({} as Parameters<RegisteredRoute['handler']>[0]);
    expect(out).toEqual({ data: { password: true, oidc: { enabled: false, label: null, start_url: null } } });
  });
});
