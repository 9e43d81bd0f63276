// The permission matrix, enforced here and only here. Routes declare a scope
// (read < write < admin); a session's scopes come from its member's role at request
// time, an API key's from what it was created with (never more than its creator had).
// Finer rules that depend on the target (owners, the last owner) live in `assertCan`.
import type { Ctx } from '../../platform/context.js';
import { errors } from '../../platform/errors.js';
import type { Role } from './schema.js';

export type Scope = 'read' | 'write' | 'admin';

export const ROLE_SCOPES: Record<Role, readonly Scope[]> = {
  owner: ['read', 'write', 'admin'],
  admin: ['read', 'write', 'admin'],
  member: ['read', 'write'],
  viewer: ['read'],
  integration: ['read', 'write'], // API keys only: cannot log in to the UI
};

export type Action =
  | 'members.invite'
  | 'members.change_role'
  | 'members.remove'
  | 'api_keys.create'
  | 'api_keys.revoke'
  | 'tenant.update';

/** Which roles may perform each sensitive action (on top of the route's scope). */
export const MATRIX: Record<Action, readonly Role[]> = {
  'members.invite': ['owner', 'admin'],
  'members.change_role': ['owner', 'admin'],
  'members.remove': ['owner', 'admin'],
  'api_keys.create': ['owner', 'admin'],
  'api_keys.revoke': ['owner', 'admin'],
  'tenant.update': ['owner', 'admin'],
};

/** Actions that need a fresh 2FA step-up (within 10 minutes) when the user has 2FA. */
export const STEP_UP_ACTIONS: ReadonlySet<Action> = new Set([
  'members.change_role',
  'api_keys.create',
  'tenant.update',
]);

export function assertCan(role: Role | null, action: Action): void {
  if (!role || !MATRIX[action].includes(role)) {
    throw errors.forbidden(`Your role cannot do "${action}".`, [{ message: 'role not allowed', action, role }]);
  }
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
