// Sign-up, log-in and log-out. Every outcome that matters is a diff in namespace
// `identity` — never with a password, hash or token in it. None of it is a command: a session
// beginning or ending is no change to the workspace a person could approve later, so their
// transactions say `holdable: false` (a rule's guard still applies; sign-up is the system's).
// The workspace's own changes (members, keys, its name) are identity's commands (commands.ts).
import { actingAs, inPlatformFor, inTenant, SYSTEM_ACTOR, type Principal } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import { AppError, declareUniqueViolation, errors } from '../../platform/errors.js';
import type { Ledger } from '../ledger/index.js';
import { accountKey, ipKey, LoginGuard } from './guard.js';
import { assertStrongPassword, hashPassword, verifyPassword } from './passwords.js';
import type { Plan, Role } from './schema.js';
import { createTenantWithOwner } from './tenants.js';
import { ALL_SCOPES, issueToken } from './tokens.js';
import type { TotpService } from './totp.js';

export const SESSION_TTL_SECONDS = 14 * 24 * 3600;

export type SessionGrant = {
  token: string;
  tokenId: string;
  user: { id: string; email: string; name: string };
  tenant: { id: string; name: string; plan: string };
  role: Role;
};

export type LoginInput = { email: string; password: string; totp_code?: string; tenant_id?: string };

const INVALID = () => new AppError('INVALID_CREDENTIALS', 401, 'The email or password is not right.');

export type Workspace = { tenant_id: string; role: Role; name: string; plan: Plan };

/** The user's memberships, oldest first, with what a session grant shows of each tenant. */
export function workspacesOf(db: Db, userId: string): Promise<Workspace[]> {
  // system: a user's memberships span tenants, and this is read at sign-in, to choose the tenant.
  return db.systemTx((tx) =>
    tx
      .selectFrom('memberships as m')
      .innerJoin('tenants as t', 't.id', 'm.tenant_id')
      .select(['m.tenant_id', 'm.role', 't.name', 't.plan'])
      .where('m.user_id', '=', userId)
      .orderBy('m.created_at')
      .execute(),
  );
}

/** Issues a session in one workspace and records `session.created`; shared by password and OIDC sign-in. */
export function openSession(
  db: Db,
  ledger: Ledger,
  user: { id: string; email: string; name: string },
  ws: Workspace,
  how: { method: 'password' | 'oidc'; twoFactor: boolean; ip: string },
): Promise<SessionGrant> {
  return inTenant(db, { tenantId: ws.tenant_id, actor: { type: 'user', id: user.id }, holdable: false }, async (ctx) => {
    const session = await issueToken(ctx.tx, {
      tenantId: ws.tenant_id, userId: user.id, kind: 'session', scopes: ALL_SCOPES,
      ttlSeconds: SESSION_TTL_SECONDS, stepUp: how.twoFactor,
    });
    await ledger.record(ctx, {
      namespace: 'identity', entityType: 'session', entityId: session.id, event: 'session.created',
      after: { user_id: user.id, method: how.method, two_factor: how.twoFactor }, metadata: { ip: how.ip },
    });
    return {
      token: session.token, tokenId: session.id,
      user: { id: user.id, email: user.email, name: user.name },
      tenant: { id: ws.tenant_id, name: ws.name, plan: ws.plan },
      role: ws.role,
    };
  });
}

// Two sign-ups (or invitation acceptances) with one email can both pass the check above their
// insert; the loser hits the constraint and must hear what a sequential request hears.
declareUniqueViolation('users_email_key', 'EMAIL_TAKEN', 'An account with this email exists; log in or ask for an invitation.');
declareUniqueViolation('memberships_pkey', 'ALREADY_MEMBER', 'This person is already a member.');

