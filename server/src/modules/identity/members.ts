// Members of a tenant: list, invite by email (token link), accept, change role, remove.
// The last owner can never be removed or demoted.
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { inPlatformFor, type Ctx, type Principal } from '../../platform/context.js';
import type { Db, Tx } from '../../platform/db/index.js';
import { AppError, errors } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { Mailer } from '../../platform/mail.js';
import type { Ledger } from '../ledger/index.js';
import type { SessionGrant } from './account.js';
import { SESSION_TTL_SECONDS } from './account.js';
import { assertStrongPassword, hashPassword, verifyPassword } from './passwords.js';
import { assertCan, assertCanAssign, callerRole } from './permissions.js';
import type { Role } from './schema.js';
import { ALL_SCOPES, hashToken, issueToken } from './tokens.js';

const INVITE_TTL_DAYS = 7;

export type MemberView = { id: string; user_id: string; email: string; name: string; role: Role; joined_at: string };
export type InvitationView = { id: string; email: string; role: Role; invited_by: string; expires_at: string; created_at: string; status: 'pending' | 'accepted' | 'revoked' | 'expired' };


function invitationView(i: { id: string; email: string; role: Role; invited_by: string; expires_at: Date; created_at: Date; accepted_at: Date | null; revoked_at: Date | null }): InvitationView {
  const status = i.accepted_at ? 'accepted' : i.revoked_at ? 'revoked' : i.expires_at < new Date() ? 'expired' : 'pending';
  return { id: i.id, email: i.email, role: i.role, invited_by: i.invited_by, expires_at: i.expires_at.toISOString(), created_at: i.created_at.toISOString(), status };
}

async function membersOf(ctx: Pick<Ctx, 'tx'>): Promise<MemberView[]> {
  const rows = await ctx.tx
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['m.user_id', 'm.role', 'm.created_at', 'u.email', 'u.name'])
    .orderBy('m.created_at')
    .execute();
  return rows.map((r) => ({ id: r.user_id, user_id: r.user_id, email: r.email, name: r.name, role: r.role, joined_at: r.created_at.toISOString() }));
}

/** Invitations joined with what a session grant shows of their tenant. */
const invitationsWithTenant = (tx: Tx) =>
  tx.selectFrom('invitations as i').innerJoin('tenants as t', 't.id', 'i.tenant_id')
    .select(['i.id', 'i.tenant_id', 'i.email', 'i.role', 'i.expires_at', 'i.accepted_at', 'i.revoked_at', 't.name as tenant_name', 't.plan']);
type InvitationRow = NonNullable<Awaited<ReturnType<ReturnType<typeof invitationsWithTenant>['executeTakeFirst']>>>;

async function ownerCount(ctx: Ctx): Promise<number> {
  const r = await ctx.tx.selectFrom('memberships').select(sql<number>`count(*)::int`.as('n')).where('role', '=', 'owner').executeTakeFirstOrThrow();
  return r.n;
}

