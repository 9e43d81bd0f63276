// OIDC sign-in ("Sign in with Google/Microsoft"): authorization code flow with PKCE, state
// and nonce, against one provider configured by env. The provider only proves an email
// address; access still comes from Atrium — an existing member, or a pending invitation
// for that email. Nobody gets a workspace just by having a Google account.
// openid-client is imported at the first sign-in (README, embedded mode: what most processes
// never need is not loaded at start).
import { timingSafeEqual } from 'node:crypto';
import type * as OpenId from 'openid-client';
import type { Logger } from 'pino';
import type { Db } from '../../platform/db/index.js';
import { AppError } from '../../platform/errors.js';
import type { Ledger } from '../ledger/index.js';
import { openSession, workspacesOf, type SessionGrant } from './account.js';
import type { Members } from './members.js';
import type { OidcSettings } from './config.js';

export type { OidcSettings };

export const OIDC_START_PATH = '/v1/auth/oidc/start';
export const OIDC_CALLBACK_PATH = '/v1/auth/oidc/callback';
/** How long a started sign-in may take at the provider before its state is refused. */
export const OIDC_STATE_TTL_SECONDS = 600;
/** Provider metadata is re-read now and then (endpoints rarely move; keys rotate via JWKS refetch). */
const DISCOVERY_TTL_MS = 3_600_000;
const SCOPE = 'openid email profile';

const stateInvalid = () =>
  new AppError('OIDC_STATE_INVALID', 400, 'This sign-in link is unknown, expired or was already used; start the sign-in again.');
const unavailable = () => new AppError('OIDC_UNAVAILABLE', 503, 'The single sign-on provider cannot be reached; try again later.');

/**
 * Where to send the browser after sign-in: only a path on this site. Anything else —
 * absolute URLs, protocol-relative `//host`, backslashes that browsers read as slashes,
 * control characters — becomes `/`, so the endpoint cannot serve as an open redirect.
 */
export function safeRedirectPath(raw: unknown): string {
  if (typeof raw !== 'string' || raw.length > 2000 || !raw.startsWith('/') || raw.startsWith('//')) return '/';
  if (raw.includes('\\') || /[\u0000-\u001f\u007f]/.test(raw)) return '/';
  const base = new URL('http://atrium.invalid');
  const resolved = new URL(raw, base);
  return resolved.origin === base.origin ? resolved.pathname + resolved.search + resolved.hash : '/';
}

const isLoopback = (host: string): boolean => host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);

const openIdClient = (): Promise<typeof OpenId> => import('openid-client');

const sameSecret = (a: string, b: string): boolean => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

type VerifiedPerson = { email: string; name: string };

/** The claims Atrium relies on, from the ID token, or from UserInfo when the provider keeps them there. */
async function verifiedPerson(config: OpenId.Configuration, tokens: OpenId.TokenEndpointResponse & OpenId.TokenEndpointResponseHelpers): Promise<VerifiedPerson> {
  const idToken = tokens.claims();
  if (!idToken) throw new AppError('OIDC_FAILED', 400, 'The provider returned no ID token.');
  // Email and its verification are read as a pair from one source. Some providers (and
  // oidc-provider by default) keep scope claims out of the ID token, in UserInfo only.
  const inIdToken = typeof idToken.email === 'string' && idToken.email_verified !== undefined;
  const claims: Record<string, unknown> = inIdToken ? idToken : await (await openIdClient()).fetchUserInfo(config, tokens.access_token, idToken.sub);
  const email = typeof claims['email'] === 'string' ? claims['email'].trim().toLowerCase() : '';
  // Strictly boolean true: an unverified (or unstated) address would let anyone claim any account.
  if (!email || claims['email_verified'] !== true) {
    throw new AppError('OIDC_EMAIL_UNVERIFIED', 403, 'The provider did not confirm a verified email address for this account.');
  }
  return { email, name: displayName({ ...idToken, ...claims }, email) };
}

function displayName(claims: Record<string, unknown>, email: string): string {
  const str = (k: string) => (typeof claims[k] === 'string' ? (claims[k] as string).trim() : '');
  const name = str('name') || [str('given_name'), str('family_name')].filter(Boolean).join(' ') || email.split('@')[0] || email;
  return name.slice(0, 120);
}

