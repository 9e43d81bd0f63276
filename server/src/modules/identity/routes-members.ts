// Members and invitations, API keys, tenant settings, and the platform operator's view.
import { sql } from 'kysely';
import { z } from 'zod';
import { actingAs, inPlatformFor, inTenant, type Principal } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import { errors } from '../../platform/errors.js';
import type { RouteRegistry } from '../../platform/http/route.js';
import type { Ledger } from '../ledger/index.js';
import { SCOPE_PATTERN, type createApiKeys } from './api-keys.js';
import type { Members } from './members.js';
import { SESSION_TTL_SECONDS } from './account.js';
import { setSessionCookies } from './cookies.js';
import { assertCan } from './permissions.js';
import type { Role } from './schema.js';
import { apiKeySchema, emailSchema, idParam, invitationSchema, memberSchema, personName, roleSchema, whyField } from './schemas.js';
import type { TotpService } from './totp.js';

export type MemberRouteDeps = {
  db: Db;
  ledger: Ledger;
  members: Members;
  apiKeys: ReturnType<typeof createApiKeys>;
  totp: TotpService;
  /** Session cookies only over HTTPS (as for login and sign-up). */
  secureCookies: boolean;
  /** Name or plan changed: cached principals and profiles are stale. */
  onTenantChanged: () => void;
};

const planSchema = z.enum(['free', 'pro', 'enterprise']);
type Plan = z.infer<typeof planSchema>;
const tenantSchema = z.object({ id: z.string(), name: z.string(), plan: planSchema, created_at: z.string() });

