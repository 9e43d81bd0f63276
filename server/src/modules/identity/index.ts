// Identity: tenants, people, memberships and roles, sessions (bearer or cookie + CSRF),
// passwords, OIDC sign-in, TOTP 2FA with step-up, invitations, scoped API keys, brute-force lockout.
// Other modules use `authenticate` (through the HTTP platform) and nothing else.
import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { AtriumConfig } from '../../platform/config.js';
import { IDENTITY_CONFIG } from './config.js';
import type { Principal } from '../../platform/context.js';
import type { Db, Tx } from '../../platform/db/index.js';
import type { RouteRegistry } from '../../platform/http/route.js';
import type { Mailer } from '../../platform/mail.js';
import { loadSecretBox, type SecretBox } from '../../platform/secrets.js';
import type { Ledger } from '../ledger/index.js';
import { createAccounts } from './account.js';
import { createApiKeys } from './api-keys.js';
import { registerIdentityCommands } from './commands.js';
import type { CommandRegistry } from '../../platform/commands.js';
import { assertCsrf, sessionCookie } from './cookies.js';
import { createStreamTickets } from './stream-tickets.js';
import { createMembers } from './members.js';
import { createOidc } from './oidc.js';
import { registerAuthRoutes } from './routes-auth.js';
import { registerMemberRoutes } from './routes-members.js';
import { registerOidcRoutes } from './routes-oidc.js';
import { createTenantWithOwner, type CreatedTenant, type NewTenant } from './tenants.js';
import { issueToken, TokenResolver, type IssueTokenInput } from './tokens.js';
import { createTotp } from './totp.js';
import type { Role } from './schema.js';
import { defineModule } from '../../platform/module.js';
import { IDENTITY_EVENTS } from './events.js';
// Its tables (schema.ts adds them to the one Database type): exported so any program that uses the module sees them.
export type { IdentityTables } from './schema.js';

export type { CreatedTenant, NewTenant };
export type DirectoryEntry = { user_id: string; name: string; email: string; role: Role };
import { IDENTITY_PERMISSIONS } from './permissions.js';
export { ROLE_SCOPES, IDENTITY_PERMISSIONS } from './permissions.js';
export type { IdentityConfig } from './config.js';
/** For callers that create an owner themselves (the demo seed): the hash `createTenantWithOwner` takes. */
export { hashPassword } from './passwords.js';
/**
 * Requests per minute by plan, for each person (or API key) and for the workspace as a whole
 * (docs/rate-limits.md). A person's own cap is several screen loads a minute, so one person
 * reloading cannot use up what their colleagues share.
 */
export const PLAN_LIMITS_PER_MINUTE: Record<string, { person: number; workspace: number }> = {
  free: { person: 120, workspace: 600 },
  pro: { person: 300, workspace: 3000 },
  enterprise: { person: 2000, workspace: 20000 },
};

export type IdentityDeps = {
  db: Db;
  ledger: Ledger;
  mailer: Mailer;
  log: Logger;
  /** Where identity's commands are registered; identity also gives it the 2FA step-up check. */
  commands: CommandRegistry;
  config: Pick<AtriumConfig, 'secretKey' | 'publicUrl' | 'port' | 'oidc'>;
};

