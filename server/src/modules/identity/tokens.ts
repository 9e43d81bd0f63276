// Opaque bearer tokens: random secrets handed out once, stored as SHA-256 digests.
// (SHA-256 is right here: the secrets are 256-bit random, not guessable passwords.)
import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Principal } from '../../platform/context.js';
import type { Db, Tx } from '../../platform/db/index.js';
import { newId } from '../../platform/ids.js';
import { ROLE_SCOPES } from './permissions.js';
import type { Role } from './schema.js';

export const SESSION_PREFIX = 'ats_';
export const API_KEY_PREFIX = 'atr_';
export const ALL_SCOPES = ['read', 'write', 'admin'] as const;

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export type IssueTokenInput = {
  tenantId: string;
  userId: string | null;
  kind: 'session' | 'api_key';
  scopes: readonly string[];
  name?: string;
  ttlSeconds?: number;
  /** The session starts with a fresh step-up (it was just opened with a TOTP code). */
  stepUp?: boolean;
  createdBy?: string;
};

/** Creates a token row and returns the secret (never stored, never shown again). */
export async function issueToken(tx: Tx, input: IssueTokenInput): Promise<{ id: string; token: string }> {
  const token = (input.kind === 'api_key' ? API_KEY_PREFIX : SESSION_PREFIX) + randomBytes(32).toString('base64url');
  const id = newId(input.kind === 'api_key' ? 'key' : 'ses');
  await tx
    .insertInto('auth_tokens')
    .values({
      id,
      tenant_id: input.tenantId,
      user_id: input.userId,
      kind: input.kind,
      name: input.name ?? null,
      token_hash: hashToken(token),
      scopes: [...input.scopes],
      expires_at: input.ttlSeconds ? new Date(Date.now() + input.ttlSeconds * 1000) : null,
      revoked_at: null,
      last_used_at: null,
      step_up_at: input.stepUp ? new Date() : null,
      created_by: input.createdBy ?? null,
    })
    .execute();
  return { id, token };
}

const LAST_USED_RESOLUTION_MS = 60_000;
/** How long a resolved token is trusted without asking the database again. Revocation in
 * this process clears it at once; other serve processes see it within this delay. */
export const TOKEN_CACHE_MS = 5_000;

/** What GET /v1/me shows, resolved with the token so the answer needs no extra query. */
export type Profile = {
  tenant: { id: string; name: string; plan: string };
  user: { id: string; email: string; name: string; totp_enabled: boolean } | null;
};
type Cached = { principal: Principal | null; until: number };
type Loaded = { principal: Principal | null; profile: Profile | null; expiresAt: Date | null };

export class TokenResolver {
  readonly #cache = new Map<string, Cached>();
  readonly #profiles = new Map<string, { profile: Profile; until: number }>();
  /** One lookup per token at a time: when a cached entry lapses under load, the concurrent requests share it. */
  readonly #inflight = new Map<string, { loading: Promise<Loaded>; generation: number }>();
  /** Bumped by every `forget`: a lookup that started before it is answered but not cached (it may predate a revocation). */
  #generation = 0;

  constructor(private readonly db: Db) {}

  /** The profile cached with a token resolved in the last few seconds (null if not cached). */
  profile(tokenId: string): Profile | null {
    const hit = this.#profiles.get(tokenId);
    return hit && hit.until > Date.now() ? hit.profile : null;
  }