export function createMembers(deps: {
  db: Db; ledger: Ledger; mailer: Mailer; publicUrl: string; onAccessChanged: (userId: string) => void;
  /** An existing account joining with its password passes its second factor too (as at login). */
  secondFactor: (userId: string, code: string | undefined) => Promise<'ok' | 'missing' | 'invalid' | 'not_enrolled'>;
}) {
  const { db, ledger, mailer } = deps;

  /**
   * Turns an invitation into a membership (and a user, for new people) and opens a session,
   * in one transaction; the conditional update makes a second acceptance fail. Shared by
   * the token link and OIDC sign-in.
   */
  async function claim(inv: InvitationRow, person: { existing: { id: string; name: string } } | { name: string; passwordHash: string | null }, via?: { method: 'oidc'; ip: string }): Promise<SessionGrant> {
    const existing = 'existing' in person ? person.existing : null;
    const userId = existing?.id ?? newId('usr');
    const name = existing?.name ?? ('name' in person ? person.name : '');
    // Not holdable: the invitation was the change a rule could hold (invite is a command); the
    // invitee, not yet a member and in no session, cannot wait for an approval of joining.
    return inPlatformFor(db, { tenantId: inv.tenant_id, actor: { type: 'user', id: userId }, holdable: false }, async (ctx) => {
      const claimed = await ctx.tx.updateTable('invitations').set({ accepted_at: sql`now()` }).where('id', '=', inv.id).where('accepted_at', 'is', null).executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) throw new AppError('INVITATION_INVALID', 404, 'This invitation was already used.');
      if (!existing) await ctx.tx.insertInto('users').values({ id: userId, email: inv.email, name, password_hash: 'passwordHash' in person ? person.passwordHash : null, platform_role: null, email_verified: true }).execute();
      await ctx.tx.insertInto('memberships').values({ tenant_id: inv.tenant_id, user_id: userId, role: inv.role }).onConflict((oc) => oc.doNothing()).execute();
      const session = await issueToken(ctx.tx, { tenantId: inv.tenant_id, userId, kind: 'session', scopes: ALL_SCOPES, ttlSeconds: SESSION_TTL_SECONDS });
      await ledger.recordBatch(ctx, [
        ...(existing ? [] : [{ namespace: 'identity', entityType: 'user', entityId: userId, event: 'user.created', after: { id: userId, email: inv.email, name } }]),
        { namespace: 'identity', entityType: 'membership', entityId: `${inv.tenant_id}:${userId}`, event: 'membership.created', after: { user_id: userId, email: inv.email, role: inv.role }, metadata: { invitation_id: inv.id, ...(via ? { method: via.method } : {}) } },
        ...(via ? [{ namespace: 'identity', entityType: 'session', entityId: session.id, event: 'session.created', after: { user_id: userId, method: via.method, two_factor: false }, metadata: { ip: via.ip } }] : []),
      ]);
      return { token: session.token, tokenId: session.id, user: { id: userId, email: inv.email, name }, tenant: { id: inv.tenant_id, name: inv.tenant_name, plan: inv.plan }, role: inv.role };
    });
  }

  async function memberRow(ctx: Ctx, userId: string) {
    const row = await ctx.tx.selectFrom('memberships').select(['user_id', 'role']).where('user_id', '=', userId).forUpdate().executeTakeFirst();
    if (!row) throw errors.notFound('Member');
    return row;
  }

  return {
    list: (p: Principal) => db.tenantTx(p.tenantId, (tx) => membersOf({ tx })),

    listInvitations: (p: Principal) =>
      db.tenantTx(p.tenantId, async (tx) =>
        (await tx.selectFrom('invitations').selectAll().orderBy('created_at', 'desc').limit(200).execute()).map(invitationView),
      ),

    /**
     * Creates the invitation in ctx (the caller's transaction, inside a command) and returns its
     * one-time link; `mailInvitation` sends it once that committed.
     */
    async invite(ctx: Ctx, input: { email: string; role: Exclude<Role, 'owner'> }) {
      assertCan(await callerRole(ctx), 'members.invite');
      const email = input.email.trim().toLowerCase();
      const token = `inv_${randomBytes(24).toString('base64url')}`;
      const already = await ctx.tx.selectFrom('memberships as m').innerJoin('users as u', 'u.id', 'm.user_id').select('m.user_id').where('u.email', '=', email).executeTakeFirst();
      if (already) throw errors.conflict('ALREADY_MEMBER', 'This person is already a member.');
      const row = await ctx.tx
        .insertInto('invitations')
        .values({ id: newId('inv'), tenant_id: ctx.tenantId, email, role: input.role, token_hash: hashToken(token), invited_by: ctx.actor.id, expires_at: new Date(Date.now() + INVITE_TTL_DAYS * 86_400_000), accepted_at: null, revoked_at: null })
        .returningAll()
        .executeTakeFirstOrThrow();
      await ledger.record(ctx, { namespace: 'identity', entityType: 'invitation', entityId: row.id, event: 'invitation.created', after: { email, role: input.role } });
      return { invitation: invitationView(row), token, acceptUrl: `${deps.publicUrl}/accept-invitation?token=${encodeURIComponent(token)}` };
    },

    /** Emails the accept link; false without SMTP (or when it fails: the inviter is shown the link instead). */
    async mailInvitation(invitation: Pick<InvitationView, 'email' | 'role'>, acceptUrl: string): Promise<boolean> {
      const sent = await mailer.send({ to: invitation.email, subject: 'You are invited to Atrium', text: `You have been invited to join a workspace on Atrium as ${invitation.role}.\n\nAccept: ${acceptUrl}\n\nThe link works for ${INVITE_TTL_DAYS} days.` });
      return sent.delivered;
    },

    async revokeInvitation(ctx: Ctx, id: string) {
      assertCan(await callerRole(ctx), 'members.invite');
      const r = await ctx.tx.updateTable('invitations').set({ revoked_at: sql`now()` }).where('id', '=', id).where('accepted_at', 'is', null).where('revoked_at', 'is', null).executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) throw errors.notFound('Invitation');
      await ledger.record(ctx, { namespace: 'identity', entityType: 'invitation', entityId: id, event: 'invitation.revoked', after: { revoked: true } });
    },

    /** Public, before accepting: which workspace the token invites to, and who invited (the accept page says so). */
    async preview(token: string): Promise<{ tenant: { name: string }; invited_by: { name: string } | null; email: string; role: Role }> {
      // system: as in accept, the token is the only credential and its tenant is unknown until found.
      const inv = await db.systemTx((tx) => invitationsWithTenant(tx).leftJoin('users as u', 'u.id', 'i.invited_by').select('u.name as inviter_name')
        .where('i.token_hash', '=', hashToken(token)).executeTakeFirst());
      if (!inv || inv.accepted_at || inv.revoked_at || inv.expires_at < new Date()) {
        throw new AppError('INVITATION_INVALID', 404, 'This invitation does not exist, was used, revoked or has expired.');
      }
      return { tenant: { name: inv.tenant_name }, invited_by: inv.inviter_name ? { name: inv.inviter_name } : null, email: inv.email, role: inv.role };
    },

    /** Public: the invitation token is the credential. New people set a password; existing users prove theirs. */
    async accept(input: { token: string; name?: string; password: string; totp_code?: string }): Promise<SessionGrant> {
      // system: the invitation token is the only credential; its tenant is unknown until the invitation is found.
      const inv = await db.systemTx((tx) => invitationsWithTenant(tx).where('i.token_hash', '=', hashToken(input.token)).executeTakeFirst());
      if (!inv || inv.accepted_at || inv.revoked_at || inv.expires_at < new Date()) {
        throw new AppError('INVITATION_INVALID', 404, 'This invitation does not exist, was used, revoked or has expired.');
      }
      // system: the invitee may already be a user of other tenants (a global row, whose
      // password_hash atrium_app may not read), and is no member of this one yet.
      const existing = await db.systemTx((tx) => tx.selectFrom('users').select(['id', 'name', 'password_hash']).where('email', '=', inv.email).executeTakeFirst());
      if (existing && !(await verifyPassword(existing.password_hash, input.password))) {
        throw new AppError('INVALID_CREDENTIALS', 401, 'This email already has an account: enter its password to accept.');
      }
      if (existing) {
        const second = await deps.secondFactor(existing.id, input.totp_code);
        if (second === 'missing') throw new AppError('TOTP_REQUIRED', 401, 'Enter the code from your authenticator app.');
        if (second === 'invalid') throw new AppError('INVALID_TOTP', 401, 'That code is not valid (or was already used).');
      }
      if (!existing) {
        if (!input.name?.trim()) throw errors.validation([{ path: 'body.name', message: 'required for a new account' }]);
        await assertStrongPassword(input.password, [inv.email, input.name]);
      }
      const passwordHash = existing ? null : await hashPassword(input.password);
      return claim(inv, existing ? { existing } : { name: input.name!.trim(), passwordHash });
    },

    /**
     * Public, for OIDC sign-in: the identity provider vouched for `email`, which stands in for
     * the invitation token. Takes the newest pending invitation (integration invitations
     * excluded: those members use API keys); null when there is none.
     */
    async acceptForVerifiedEmail(email: string, person: { name: string; existing?: { id: string; name: string } }, ip: string): Promise<SessionGrant | null> {
      // system: the pending invitation for this email may be in any tenant, and the person has no session yet.
      const inv = await db.systemTx((tx) =>
        invitationsWithTenant(tx).where('i.email', '=', email.trim().toLowerCase()).where('i.role', '!=', 'integration')
          .where('i.accepted_at', 'is', null).where('i.revoked_at', 'is', null).where('i.expires_at', '>', sql<Date>`now()`)
          .orderBy('i.created_at', 'desc').executeTakeFirst(),
      );
      if (!inv) return null;
      return claim(inv, person.existing ? { existing: person.existing } : { name: person.name, passwordHash: null }, { method: 'oidc', ip });
    },

    async changeRole(ctx: Ctx, userId: string, role: Role, why?: string) {
      const actorRole = await callerRole(ctx);
      assertCan(actorRole, 'members.change_role');
      const current = await memberRow(ctx, userId);
      assertCanAssign(actorRole, current.role, role);
      if (current.role === role) return current;
      if (current.role === 'owner' && (await ownerCount(ctx)) <= 1) throw errors.conflict('LAST_OWNER', 'The last owner cannot be demoted; make someone else owner first.');
      await ctx.tx.updateTable('memberships').set({ role }).where('user_id', '=', userId).execute();
      await ledger.record(ctx, { namespace: 'identity', entityType: 'membership', entityId: `${ctx.tenantId}:${userId}`, event: 'membership.role_changed', before: { role: current.role }, after: { role }, why });
      ctx.onCommit(() => deps.onAccessChanged(userId));
      return { user_id: userId, role };
    },

    async remove(ctx: Ctx, userId: string, why?: string) {
      const actorRole = await callerRole(ctx);
      assertCan(actorRole, 'members.remove');
      const current = await memberRow(ctx, userId);
      if (current.role === 'owner') {
        assertCanAssign(actorRole, 'owner', 'viewer');
        if ((await ownerCount(ctx)) <= 1) throw errors.conflict('LAST_OWNER', 'The last owner cannot be removed.');
      }
      await ctx.tx.deleteFrom('memberships').where('user_id', '=', userId).execute();
      await ctx.tx.updateTable('auth_tokens').set({ revoked_at: sql`now()` }).where('user_id', '=', userId).where('kind', '=', 'session').where('revoked_at', 'is', null).execute();
      await ledger.record(ctx, { namespace: 'identity', entityType: 'membership', entityId: `${ctx.tenantId}:${userId}`, event: 'membership.deleted', before: { role: current.role }, after: null, why });
      ctx.onCommit(() => deps.onAccessChanged(userId));
    },
  };
}

export type Members = ReturnType<typeof createMembers>;