export function createIdentity({ db, ledger, mailer, log, config, commands }: IdentityDeps) {
  const tokens = new TokenResolver(db);
  let box: SecretBox | null = null;
  const secrets = (): SecretBox => {
    if (!box) throw new Error('identity not started');
    return box;
  };
  const publicUrl = config.publicUrl ?? `http://localhost:${config.port}`;
  const totp = createTotp(db, secrets);
  const accounts = createAccounts({ db, ledger, totp });
  const members = createMembers({ db, ledger, mailer, publicUrl, onAccessChanged: () => tokens.forget('all'), secondFactor: (userId, code) => totp.checkAtLogin(userId, code) });
  const apiKeys = createApiKeys({ db, ledger, onRevoked: (id) => tokens.forget([id]) });
  const streamTickets = createStreamTickets(db, tokens);
  const oidc = config.oidc ? createOidc({ db, ledger, members, log, settings: config.oidc, publicUrl }) : null;
  commands.useStepUp((p) => totp.requireFreshStepUp(p));
  registerIdentityCommands(commands, { ledger, members, apiKeys, onTenantChanged: () => tokens.forget('all') });

  return {
    async start(): Promise<void> {
      box = await loadSecretBox(db, config.secretKey, log);
    },
    secrets,

    /**
     * The caller of a request: `Authorization: Bearer` (session token or API key), else the
     * session cookie — which, on unsafe methods of protected routes, needs the CSRF header.
     */
    async authenticate(req: FastifyRequest, opts: { required: boolean }): Promise<Principal | null> {
      const header = req.headers.authorization;
      if (header?.startsWith('Bearer ')) return tokens.resolve(header.slice(7).trim());
      const cookie = sessionCookie(req);
      if (cookie) {
        const principal = await tokens.resolve(cookie);
        if (principal && opts.required) assertCsrf(req, cookie);
        return principal;
      }
      if (req.method === 'GET') {
        // EventSource cannot set headers: a one-time stream ticket may come in the query
        // (never a session token: URLs end up in logs and history).
        const q = (req.query as Record<string, unknown> | undefined)?.['ticket'];
        if (typeof q === 'string') return streamTickets.redeem(q);
      }
      return null;
    },

    /** The tenant's people, for other modules (assignees, workload), inside their transaction. */
    async directory(tx: Tx): Promise<DirectoryEntry[]> {
      const rows = await tx
        .selectFrom('memberships as m')
        .innerJoin('users as u', 'u.id', 'm.user_id')
        .select(['m.user_id', 'm.role', 'u.name', 'u.email'])
        .orderBy('u.name')
        .execute();
      return rows.map((r) => ({ user_id: r.user_id, name: r.name, email: r.email, role: r.role }));
    },
    async isMember(tx: Tx, userId: string): Promise<boolean> {
      return !!(await tx.selectFrom('memberships').select('user_id').where('user_id', '=', userId).executeTakeFirst());
    },

    /** Sensitive decisions (approvals): a user with 2FA must have confirmed a code in the last 10 minutes. */
    requireFreshStepUp: (p: Principal) => totp.requireFreshStepUp(p),
    createTenantWithOwner: (input: NewTenant): Promise<CreatedTenant> => createTenantWithOwner(db, ledger, input),
    issueToken: (input: IssueTokenInput) => db.tenantTx(input.tenantId, (tx) => issueToken(tx, input)),
    /** The demo workspace (at most one), with its owner. */
    async demoTenant(): Promise<{ tenantId: string; name: string; ownerId: string } | null> {
      // system: the demo workspace is found by its flag, so its tenant is not known before this read.
      return db.systemTx(async (tx) => {
        const row = await tx.selectFrom('tenants').select(['id', 'name']).where('is_demo', '=', true).executeTakeFirst();
        if (!row) return null;
        const owner = await tx.selectFrom('memberships').select('user_id').where('tenant_id', '=', row.id).where('role', '=', 'owner')
          .orderBy('created_at').executeTakeFirstOrThrow();
        return { tenantId: row.id, name: row.name, ownerId: owner.user_id };
      });
    },
    /**
     * Makes a user a platform operator, or no longer one (`atrium operator grant|revoke`).
     * False when no user has this email.
     */
    async setPlatformRole(email: string, role: 'operator' | null): Promise<boolean> {
      // system: platform_role is on the global users row, which atrium_app may not update — a
      // platform-wide grant, not a tenant's.
      const updated = await db.systemTx((tx) =>
        tx.updateTable('users').set({ platform_role: role }).where('email', '=', email.trim().toLowerCase()).executeTakeFirst(),
      );
      tokens.forget('all');
      return Number(updated.numUpdatedRows) === 1;
    },

    registerRoutes(registry: RouteRegistry): void {
      registerAuthRoutes(registry, { db, accounts, totp, streamTickets, secureCookies: publicUrl.startsWith('https:'), forget: (id) => tokens.forget([id]), profile: (id) => tokens.profile(id) });
      registerMemberRoutes(registry, { db, ledger, members, apiKeys, totp, commands, secureCookies: publicUrl.startsWith('https:'), onTenantChanged: () => tokens.forget('all') });
      registerOidcRoutes(registry, { oidc, secureCookies: publicUrl.startsWith('https:') });
    },
  };
}

export type Identity = ReturnType<typeof createIdentity>;

export const IDENTITY_ERRORS = {
  INVALID_CREDENTIALS: 'Wrong email or password (the same answer for an unknown email).',
  TOTP_REQUIRED: 'Two-factor authentication is on: send totp_code.',
  INVALID_TOTP: 'The TOTP or recovery code is wrong or was already used.',
  TOTP_ALREADY_ENABLED: '2FA is already on.',
  TOTP_NOT_ENABLED: '2FA is not on.',
  TOTP_NOT_STARTED: '2FA setup was not started.',
  EMAIL_TAKEN: 'An account with this email exists.',
  ALREADY_MEMBER: 'The person is already a member.',
  INVITATION_INVALID: 'The invitation does not exist, was used, revoked or expired.',
  LAST_OWNER: 'The last owner cannot be demoted or removed.',
  OIDC_STATE_INVALID: 'The OIDC sign-in state is unknown, expired or was already used.',
  OIDC_EMAIL_UNVERIFIED: 'The identity provider did not confirm the email.',
  OIDC_NO_ACCOUNT: 'No account or invitation matches this email.',
  OIDC_DENIED: 'The identity provider refused the sign-in.',
  OIDC_FAILED: 'The identity provider’s answer could not be verified.',
  OIDC_UNAVAILABLE: 'The identity provider cannot be reached.',
} as const;

export const identityModule = defineModule({
  id: 'identity', namespace: 'identity', deps: ['ledger'],
  tables: ['tenants', 'users', 'memberships', 'auth_tokens', 'stream_tickets', 'user_totp', 'recovery_codes', 'invitations', 'auth_failures', 'oidc_login_states'],
  errors: IDENTITY_ERRORS, events: IDENTITY_EVENTS, config: IDENTITY_CONFIG, permissions: IDENTITY_PERMISSIONS,
  create: (p, { ledger }: { ledger: Ledger }) => createIdentity({ db: p.db, ledger, mailer: p.mailer, log: p.log, config: p.config, commands: p.commands }),
});