  forget(tokenIds: readonly string[] | 'all'): void {
    this.#generation += 1;
    if (tokenIds === 'all') {
      this.#cache.clear();
      this.#profiles.clear();
      return;
    }
    for (const [k, v] of this.#cache) if (v.principal && tokenIds.includes(v.principal.tokenId)) this.#cache.delete(k);
    for (const id of tokenIds) this.#profiles.delete(id);
  }

  async resolve(token: string): Promise<Principal | null> {
    if (token.length < 20 || token.length > 200) return null;
    return this.resolveDigest(hashToken(token));
  }

  /** A token known by its stored hash (a stream ticket names its token that way). */
  async resolveDigest(digest: string): Promise<Principal | null> {
    const hit = this.#cache.get(digest);
    if (hit && hit.until > Date.now()) return hit.principal;
    const generation = this.#generation;
    let flight = this.#inflight.get(digest);
    if (!flight || flight.generation !== generation) {
      const loading = this.#load(digest);
      const mine = { loading, generation };
      flight = mine;
      this.#inflight.set(digest, mine);
      void loading.finally(() => {
        if (this.#inflight.get(digest) === mine) this.#inflight.delete(digest);
      }).catch(() => undefined);
    }
    const { principal, profile, expiresAt } = await flight.loading;
    if (generation !== this.#generation) return principal;
    if (this.#cache.size > 10_000) {
      this.#cache.clear();
      this.#profiles.clear();
    }
    // Never trusted past its expiry, even from the cache.
    const until = Math.min(Date.now() + TOKEN_CACHE_MS, expiresAt?.getTime() ?? Infinity);
    this.#cache.set(digest, { principal, until });
    if (principal && profile) this.#profiles.set(principal.tokenId, { profile, until });
    return principal;
  }

  async #load(digest: string): Promise<Loaded> {
    // system: a bearer token is resolved before its tenant is known (the token row says which).
    const row = await this.db.systemTx((tx) =>
      tx
        .selectFrom('auth_tokens as t')
        .innerJoin('tenants as n', 'n.id', 't.tenant_id')
        .leftJoin('memberships as m', (j) => j.onRef('m.tenant_id', '=', 't.tenant_id').onRef('m.user_id', '=', 't.user_id'))
        .leftJoin('users as u', 'u.id', 't.user_id')
        .select(['t.id', 't.tenant_id', 't.user_id', 't.kind', 't.scopes', 't.last_used_at', 't.step_up_at', 't.expires_at'])
        .leftJoin('user_totp as ut', 'ut.user_id', 't.user_id')
        .select(['n.plan', 'n.name as tenant_name', 'm.role', 'u.platform_role', 'u.email', 'u.name as user_name', 'ut.enabled_at as totp_enabled_at'])
        .where('t.token_hash', '=', digest)
        .where('t.revoked_at', 'is', null)
        .where((eb) => eb.or([eb('t.expires_at', 'is', null), eb('t.expires_at', '>', sql<Date>`now()`)]))
        .executeTakeFirst(),
    );
    if (!row) return { principal: null, profile: null, expiresAt: null };
    // A session belongs to a member: no membership (removed) → no access. Integration
    // members are API-only: a session of theirs (say, from before a role change) is refused.
    if (row.kind === 'session' && (!row.role || row.role === 'integration')) return { principal: null, profile: null, expiresAt: null };
    if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > LAST_USED_RESOLUTION_MS) {
      // Coarse on purpose: one write a minute per token, not one per request.
      void this.db
        .tenantTx(row.tenant_id, (tx) => tx.updateTable('auth_tokens').set({ last_used_at: sql`now()` }).where('id', '=', row.id).execute())
        .catch(() => {});
    }
    const role = row.kind === 'session' ? (row.role as Role) : null;
    const principal: Principal = {
      tenantId: row.tenant_id,
      actor: row.kind === 'api_key' || !row.user_id ? { type: 'api_key', id: row.id } : { type: 'user', id: row.user_id },
      userId: row.user_id,
      tokenId: row.id,
      kind: row.kind,
      role,
      scopes: role ? ROLE_SCOPES[role] : row.scopes,
      plan: row.plan,
      stepUpAt: row.step_up_at,
      platformRole: row.platform_role === 'operator' ? 'operator' : null,
    };
    const profile: Profile = {
      tenant: { id: row.tenant_id, name: row.tenant_name, plan: row.plan },
      user: row.user_id && row.email && row.user_name ? { id: row.user_id, email: row.email, name: row.user_name, totp_enabled: !!row.totp_enabled_at } : null,
    };
    return { principal, profile, expiresAt: row.expires_at };
  }
}
