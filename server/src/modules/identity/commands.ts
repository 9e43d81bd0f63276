// Identity's commands: the workspace's business changes to who is in it and with what access —
// invitations, roles, removals, API keys, the workspace's name. A require_approval rule may
// hold any of them ("a new admin needs a second owner"), so each is a command: held as one,
// approved by running it again as the requester. Each checks the caller's role itself (as it is
// now), whoever calls it; the ones marked `stepUp` need a fresh 2FA code from a person with 2FA.
// Signing in and out, 2FA enrolment and step-up stay routes: they are about a session, not the
// workspace, and their transactions say `holdable: false` (routes-auth.ts, account.ts).
import { z } from 'zod';
import type { CommandRegistry } from '../../platform/commands.js';
import type { Ledger } from '../ledger/index.js';
import { SCOPE_PATTERN, type createApiKeys } from './api-keys.js';
import type { Members } from './members.js';
import { assertCan, callerRole } from './permissions.js';
import { emailSchema, roleSchema, whyField } from './schemas.js';
import { updateTenantRow } from './tenants.js';

export const IDENTITY_COMMANDS = {
  inviteMember: 'identity.invite_member', changeMemberRole: 'identity.change_member_role', removeMember: 'identity.remove_member',
  revokeInvitation: 'identity.revoke_invitation', createApiKey: 'identity.create_api_key', revokeApiKey: 'identity.revoke_api_key',
  updateTenant: 'identity.update_tenant',
} as const;

const id = z.string().min(1).max(100);
/** The bodies of POST /v1/members and POST /v1/api-keys (the routes validate with these too). */
export const inviteInput = z.strictObject({ email: emailSchema, role: roleSchema.exclude(['owner']).default('member') });
export const apiKeyInput = z.strictObject({
  name: z.string().trim().min(1).max(100),
  scopes: z.array(z.string().regex(SCOPE_PATTERN, 'read|write|admin, optionally as <module>:<scope>')).min(1).max(20),
  expires_in_days: z.number().int().min(1).max(3650).optional(),
});

export type IdentityCommandDeps = {
  ledger: Ledger; members: Members; apiKeys: ReturnType<typeof createApiKeys>;
  /** Name changed: cached principals and profiles are stale. */
  onTenantChanged: () => void;
};

export function registerIdentityCommands(commands: CommandRegistry, d: IdentityCommandDeps): void {
  const c = IDENTITY_COMMANDS;
  commands.register({
    name: c.inviteMember, scope: 'admin', summary: 'Invite someone by email (the link is emailed when SMTP is set, otherwise returned once)',
    input: inviteInput,
    run: async (ctx, input) => {
      const made = await d.members.invite(ctx, input);
      return { invitation: made.invitation, email_sent: false, accept_url: made.acceptUrl as string | undefined, token: made.token as string | undefined };
    },
    // Mailed once the invitation exists (never for one that rolled back or is held); without
    // SMTP, or when it fails, the inviter passes the link on themselves: it is shown once, here.
    afterCommit: async (out) => {
      if (!(await d.members.mailInvitation(out.invitation, out.accept_url!))) return out;
      return { invitation: out.invitation, email_sent: true, accept_url: undefined, token: undefined };
    },
  });
  commands.register({
    name: c.changeMemberRole, scope: 'admin', stepUp: true, summary: 'Change a member’s role (only an owner grants or takes away owner; never the last owner)',
    input: z.strictObject({ user_id: id, role: roleSchema, ...whyField }),
    run: (ctx, input) => d.members.changeRole(ctx, input.user_id, input.role, input.why),
  });
  commands.register({
    name: c.removeMember, scope: 'admin', summary: 'Remove a member (their sessions end; never the last owner)',
    input: z.strictObject({ user_id: id, ...whyField }),
    run: async (ctx, input) => {
      await d.members.remove(ctx, input.user_id, input.why);
      return { removed: true as const };
    },
  });
  commands.register({
    name: c.revokeInvitation, scope: 'admin', summary: 'Revoke a pending invitation',
    input: z.strictObject({ id }),
    run: async (ctx, input) => {
      await d.members.revokeInvitation(ctx, input.id);
      return { revoked: true as const };
    },
  });
  commands.register({
    name: c.createApiKey, scope: 'admin', stepUp: true, summary: 'Create a scoped API key (never beyond the creator’s role); the key is in the answer this once',
    input: apiKeyInput,
    run: (ctx, input) => d.apiKeys.create(ctx, input),
  });
  commands.register({
    name: c.revokeApiKey, scope: 'admin', summary: 'Revoke an API key',
    input: z.strictObject({ id }),
    run: async (ctx, input) => {
      await d.apiKeys.revoke(ctx, input.id);
      return { revoked: true as const };
    },
  });
  commands.register({
    name: c.updateTenant, scope: 'admin', stepUp: true, summary: 'Rename the workspace (its plan is a platform operator’s or billing’s to change)',
    input: z.strictObject({ name: z.string().trim().min(1).max(120), ...whyField }),
    run: async (ctx, input) => {
      assertCan(await callerRole(ctx), 'tenant.update');
      const t = await updateTenantRow(ctx, d.ledger, ctx.tenantId, { name: input.name }, input.why);
      ctx.onCommit(d.onTenantChanged);
      return t;
    },
  });
}
