// The module contract: dependency order, refusals that name the problem, exact needs.
import { describe, expect, it } from 'vitest';
import { createModules, defineModule, dependencyOrder, type Platform } from './module.js';
import { EventRegistry } from './events.js';
import { RuleActionRegistry } from './rule-actions.js';
import { PermissionRegistry } from './permissions.js';
import { defineConfig, loadConfigOf } from './config.js';
import { z } from 'zod';

const mod = (id: string, deps: string[], extra: { namespace?: string; tables?: string[] } = {}) =>
  defineModule({ id, namespace: extra.namespace ?? id, deps: deps as never[], tables: extra.tables ?? [], create: () => ({}) });

describe('module contract', () => {
  it('orders modules after what they need, whatever the order of the list', () => {
    const order = dependencyOrder([mod('rules', ['work', 'ledger']), mod('work', ['ledger']), mod('ledger', [])]).map((m) => m.id);
    expect(order).toEqual(['ledger', 'work', 'rules']);
  });

  it('refuses an unknown dependency, a cycle, a duplicate namespace and a table claimed twice, naming them', () => {
    expect(() => dependencyOrder([mod('a', ['ghost'])])).toThrow('module a: needs ghost');
    expect(() => dependencyOrder([mod('a', ['b']), mod('b', ['a'])])).toThrow('cycle: a → b → a');
    expect(() => dependencyOrder([mod('work', [], { namespace: 'flow_os' }), mod('flows', [], { namespace: 'flow_os' })])).toThrow('namespace flow_os');
    expect(() => dependencyOrder([mod('a', [], { tables: ['t'] }), mod('b', [], { tables: ['t'] })])).toThrow('table t is already module a');
  });

  it('hands each module exactly the modules it declared', () => {
    const seen: Record<string, string[]> = {};
    const spy = (id: string, deps: string[]) => defineModule({
      id, namespace: id, deps: deps as never[], tables: [],
      create: (_p, needs: object) => {
        seen[id] = Object.keys(needs);
        return { stop: async () => undefined };
      },
    });
    const platform = { events: new EventRegistry(true), permissions: new PermissionRegistry(), ruleActions: new RuleActionRegistry() } as unknown as Platform;
    const { instances } = createModules([spy('c', ['b']), spy('b', ['a']), spy('a', [])], platform);
    expect(seen).toEqual({ a: [], b: ['a'], c: ['b'] });
    expect(Object.keys(instances).sort()).toEqual(['a', 'b', 'c']);
  });

  it('collects the permissions of the definitions before creating any, and refuses an action declared twice', () => {
    const invite = { 'members.invite': { roles: ['owner', 'admin'], summary: 'Invite' } } as const;
    const withPerms = (id: string, permissions: typeof invite | Record<string, never>, seen?: string[]) => defineModule({
      id, namespace: id, deps: [], tables: [], permissions,
      create: (p) => { seen?.push(...p.permissions.list().map((v) => v.action)); return {}; },
    });
    const platform = () => ({ events: new EventRegistry(true), permissions: new PermissionRegistry(), ruleActions: new RuleActionRegistry() }) as unknown as Platform;
    const seen: string[] = [];
    createModules([withPerms('early', {}, seen), withPerms('identity', invite)], platform());
    expect(seen).toEqual(['members.invite']);
    let created = 0;
    const counting = defineModule({ id: 'x', namespace: 'x', deps: [], tables: [], create: () => { created++; return {}; } });
    expect(() => createModules([counting, withPerms('identity', invite), withPerms('crm', invite)], platform()))
      .toThrow('permission members.invite: declared by module identity and by module crm');
    expect(created).toBe(0);
  });

  it('composes the configuration from the definitions’ sections', () => {
    const widgets = defineModule({
      id: 'widgets', namespace: 'widgets', deps: [], tables: [], create: () => ({}),
      config: defineConfig({ ATRIUM_WIDGETS_MAX: z.coerce.number().int().max(10).default(3) }, (c) => ({ widgetsMax: c.ATRIUM_WIDGETS_MAX })),
    });
    const twin = defineModule({ id: 'twin', namespace: 'twin', deps: [], tables: [], create: () => ({}), config: widgets.config });
    expect(loadConfigOf([mod('a', []), widgets], { ATRIUM_WIDGETS_MAX: '9' })).toMatchObject({ widgetsMax: 9 });
    expect(() => loadConfigOf([widgets], { ATRIUM_WIDGETS_MAX: '11' })).toThrow('Invalid configuration: ATRIUM_WIDGETS_MAX: Too big');
    expect(() => loadConfigOf([widgets, twin], {})).toThrow('config key ATRIUM_WIDGETS_MAX: declared by module widgets and by module twin');
  });
});
