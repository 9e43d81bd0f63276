// Creating a tenant with its first owner, and changing its name or plan, recorded in the
// ledger like every other change.
import { inPlatformFor, SYSTEM_ACTOR, type Ctx } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import { errors } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { Ledger } from '../ledger/index.js';
import type { Plan } from './schema.js';
import { ALL_SCOPES, issueToken } from './tokens.js';

export type NewTenant = {
  name: string;
  plan?: Plan;
  isDemo?: boolean;
  owner: { email: string; name: string; passwordHash?: string | null };
};

export type CreatedTenant = { tenantId: string; userId: string; token: string; tokenId: string };

export async function createTenantWithOwner(db: Db, ledger: Ledger, input: NewTenant): Promise<CreatedTenant> {
  const tenantId = newId('ten');
  const userId = newId('usr');
  const email = input.owner.email.trim().toLowerCase();
  // Users are global rows, so this runs as the platform role, in one transaction.
  return inPlatformFor(db, { tenantId, actor: SYSTEM_ACTOR }, async (ctx) => {
    await ctx.tx.insertInto('tenants').values({ id: tenantId, name: input.name, plan: input.plan ?? 'free', is_demo: input.isDemo ?? false }).execute();
    await ctx.tx.insertInto('users').values({ id: userId, email, name: input.owner.name, password_hash: input.owner.passwordHash ?? null, platform_role: null }).execute();
    await ctx.tx.insertInto('memberships').values({ tenant_id: tenantId, user_id: userId, role: 'owner' }).execute();
    const { token, id: tokenId } = await issueToken(ctx.tx, { tenantId, userId, kind: 'session', scopes: ALL_SCOPES, ttlSeconds: 30 * 24 * 3600 });
    await ledger.recordBatch(ctx, [
      { namespace: 'identity', entityType: 'tenant', entityId: tenantId, event: 'tenant.created', after: { id: tenantId, name: input.name, plan: input.plan ?? 'free' } },
      { namespace: 'identity', entityType: 'user', entityId: userId, event: 'user.created', after: { id: userId, email, name: input.owner.name } },
      { namespace: 'identity', entityType: 'membership', entityId: `${tenantId}:${userId}`, event: 'membership.created', after: { user_id: userId, email, role: 'owner' } },
    ]);
    return { tenantId, userId, token, tokenId };
  });
}

export type TenantView = { id: string; name: string; plan: Plan; created_at: string };

/** One tenant row change and its diff, in ctx (the workspace's own transaction, or the operator's platform one). */
export async function updateTenantRow(ctx: Ctx, ledger: Ledger, tenantId: string, patch: { name?: string; plan?: Plan }, why: string | undefined): Promise<TenantView> {
  const set = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as { name?: string; plan?: Plan };
  const before = await ctx.tx.selectFrom('tenants').select(['name', 'plan']).where('id', '=', tenantId).forUpdate().executeTakeFirst();
  if (!before) throw errors.notFound('Workspace');
  const after = await ctx.tx.updateTable('tenants').set(set).where('id', '=', tenantId).returning(['id', 'name', 'plan', 'created_at']).executeTakeFirstOrThrow();
  await ledger.record(ctx, {
    namespace: 'identity', entityType: 'tenant', entityId: tenantId, event: 'tenant.updated',
    before: Object.fromEntries(Object.keys(set).map((k) => [k, before[k as keyof typeof before]])), after: set, why,
  });
  return { ...after, created_at: after.created_at.toISOString() };
}
