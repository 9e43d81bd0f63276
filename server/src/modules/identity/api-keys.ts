// Scoped API keys (`atr_…`): shown once at creation, stored hashed, revocable.
// Scopes are `read`, `write`, `admin`, or per module `<module>:<read|write|admin>`;
// a key never gets more than its creator's role allows.
import { sql } from 'kysely';
import type { Ctx, Principal } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import { errors } from '../../platform/errors.js';
import type { Ledger } from '../ledger/index.js';
import { assertCan, callerRole, ROLE_SCOPES, type Scope } from './permissions.js';
import { issueToken } from './tokens.js';

export const SCOPE_PATTERN = /^(?:[a-z_]+:)?(read|write|admin)$/;

export type ApiKeyView = {
  id: string;
  name: string;
  scopes: string[];
  created_at: string;
  created_by: string | null;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
};

type Row = { id: string; name: string | null; scopes: string[]; created_at: Date; created_by: string | null; last_used_at: Date | null; expires_at: Date | null; revoked_at: Date | null };

const view = (r: Row): ApiKeyView => ({
  id: r.id,
  name: r.name ?? '',
  scopes: r.scopes,
  created_at: r.created_at.toISOString(),
  created_by: r.created_by,
  last_used_at: r.last_used_at?.toISOString() ?? null,
  expires_at: r.expires_at?.toISOString() ?? null,
  revoked_at: r.revoked_at?.toISOString() ?? null,
});

const COLUMNS = ['id', 'name', 'scopes', 'created_at', 'created_by', 'last_used_at', 'expires_at', 'revoked_at'] as const;

export function createApiKeys(deps: { db: Db; ledger: Ledger; onRevoked: (tokenId: string) => void }) {
  const { db, ledger } = deps;
  return {
    list: (p: Principal) =>
      db.tenantTx(p.tenantId, async (tx) =>
        (await tx.selectFrom('auth_tokens').select(COLUMNS).where('kind', '=', 'api_key').orderBy('created_at', 'desc').execute()).map(view),
      ),

    /** In the caller's transaction (a command); the key is in the answer this once. */
    async create(ctx: Ctx, input: { name: string; scopes: string[]; expires_in_days?: number }) {
      const role = await callerRole(ctx);
      assertCan(role, 'api_keys.create');
      const allowed = role ? ROLE_SCOPES[role] : [];
      const beyond = input.scopes.filter((s) => !allowed.includes(s.split(':').pop() as Scope));
      if (beyond.length > 0) throw errors.forbidden('A key cannot have more rights than you.', beyond.map((s) => ({ path: 'body.scopes', message: 'beyond your role', scope: s })));
      const { id, token } = await issueToken(ctx.tx, {
        tenantId: ctx.tenantId, userId: null, kind: 'api_key', name: input.name, scopes: [...new Set(input.scopes)],
        ttlSeconds: input.expires_in_days ? input.expires_in_days * 86_400 : undefined, createdBy: ctx.actor.id,
      });
      await ledger.record(ctx, { namespace: 'identity', entityType: 'api_key', entityId: id, event: 'api_key.created', after: { name: input.name, scopes: input.scopes } });
      const row = await ctx.tx.selectFrom('auth_tokens').select(COLUMNS).where('id', '=', id).executeTakeFirstOrThrow();
      return { ...view(row), key: token };
    },

    async revoke(ctx: Ctx, id: string) {
      assertCan(await callerRole(ctx), 'api_keys.revoke');
      const r = await ctx.tx.updateTable('auth_tokens').set({ revoked_at: sql`now()` }).where('id', '=', id).where('kind', '=', 'api_key').where('revoked_at', 'is', null).executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) throw errors.notFound('API key');
      await ledger.record(ctx, { namespace: 'identity', entityType: 'api_key', entityId: id, event: 'api_key.revoked', after: { revoked: true } });
      ctx.onCommit(() => deps.onRevoked(id));
    },
  };
}
