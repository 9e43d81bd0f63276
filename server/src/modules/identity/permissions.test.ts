// Identity's sensitive actions: declared in its definition, registered once, and the step-up
// each declares is the one its command enforces.
import { describe, expect, it } from 'vitest';
import type { CommandRegistry } from '../../platform/commands.js';
import { PermissionRegistry, type Permissions } from '../../platform/permissions.js';
import { registerIdentityCommands, IDENTITY_COMMANDS as C } from './commands.js';
import { identityModule } from './index.js';
import { assertCan, IDENTITY_PERMISSIONS, type Action } from './permissions.js';

/** The commands that do each action (their role check is `assertCan(…, action)`). */
const COMMANDS_OF: Record<Action, string[]> = {
  'members.invite': [C.inviteMember, C.revokeInvitation],
  'members.change_role': [C.changeMemberRole],
  'members.remove': [C.removeMember],
  'api_keys.create': [C.createApiKey],
  'api_keys.revoke': [C.revokeApiKey],
  'tenant.update': [C.updateTenant],
};

describe('identity permissions', () => {
  it('are declared in the module definition and registered as they are', () => {
    expect(identityModule.permissions).toBe(IDENTITY_PERMISSIONS);
    const r = new PermissionRegistry();
    r.register('identity', identityModule.permissions!);
    for (const action of Object.keys(IDENTITY_PERMISSIONS)) expect(r.get(action)).toBe(IDENTITY_PERMISSIONS[action as Action]);
  });

  it('keep the matrix: owners and admins only', () => {
    for (const action of Object.keys(IDENTITY_PERMISSIONS) as Action[]) {
      for (const role of ['owner', 'admin'] as const) expect(() => assertCan(role, action)).not.toThrow();
      for (const role of ['member', 'viewer', 'integration', null] as const) expect(() => assertCan(role, action)).toThrow(`Your role cannot do "${action}".`);
    }
  });

  it('declare the step-up their commands enforce', () => {
    const stepUp = new Map<string, boolean>();
    const registry = { register: (def: { name: string; stepUp?: true }) => { stepUp.set(def.name, def.stepUp === true); return def; } };
    registerIdentityCommands(registry as unknown as CommandRegistry, {} as never);
    const declared: Permissions = IDENTITY_PERMISSIONS;
    for (const [action, commands] of Object.entries(COMMANDS_OF)) {
      for (const name of commands) expect([action, name, stepUp.get(name)]).toEqual([action, name, declared[action]?.stepUp === true]);
    }
  });
});
