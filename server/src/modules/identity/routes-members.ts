// Members and invitations, API keys, tenant settings, and the platform operator's view. The
// workspace's changes run as identity's commands (commands.ts), so a require_approval rule
// holds them as commands; accepting an invitation and the operator's plan change stay routes
// (see each).
import { sql } from 'kysely';
import { z } from 'zod';
import { actingAs, inPlatformFor, inTenant } from '../../platform/context.js';
import type { CommandRegistry } from '../../platform/commands.js';
import type { Db } from '../../platform/db/index.js';
import { errors } from '../../platform/errors.js';
import type { RouteRegistry } from '../../platform/http/route.js';
import type { Ledger } from '../ledger/index.js';
import type { createApiKeys } from './api-keys.js';
import type { Members } from './members.js';
import { SESSION_TTL_SECONDS } from './account.js';
import { apiKeyInput, IDENTITY_COMMANDS, inviteInput } from './commands.js';
import { setSessionCookies } from './cookies.js';
import { assertCan } from './permissions.js';
import type { Role } from './schema.js';
import { apiKeySchema, idParam, invitationSchema, memberSchema, personName, roleSchema, whyField } from './schemas.js';
import { updateTenantRow, type TenantView } from './tenants.js';
import type { TotpService } from './totp.js';

export type MemberRouteDeps = {
  db: Db;
  ledger: Ledger;
  members: Members;
  apiKeys: ReturnType<typeof createApiKeys>;
  commands: CommandRegistry;
  /** The operator's plan change needs a fresh 2FA code (the workspace's changes: their commands ask). */
  totp: Pick<TotpService, 'requireFreshStepUp'>;
  /** Session cookies only over HTTPS (as for login and sign-up). */
  secureCookies: boolean;
  /** Name or plan changed: cached principals and profiles are stale. */
  onTenantChanged: () => void;
};

const planSchema = z.enum(['free', 'pro', 'enterprise']);
const tenantSchema = z.object({ id: z.string(), name: z.string(), plan: planSchema, created_at: z.string() });
const inviteAnswer = z.object({ invitation: invitationSchema, email_sent: z.boolean(), accept_url: z.string().optional(), token: z.string().optional() });

