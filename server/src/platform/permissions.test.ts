// The registry of sensitive actions: one declaration per action, checks that name the action.
import { describe, expect, it } from 'vitest';
import { assertRoleMay, PermissionRegistry } from './permissions.js';

describe('permissions', () => {
  const invite = { 'members.invite': { roles: ['owner', 'admin'], summary: 'Invite' } } as const;

  it('lets the declared roles through and refuses others (and no role) with 403 naming the action', () => {
    const r = new PermissionRegistry();
    r.register('identity', { ...invite, 'tenant.update': { roles: ['owner'], stepUp: true, summary: 'Rename' } });
    expect(() => r.assertCan('admin', 'members.invite')).not.toThrow();
    expect(() => r.assertCan('member', 'members.invite')).toThrow('Your role cannot do "members.invite".');
    expect(() => r.assertCan(null, 'members.invite')).toThrow(expect.objectContaining({ status: 403 }));
    expect([r.needsStepUp('tenant.update'), r.needsStepUp('members.invite')]).toEqual([true, false]);
    expect(r.list().map((p) => `${p.module}:${p.action}`)).toEqual(['identity:members.invite', 'identity:tenant.update']);
  });

  it('refuses an undeclared action as a programming error, not a 403', () => {
    expect(() => new PermissionRegistry().assertCan('owner', 'members.invit')).toThrow('permission members.invit is not declared');
    expect(() => assertRoleMay(invite, 'owner', 'nope')).toThrow('not declared');
  });

  it('refuses an action declared by two modules, naming both', () => {
    const r = new PermissionRegistry();
    r.register('identity', invite);
    expect(() => r.register('crm', invite)).toThrow('permission members.invite: declared by module identity and by module crm');
  });
});