export function registerMemberRoutes(r: RouteRegistry, d: MemberRouteDeps): void {
  r.add({
    method: 'GET', url: '/v1/members', tags: ['identity'], scope: 'read', summary: 'Members of this workspace', response: z.array(memberSchema),
    handler: async ({ principal }) => ({ data: await d.members.list(principal) }),
  });
  r.add({
    method: 'POST', url: '/v1/members', tags: ['identity'], scope: 'admin', successStatus: 201,
    summary: 'Invite someone by email (the link is emailed when SMTP is set, otherwise returned once)',
    body: z.strictObject({ email: emailSchema, role: roleSchema.exclude(['owner']).default('member') }),
    response: z.object({ invitation: invitationSchema, email_sent: z.boolean(), accept_url: z.string().optional(), token: z.string().optional() }),
    handler: async ({ principal, body }) => ({ data: await d.members.invite(principal, body) }),
  });
  r.add({
    method: 'PATCH', url: '/v1/members/:id', tags: ['identity'], scope: 'admin', summary: 'Change a member’s role (2FA step-up)',
    params: idParam, body: z.strictObject({ role: roleSchema, ...whyField }), response: z.object({ user_id: z.string(), role: roleSchema }),
    handler: async ({ principal, params, body }) => {
      assertCan(principal.role as Role, 'members.change_role');
      await d.totp.requireFreshStepUp(principal);
      return { data: await d.members.changeRole(principal, params.id, body.role, body.why) };
    },
  });
  r.add({
    method: 'DELETE', url: '/v1/members/:id', tags: ['identity'], scope: 'admin', summary: 'Remove a member (their sessions end)',
    params: idParam, query: z.strictObject(whyField), response: z.object({ removed: z.literal(true) }),
    handler: async ({ principal, params, query }) => {
      await d.members.remove(principal, params.id, query.why);
      return { data: { removed: true as const } };
    },
  });
  r.add({
    method: 'GET', url: '/v1/invitations', tags: ['identity'], scope: 'admin', summary: 'Invitations of this workspace', response: z.array(invitationSchema),
    handler: async ({ principal }) => ({ data: await d.members.listInvitations(principal) }),
  });
  r.add({
    method: 'DELETE', url: '/v1/invitations/:id', tags: ['identity'], scope: 'admin', summary: 'Revoke a pending invitation',
    params: idParam, response: z.object({ revoked: z.literal(true) }),
    handler: async ({ principal, params }) => {
      await d.members.revokeInvitation(principal, params.id);
      return { data: { revoked: true as const } };
    },
  });
  r.add({
    method: 'POST', url: '/v1/invitations/accept', tags: ['identity'], scope: null, ipLimited: true,
    summary: 'Accept an invitation (new people choose a name and password; existing users give theirs)',
    body: z.strictObject({ token: z.string().min(10).max(200), name: personName.optional(), password: z.string().max(256), totp_code: z.string().max(20).optional() }),
    // `token` is null for integration members: they are API-only (keys), never a session.
    response: z.object({ token: z.string().nullable(), user: z.object({ id: z.string(), email: z.string(), name: z.string() }), tenant: z.object({ id: z.string(), name: z.string(), plan: z.string() }), role: roleSchema }),
    handler: async ({ body, reply }) => {
      const g = await d.members.accept(body);
      if (g.role === 'integration') {
        await d.db.tenantTx(g.tenant.id, (tx) => tx.updateTable('auth_tokens').set({ revoked_at: sql`now()` }).where('id', '=', g.tokenId).execute());
        return { data: { token: null, user: g.user, tenant: g.tenant, role: g.role } };
      }
      // A browser accepting the link is signed in like after login: the HttpOnly session
      // cookie and the CSRF cookie (the web app cannot set an HttpOnly cookie itself).
      setSessionCookies(reply, g.token, SESSION_TTL_SECONDS, d.secureCookies);
      return { data: { token: g.token, user: g.user, tenant: g.tenant, role: g.role } };
    },
  });

  r.add({
    method: 'GET', url: '/v1/api-keys', tags: ['identity'], scope: 'admin', summary: 'API keys (never the secrets)', response: z.array(apiKeySchema),
    handler: async ({ principal }) => ({ data: await d.apiKeys.list(principal) }),
  });
  r.add({
    method: 'POST', url: '/v1/api-keys', tags: ['identity'], scope: 'admin', successStatus: 201,
    summary: 'Create a scoped API key; the key is returned this once (2FA step-up)',
    body: z.strictObject({
      name: z.string().trim().min(1).max(100),
      scopes: z.array(z.string().regex(SCOPE_PATTERN, 'read|write|admin, optionally as <module>:<scope>')).min(1).max(20),
      expires_in_days: z.number().int().min(1).max(3650).optional(),
    }),
    response: apiKeySchema.extend({ key: z.string() }),
    handler: async ({ principal, body }) => {
      assertCan(principal.role as Role, 'api_keys.create');
      await d.totp.requireFreshStepUp(principal);
      return { data: await d.apiKeys.create(principal, body) };
    },
  });
  r.add({
    method: 'DELETE', url: '/v1/api-keys/:id', tags: ['identity'], scope: 'admin', summary: 'Revoke an API key', params: idParam,
    response: z.object({ revoked: z.literal(true) }),
    handler: async ({ principal, params }) => {
      await d.apiKeys.revoke(principal, params.id);
      return { data: { revoked: true as const } };
    },
  });

  r.add({
    method: 'GET', url: '/v1/tenant', tags: ['identity'], scope: 'read', summary: 'This workspace', response: tenantSchema,
    handler: async ({ principal }) => {
      const t = await d.db.tenantTx(principal.tenantId, (tx) => tx.selectFrom('tenants').select(['id', 'name', 'plan', 'created_at']).executeTakeFirstOrThrow());
      return { data: { ...t, created_at: t.created_at.toISOString() } };
    },
  });
  r.add({
    method: 'PATCH', url: '/v1/tenant', tags: ['identity'], scope: 'admin', summary: 'Rename the workspace (owner or admin; 2FA step-up). The plan is changed by a platform operator.',
    body: z
      .strictObject({ name: z.string().trim().min(1).max(120).optional(), plan: planSchema.optional(), ...whyField })
      .refine((b) => b.name !== undefined || b.plan !== undefined, { message: 'give at least one of name or plan' }),
    response: tenantSchema,
    handler: async ({ principal, body }) => {
      // A plan sets the rate limit and, later, what is billed: the workspace cannot choose its own.
      if (body.plan !== undefined) throw errors.forbidden('The plan is changed by a platform operator (or billing), not by the workspace.', [{ path: 'body.plan', message: 'not changeable here' }]);
      assertCan(principal.role as Role, 'tenant.update');
      await d.totp.requireFreshStepUp(principal);
      const t = await changeTenant(principal, principal.tenantId, { name: body.name }, body.why);
      return { data: t };
    },
  });
  r.add({
    method: 'PUT', url: '/v1/platform/tenants/:id/plan', tags: ['platform'], scope: 'admin',
    summary: 'Platform operators: set a workspace’s plan (its rate limit); recorded in that workspace’s ledger',
    params: idParam, body: z.strictObject({ plan: planSchema, ...whyField }), response: tenantSchema,
    handler: async ({ principal, params, body }) => {
      if (principal.platformRole !== 'operator') throw errors.forbidden('Only platform operators can change a plan.');
      await d.totp.requireFreshStepUp(principal);
      return { data: await changeTenant(principal, params.id, { plan: body.plan }, body.why) };
    },
  });

  /** One tenant row change and its diff; the operator's change of another workspace needs the platform transaction. */
  async function changeTenant(principal: Principal, tenantId: string, patch: { name?: string; plan?: Plan }, why: string | undefined) {
    const set = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as { name?: string; plan?: Plan };
    const source = { ...actingAs(principal), tenantId };
    const open = tenantId === principal.tenantId ? inTenant : inPlatformFor;
    const t = await open(d.db, source, async (ctx) => {
      const before = await ctx.tx.selectFrom('tenants').select(['name', 'plan']).where('id', '=', tenantId).forUpdate().executeTakeFirst();
      if (!before) throw errors.notFound('Workspace');
      const after = await ctx.tx.updateTable('tenants').set(set).where('id', '=', tenantId).returning(['id', 'name', 'plan', 'created_at']).executeTakeFirstOrThrow();
      await d.ledger.record(ctx, {
        namespace: 'identity', entityType: 'tenant', entityId: tenantId, event: 'tenant.updated',
        before: Object.fromEntries(Object.keys(set).map((k) => [k, before[k as keyof typeof before]])), after: set, why,
      });
      return after;
    });
    d.onTenantChanged();
    return { ...t, created_at: t.created_at.toISOString() };
  }

  r.add({
    method: 'GET', url: '/v1/platform/metrics', tags: ['platform'], scope: 'read',
    summary: 'Platform operators: aggregate, anonymised counts across tenants (never tenant content)',
    response: z.object({ tenants: z.record(z.string(), z.number()), users: z.number(), diffs_last_24h: z.number(), diffs_total: z.number() }),
    handler: async ({ principal }) => {
      if (principal.platformRole !== 'operator') throw errors.forbidden('Only platform operators can see this.');
      // system: operator metrics are aggregates over every tenant (counts only, never tenant content).
      const data = await d.db.systemTx(async (tx) => {
        const plans = await tx.selectFrom('tenants').select(['plan', sql<number>`count(*)::int`.as('n')]).groupBy('plan').execute();
        const users = await tx.selectFrom('users').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
        const diffs = await d.ledger.diffCounts(tx);
        return { tenants: Object.fromEntries(plans.map((p) => [p.plan, p.n])), users: users.n, diffs_last_24h: diffs.last24h, diffs_total: diffs.total };
      });
      return { data };
    },
  });
}
