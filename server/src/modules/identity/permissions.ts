// Roles and what they may do. Routes declare a scope (read < write < admin); a session's
// scopes come from its member's role at request time, an API key's from what it was created
// with (never more than its creator had). Sensitive actions are declared per module in its
// definition (identity's below; platform/permissions.ts collects them); finer rules that
// depend on the target (owners, the last owner) are `assertCanAssign` and the commands'.
import type { Ctx } from '../../platform/context.js';
import { errors } from '../../platform/errors.js';
import { assertRoleMay, type Permissions } from '../../platform/permissions.js';
import type { Role } from './schema.js';

export type Scope = 'read' | 'write' | 'admin';

export const ROLE_SCOPES: Record<Role, readonly Scope[]> = {
  owner: ['read', 'write', 'admin'],
  admin: ['read', 'write', 'admin'],
  member: ['read', 'write'],
  viewer: ['read'],
  integration: ['read', 'write'], // API keys only: cannot log in to the UI
};

/**
 * Identity's sensitive actions (its definition declares them: `permissions`). The roles on top
 * of the route's scope; `stepUp` mirrors the `stepUp: true` of the command that does it.
 */
export const IDENTITY_PERMISSIONS = {
  'members.invite': { roles: ['owner', 'admin'], summary: 'Invite a member or revoke an invitation' },
  'members.change_role': { roles: ['owner', 'admin'], stepUp: true, summary: 'Change a member’s role (only an owner grants or removes owner)' },
  'members.remove': { roles: ['owner', 'admin'], summary: 'Remove a member (only an owner removes an owner)' },
  'api_keys.create': { roles: ['owner', 'admin'], stepUp: true, summary: 'Create an API key' },
  'api_keys.revoke': { roles: ['owner', 'admin'], summary: 'Revoke an API key' },
  'tenant.update': { roles: ['owner', 'admin'], stepUp: true, summary: 'Rename the workspace' },
} as const satisfies Permissions<Role>;

export type Action = keyof typeof IDENTITY_PERMISSIONS;

/** 403 unless the role may do one of identity's actions (the same check the registry makes). */
export function assertCan(role: Role | null, action: Action): void {
  assertRoleMay(IDENTITY_PERMISSIONS, role, action);
}

/** Only an owner may grant or take away the owner role. */
export function assertCanAssign(actorRole: Role | null, from: Role | null, to: Role): void {
  if ((to === 'owner' || from === 'owner') && actorRole !== 'owner') {
    throw errors.forbidden('Only an owner can grant or remove the owner role.');
  }
}

/**
 * The acting member's role in ctx's tenant as it is now (null for an API key, which has none):
 * commands check it in their own transaction, whoever calls them — a route, an agent, or an
 * approval running the command again as the requester.
 */
export async function callerRole(ctx: Ctx): Promise<Role | null> {
  if (ctx.actor.type !== 'user') return null;
  const row = await ctx.tx.selectFrom('memberships').select('role').where('user_id', '=', ctx.actor.id).executeTakeFirst();
  return row?.role ?? null;
}
