// Opaque bearer tokens: random secrets handed out once, stored as SHA-256 digests.
// (SHA-256 is right here: the secrets are 256-bit random, not guessable passwords.)
import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Principal } from '../../platform/context.js';
import type { Db, Tx } from '../../platform/db/index.js';
import { newId } from '../../platform/ids.js';

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
    })
    .execute();
  return { id, token };
}

const LAST_USED_RESOLUTION_MS = 60_000;

/** Looks a bearer token up (platform role: the tenant is not known yet). */
export async function resolveToken(db: Db, token: string): Promise<Principal | null> {
  if (token.length < 20 || token.length > 200) return null;
  const row = await db.systemTx((tx) =>
    tx
      .selectFrom('auth_tokens')
      .select(['id', 'tenant_id', 'user_id', 'kind', 'scopes', 'last_used_at'])
      .where('token_hash', '=', hashToken(token))
      .where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', sql<Date>`now()`)]))
      .executeTakeFirst(),
  );
  if (!row) return null;
  if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > LAST_USED_RESOLUTION_MS) {
    // Coarse on purpose: one write a minute per token, not one per request.
    void db
      .systemTx((tx) => tx.updateTable('auth_tokens').set({ last_used_at: sql`now()` }).where('id', '=', row.id).execute())
      .catch(() => {});
  }
  return {
    tenantId: row.tenant_id,
    actor: row.kind === 'api_key' || !row.user_id ? { type: 'api_key', id: row.id } : { type: 'user', id: row.user_id },
    userId: row.user_id,
    tokenId: row.id,
    scopes: row.scopes,
  };
}
