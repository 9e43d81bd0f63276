// Sign-up, log-in/out, the current caller, 2FA enrolment and step-up. These stay routes, not
// commands: each is about a session (opening, ending, proving it is you), not a change to the
// workspace a rule could hold for someone to approve later — there would be no session left
// to apply it to. What they record is written `holdable: false` (account.ts).
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { Principal } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import { errors } from '../../platform/errors.js';
import type { RouteRegistry } from '../../platform/http/route.js';
import type { Accounts, SessionGrant } from './account.js';
import { SESSION_TTL_SECONDS } from './account.js';
import { clearSessionCookies, setSessionCookies } from './cookies.js';
import { emailSchema, meSchema, personName, sessionSchema, totpCode } from './schemas.js';
import type { TotpService } from './totp.js';
import type { Profile } from './tokens.js';
import { STREAM_TICKET_TTL_SECONDS, type StreamTickets } from './stream-tickets.js';

export type AuthRouteDeps = {
  db: Db;
  accounts: Accounts;
  totp: TotpService;
  secureCookies: boolean;
  forget: (tokenId: string) => void;
  profile: (tokenId: string) => Profile | null;
  streamTickets: Pick<StreamTickets, 'issue'>;
};

const sessionOnly = (p: Principal): string => {
  if (p.kind !== 'session' || !p.userId) throw errors.forbidden('This needs a signed-in person, not an API key.');
  return p.userId;
};

async function loadProfile(d: AuthRouteDeps, p: Principal): Promise<Profile> {
  return d.db.tenantTx(p.tenantId, async (tx) => {
    const tenant = await tx.selectFrom('tenants').select(['id', 'name', 'plan']).executeTakeFirstOrThrow();
    const user = p.userId ? await tx.selectFrom('users').select(['id', 'email', 'name']).where('id', '=', p.userId).executeTakeFirst() : undefined;
    return { tenant, user: user ? { ...user, totp_enabled: await d.totp.isEnabled(user.id) } : null };
  });
}

export function registerAuthRoutes(r: RouteRegistry, d: AuthRouteDeps): void {
  const grant = (reply: FastifyReply, g: SessionGrant) => {
    const csrf = setSessionCookies(reply, g.token, SESSION_TTL_SECONDS, d.secureCookies);
    return { token: g.token, csrf_token: csrf, user: g.user, tenant: g.tenant, role: g.role };
  };

  r.add({
    method: 'POST', url: '/v1/auth/signup', tags: ['identity'], scope: null, ipLimited: true, successStatus: 201,
    summary: 'Create an organization (tenant) and its owner; returns a session',
    body: z.strictObject({ organization: z.string().trim().min(1).max(120), name: personName, email: emailSchema, password: z.string().max(256) }),
    response: sessionSchema,
    handler: async ({ body, reply }) => ({ data: grant(reply, await d.accounts.signup(body)) }),
  });

  r.add({
    method: 'POST', url: '/v1/auth/login', tags: ['identity'], scope: null, ipLimited: true,
    summary: 'Log in with email + password (+ TOTP code when 2FA is on)',
    body: z.strictObject({ email: emailSchema, password: z.string().max(256), totp_code: totpCode.optional(), tenant_id: z.string().max(60).optional() }),
    response: sessionSchema,
    handler: async ({ body, req, reply }) => ({ data: grant(reply, await d.accounts.login(body, req.ip)) }),
  });

  r.add({
    method: 'POST', url: '/v1/auth/logout', tags: ['identity'], scope: 'read', summary: 'End this session',
    response: z.object({ logged_out: z.boolean() }),
    handler: async ({ principal, reply }) => {
      if (principal.kind === 'session') await d.accounts.logout(principal.tenantId, principal.userId, principal.tokenId);
      d.forget(principal.tokenId);
      clearSessionCookies(reply);
      return { data: { logged_out: principal.kind === 'session' } };
    },
  });

  r.add({
    method: 'GET', url: '/v1/me', tags: ['identity'], scope: 'read', summary: 'The current user, tenant, role and plan',
    response: meSchema,
    handler: async ({ principal: p }) => {
      // Resolved with the token moments ago (cached ≤ 5 s, cleared when it changes here).
      const profile = d.profile(p.tokenId) ?? (await loadProfile(d, p));
      return {
        data: {
          user: profile.user,
          tenant: profile.tenant,
          role: (p.role as z.infer<typeof meSchema>['role']) ?? null,
          scopes: [...p.scopes],
          auth: { kind: p.kind, token_id: p.tokenId, step_up_at: p.stepUpAt?.toISOString() ?? null },
          platform_role: p.platformRole,
        },
      };
    },
  });

  r.add({
    method: 'POST', url: '/v1/auth/totp/setup', tags: ['identity'], scope: 'read', summary: 'Start 2FA enrolment: otpauth URI and QR code',
    response: z.object({ secret: z.string(), otpauth_uri: z.string(), qr_svg: z.string(), qr_data_url: z.string() }),
    handler: async ({ principal }) => {
      const userId = sessionOnly(principal);
      const user = await d.db.tenantTx(principal.tenantId, (tx) => tx.selectFrom('users').select('email').where('id', '=', userId).executeTakeFirstOrThrow());
      return { data: await d.totp.setup(userId, user.email) };
    },
  });

  r.add({
    method: 'POST', url: '/v1/auth/totp/verify', tags: ['identity'], scope: 'read', summary: 'Confirm 2FA with a first code; returns recovery codes once',
    body: z.strictObject({ code: totpCode }), response: z.object({ enabled: z.literal(true), recovery_codes: z.array(z.string()) }),
    handler: async ({ principal, body }) => {
      const codes = await d.totp.confirm(sessionOnly(principal), body.code);
      await d.accounts.recordTwoFactor(principal, 'user.totp_enabled');
      d.forget(principal.tokenId);
      return { data: { enabled: true as const, recovery_codes: codes } };
    },
  });

  r.add({
    method: 'POST', url: '/v1/auth/totp/disable', tags: ['identity'], scope: 'read', summary: 'Turn 2FA off (needs a code or a recovery code)',
    body: z.strictObject({ code: totpCode }), response: z.object({ enabled: z.literal(false) }),
    handler: async ({ principal, body }) => {
      await d.totp.disable(sessionOnly(principal), body.code);
      d.forget(principal.tokenId);
      await d.accounts.recordTwoFactor(principal, 'user.totp_disabled');
      return { data: { enabled: false as const } };
    },
  });

  r.add({
    method: 'POST', url: '/v1/auth/step-up', tags: ['identity'], scope: 'read', summary: 'Confirm a TOTP code to unlock sensitive actions for 10 minutes',
    body: z.strictObject({ code: totpCode }), response: z.object({ step_up_at: z.string() }),
    handler: async ({ principal, body }) => {
      sessionOnly(principal);
      const at = await d.totp.stepUp(principal, body.code);
      d.forget(principal.tokenId);
      return { data: { step_up_at: at.toISOString() } };
    },
  });

  r.add({
    method: 'POST', url: '/v1/auth/stream-tickets', tags: ['identity'], scope: 'read', successStatus: 201,
    summary: `A one-time ticket for GET /v1/stream?ticket=… (EventSource cannot send headers; tokens never go in URLs); valid ${STREAM_TICKET_TTL_SECONDS} s`,
    response: z.object({ ticket: z.string(), expires_at: z.string() }),
    handler: async ({ principal }) => ({ data: await d.streamTickets.issue(principal) }),
  });
}