export function registerMemberRoutes(r: RouteRegistry, d: MemberRouteDeps): void {
  const c = IDENTITY_COMMANDS;
  r.add({
    method: 'GET', url: '/v1/members', tags: ['identity'], scope: 'read', summary: 'Members of this workspace', response: z.array(memberSchema),
    handler: async ({ principal }) => ({ data: await d.members.list(principal) }),
  });
  r.add({
    method: 'POST', url: '/v1/members', tags: ['identity'], scope: 'admin', successStatus: 201,
    summary: 'Invite someone by email (the link is emailed when SMTP is set, otherwise returned once)',
    body: inviteInput, response: inviteAnswer,
    handler: async ({ principal, body, requestId }) => ({ data: await d.commands.execute<z.input<typeof inviteAnswer>>(principal, c.inviteMember, body, { requestId }) }),
  });
  r.add({
    method: 'PATCH', url: '/v1/members/:id', tags: ['identity'], scope: 'admin', summary: 'Change a member’s role (2FA step-up)',
    params: idParam, body: z.strictObject({ role: roleSchema, ...whyField }), response: z.object({ user_id: z.string(), role: roleSchema }),
    handler: async ({ principal, params, body, requestId }) => {
      assertCan(principal.role as Role, 'members.change_role'); // a role that may not refuses before a 2FA prompt
      return { data: await d.commands.execute<{ user_id: string; role: Role }>(principal, c.changeMemberRole, { ...body, user_id: params.id }, { requestId }) };
    },
  });
  r.add({
    method: 'DELETE', url: '/v1/members/:id', tags: ['identity'], scope: 'admin', summary: 'Remove a member (their sessions end)',
    params: idParam, query: z.strictObject(whyField), response: z.object({ removed: z.literal(true) }),
    handler: async ({ principal, params, query, requestId }) => ({ data: await d.commands.execute<{ removed: true }>(principal, c.removeMember, { user_id: params.id, why: query.why }, { requestId }) }),
  });
  r.add({
    method: 'GET', url: '/v1/invitations', tags: ['identity'], scope: 'admin', summary: 'Invitations of this workspace', response: z.array(invitationSchema),
    handler: async ({ principal }) => ({ data: await d.members.listInvitations(principal) }),
  });
  r.add({
    method: 'DELETE', url: '/v1/invitations/:id', tags: ['identity'], scope: 'admin', summary: 'Revoke a pending invitation',
    params: idParam, response: z.object({ revoked: z.literal(true) }),
    handler: async ({ principal, params, requestId }) => ({ data: await d.commands.execute<{ revoked: true }>(principal, c.revokeInvitation, { id: params.id }, { requestId }) }),
  });
  r.add({
    // The token in the body, never in a URL (logs, history); limited per IP like accepting.
    method: 'POST', url: '/v1/invitations/preview', tags: ['identity'], scope: null, ipLimited: true,
    summary: 'Before accepting: the workspace an invitation is for, and who sent it',
    body: z.strictObject({ token: z.string().min(10).max(200) }),
    response: z.object({ tenant: z.object({ name: z.string() }), invited_by: z.object({ name: z.string() }).nullable(), email: z.string(), role: roleSchema }),
    handler: async ({ body }) => ({ data: await d.members.preview(body.token) }),
  });

  r.add({
    // A route, not a command: the token is the credential of someone who is no member yet and
    // has no session to wait in; the invitation was the change a rule could hold (members.claim).
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
    body: apiKeyInput,
    response: apiKeySchema.extend({ key: z.string() }),
    handler: async ({ principal, body, requestId }) => {
      assertCan(principal.role as Role, 'api_keys.create'); // a role that may not refuses before a 2FA prompt
      return { data: await d.commands.execute<z.input<typeof apiKeySchema> & { key: string }>(principal, c.createApiKey, body, { requestId }) };
    },
  });
  r.add({
    method: 'DELETE', url: '/v1/api-keys/:id', tags: ['identity'], scope: 'admin', summary: 'Revoke an API key', params: idParam,
    response: z.object({ revoked: z.literal(true) }),
    handler: async ({ principal, params, requestId }) => ({ data: await d.commands.execute<{ revoked: true }>(principal, c.revokeApiKey, { id: params.id }, { requestId }) }),
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
    handler: async ({ principal, body, requestId }) => {
      // A plan sets the rate limit and, later, what is billed: the workspace cannot choose its own.
      if (body.plan !== undefined) throw errors.forbidden('The plan is changed by a platform operator (or billing), not by the workspace.', [{ path: 'body.plan', message: 'not changeable here' }]);
      assertCan(principal.role as Role, 'tenant.update'); // a role that may not refuses before a 2FA prompt
      return { data: await d.commands.execute<TenantView>(principal, c.updateTenant, { name: body.name, why: body.why }, { requestId }) };
    },
  });
  r.add({
    method: 'PUT', url: '/v1/platform/tenants/:id/plan', tags: ['platform'], scope: 'admin',
    summary: 'Platform operators: set a workspace’s plan (its rate limit); recorded in that workspace’s ledger',
    params: idParam, body: z.strictObject({ plan: planSchema, ...whyField }), response: tenantSchema,
    handler: async ({ principal, params, body }) => {
      if (principal.platformRole !== 'operator') throw errors.forbidden('Only platform operators can change a plan.');
      await d.totp.requireFreshStepUp(principal);
      // A route, not a command: a platform decision about a workspace (perhaps not the operator's
      // own), which that workspace's rules do not govern — so they do not hold it (holdable: false).
      const source = { ...actingAs(principal), tenantId: params.id, holdable: false as const };
      const open = params.id === principal.tenantId ? inTenant : inPlatformFor;
      const t = await open(d.db, source, (ctx) => updateTenantRow(ctx, d.ledger, params.id, { plan: body.plan }, body.why));
      d.onTenantChanged();
      return { data: t };
    },
  });

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