export function createAccounts(deps: { db: Db; ledger: Ledger; totp: TotpService }) {
  const { db, ledger, totp } = deps;
  const guard = new LoginGuard(db);

  async function signup(input: { organization: string; name: string; email: string; password: string }): Promise<SessionGrant> {
    const email = input.email.trim().toLowerCase();
    await assertStrongPassword(input.password, [email, input.name, input.organization]);
    // system: users are global rows (atrium_app sees only its own tenant's people): the email
    // must be free in every tenant, and sign-up has no tenant yet.
    const taken = await db.systemTx((tx) => tx.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst());
    if (taken) throw errors.conflict('EMAIL_TAKEN', 'An account with this email exists; log in or ask for an invitation.');
    const created = await createTenantWithOwner(db, ledger, {
      name: input.organization,
      owner: { email, name: input.name, passwordHash: await hashPassword(input.password) },
    });
    return {
      token: created.token,
      tokenId: created.tokenId,
      user: { id: created.userId, email, name: input.name },
      tenant: { id: created.tenantId, name: input.organization, plan: 'free' },
      role: 'owner',
    };
  }

  /** Records a burst of failures (the moment a lockout starts) in every tenant of the account. */
  async function recordLockout(userId: string, failures: number, seconds: number, ip: string): Promise<void> {
    // system: a failed sign-in has no tenant, and the locked account may belong to several: the
    // lockout is recorded in each of them.
    const tenants = await db.systemTx((tx) => tx.selectFrom('memberships').select('tenant_id').where('user_id', '=', userId).execute());
    for (const { tenant_id } of tenants) {
      await inPlatformFor(db, { tenantId: tenant_id, actor: SYSTEM_ACTOR }, (ctx) =>
        ledger.record(ctx, {
          namespace: 'identity', entityType: 'user', entityId: userId, event: 'user.login_locked',
          after: { failures, locked_seconds: seconds }, metadata: { ip },
          why: `${failures} failed sign-in attempts in a row`,
        }),
      );
    }
  }

  async function login(input: LoginInput, ip: string): Promise<SessionGrant> {
    const email = input.email.trim().toLowerCase();
    const keys = [accountKey(email), ipKey(ip)];
    await guard.assertNotLocked(keys);
    // system: sign-in finds a global user by email, with password_hash (which atrium_app may not
    // read), before any tenant is known.
    const user = await db.systemTx((tx) =>
      tx.selectFrom('users').select(['id', 'email', 'name', 'password_hash']).where('email', '=', email).executeTakeFirst(),
    );
    const ok = await verifyPassword(user?.password_hash ?? null, input.password);
    const fail = async (err: AppError): Promise<never> => {
      const outcomes = await guard.recordFailure(keys);
      const acct = outcomes.get(keys[0]!);
      if (user && acct && acct.lockedForSeconds > 0 && acct.failures === 5) await recordLockout(user.id, acct.failures, acct.lockedForSeconds, ip);
      throw err;
    };
    if (!user || !ok) return fail(INVALID());

    const memberships = await workspacesOf(db, user.id);
    const membership = input.tenant_id ? memberships.find((m) => m.tenant_id === input.tenant_id) : memberships.find((m) => m.role !== 'integration');
    if (!membership) throw errors.forbidden('This account has no workspace it can sign in to.');
    if (membership.role === 'integration') throw errors.forbidden('Integration members use API keys; they cannot sign in.');

    const secondFactor = await totp.checkAtLogin(user.id, input.totp_code);
    if (secondFactor === 'missing') throw new AppError('TOTP_REQUIRED', 401, 'Enter the code from your authenticator app.');
    if (secondFactor === 'invalid') return fail(new AppError('INVALID_TOTP', 401, 'That code is not valid (or was already used).'));

    await guard.clear(keys[0]!);
    return openSession(db, ledger, user, membership, { method: 'password', twoFactor: secondFactor === 'ok', ip });
  }

  async function logout(tenantId: string, userId: string | null, tokenId: string): Promise<void> {
    await inTenant(db, { tenantId, actor: userId ? { type: 'user', id: userId } : { type: 'api_key', id: tokenId }, holdable: false }, async (ctx) => {
      await ctx.tx.updateTable('auth_tokens').set({ revoked_at: new Date() }).where('id', '=', tokenId).where('kind', '=', 'session').execute();
      await ledger.record(ctx, { namespace: 'identity', entityType: 'session', entityId: tokenId, event: 'session.revoked', after: { reason: 'logout' } });
    });
  }

  /** 2FA turned on or off (already done, per user, when this records it): a fact to record, nothing to hold. */
  async function recordTwoFactor(p: Principal, event: 'user.totp_enabled' | 'user.totp_disabled'): Promise<void> {
    await inTenant(db, { ...actingAs(p), holdable: false }, (ctx) =>
      ledger.record(ctx, { namespace: 'identity', entityType: 'user', entityId: p.userId!, event, after: { totp_enabled: event === 'user.totp_enabled' } }),
    );
  }

  return { signup, login, logout, recordTwoFactor };
}

export type Accounts = ReturnType<typeof createAccounts>;