export function createOidc(deps: { db: Db; ledger: Ledger; members: Members; log: Logger; settings: OidcSettings; publicUrl: string }) {
  const { db, ledger, members, log, settings } = deps;
  const redirectUri = `${deps.publicUrl.replace(/\/+$/, '')}${OIDC_CALLBACK_PATH}`;
  let cached: { config: Promise<OpenId.Configuration>; until: number } | null = null;

  async function discover(): Promise<OpenId.Configuration> {
    const issuer = new URL(settings.issuer);
    const insecure = issuer.protocol === 'http:';
    if (insecure && !isLoopback(issuer.hostname)) throw new Error(`OIDC issuer ${issuer.href} must use https (plain http is only accepted on loopback)`);
    const client = await openIdClient();
    // Basic is the client authentication every OAuth server must accept (RFC 6749 §2.3.1);
    // without a secret the client is public and PKCE alone protects the code.
    const auth = settings.clientSecret ? client.ClientSecretBasic(settings.clientSecret) : client.None();
    return client.discovery(issuer, settings.clientId, settings.clientSecret, auth, {
      execute: insecure ? [client.allowInsecureRequests] : [], timeout: 10,
    });
  }

  /** The provider's metadata, discovered once and cached; a failed discovery is retried next time. */
  async function configuration(): Promise<OpenId.Configuration> {
    if (!cached || cached.until < Date.now()) {
      const config = discover();
      cached = { config, until: Date.now() + DISCOVERY_TTL_MS };
      config.catch(() => { cached = null; });
    }
    try {
      return await cached.config;
    } catch (err) {
      log.error({ err, issuer: settings.issuer }, 'OIDC discovery failed');
      throw unavailable();
    }
  }

  /** Deletes and returns the state's row: single use, and refused once older than the TTL. */
  async function consume(state: string) {
    // system: oidc_login_states belongs to no tenant (a sign-in in progress, before any tenant is known); only atrium_system is granted it.
    return db.systemTx(async (tx) => {
      const row = await tx.deleteFrom('oidc_login_states').where('state', '=', state).returningAll().executeTakeFirst();
      if (!row || row.created_at.getTime() < Date.now() - OIDC_STATE_TTL_SECONDS * 1000) return null;
      return row;
    });
  }

  async function exchange(config: OpenId.Configuration, current: URL, row: { state: string; code_verifier: string; nonce: string }) {
    const client = await openIdClient();
    try {
      return await client.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: row.code_verifier, expectedState: row.state, expectedNonce: row.nonce, idTokenExpected: true,
      });
    } catch (err) {
      if (err instanceof client.AuthorizationResponseError) {
        throw new AppError('OIDC_DENIED', 403, 'The provider did not sign you in.', [{ message: err.error_description ?? err.error, error: err.error }]);
      }
      if (err instanceof client.ResponseBodyError || err instanceof client.ClientError || err instanceof client.WWWAuthenticateChallengeError) {
        log.warn({ err }, 'OIDC code exchange refused');
        throw new AppError('OIDC_FAILED', 400, 'The sign-in response could not be verified; start the sign-in again.');
      }
      log.error({ err }, 'OIDC code exchange failed');
      throw unavailable();
    }
  }

  /** The member behind a verified email: their first workspace they may sign in to, else a pending invitation. */
  async function signIn(person: VerifiedPerson, ip: string): Promise<SessionGrant> {
    // system: the verified email names a global user, found before any tenant is known.
    const user = await db.systemTx((tx) => tx.selectFrom('users').select(['id', 'email', 'name']).where('email', '=', person.email).executeTakeFirst());
    const ws = user ? (await workspacesOf(db, user.id)).find((m) => m.role !== 'integration') : undefined;
    if (user && ws) return openSession(db, ledger, user, ws, { method: 'oidc', twoFactor: false, ip });
    const grant = await members.acceptForVerifiedEmail(person.email, { name: person.name, ...(user ? { existing: user } : {}) }, ip);
    if (grant) return grant;
    log.info({ email_domain: person.email.split('@')[1] }, 'OIDC sign-in without an account or invitation');
    throw new AppError('OIDC_NO_ACCOUNT', 403, 'There is no Atrium account for this email; ask an admin of your workspace for an invitation.');
  }

  return {
    label: settings.label,
    redirectUri,

    /** Starts a sign-in: remembers PKCE verifier, nonce and return path; gives the provider URL. */
    async begin(redirect: unknown): Promise<{ url: string; state: string }> {
      const config = await configuration();
      const client = await openIdClient();
      const codeVerifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const nonce = client.randomNonce();
      // system: oidc_login_states belongs to no tenant (a sign-in in progress, before any tenant is known); only atrium_system is granted it.
      await db.systemTx(async (tx) => {
        // Abandoned sign-ins are swept here rather than by a job: the table stays tiny.
        await tx.deleteFrom('oidc_login_states').where('created_at', '<', new Date(Date.now() - OIDC_STATE_TTL_SECONDS * 1000)).execute();
        await tx.insertInto('oidc_login_states').values({ state, code_verifier: codeVerifier, nonce, redirect_path: safeRedirectPath(redirect) }).execute();
      });
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri, scope: SCOPE, state, nonce,
        code_challenge: await client.calculatePKCECodeChallenge(codeVerifier), code_challenge_method: 'S256',
      });
      return { url: url.href, state };
    },

    /**
     * Finishes a sign-in from the callback's query string. `browserState` is the state this
     * browser was given at the start (a cookie): a callback URL carried to another browser
     * (login CSRF) does not match it.
     */
    async complete(search: string, browserState: string | undefined, ip: string): Promise<{ grant: SessionGrant; redirect: string }> {
      const current = new URL(redirectUri);
      current.search = search;
      const state = current.searchParams.get('state');
      if (!state || !browserState || !sameSecret(state, browserState)) throw stateInvalid();
      const row = await consume(state);
      if (!row) throw stateInvalid();
      const config = await configuration();
      const tokens = await exchange(config, current, row);
      const person = await verifiedPerson(config, tokens).catch((err: unknown) => {
        if (err instanceof AppError) throw err;
        log.warn({ err }, 'OIDC UserInfo request failed');
        throw new AppError('OIDC_FAILED', 400, 'The provider did not give the account details; start the sign-in again.');
      });
      return { grant: await signIn(person, ip), redirect: row.redirect_path };
    },
  };
}

export type Oidc = ReturnType<typeof createOidc>;
