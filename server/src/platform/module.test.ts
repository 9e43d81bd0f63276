// The module contract: dependency order, refusals that name the problem, exact needs.
import { describe, expect, it } from 'vitest';
import { createModules, defineModule, dependencyOrder, type Platform } from './module.js';
import { EventRegistry } from './events.js';
import { RuleActionRegistry } from './rule-actions.js';

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
    const platform = { events: new EventRegistry(true), ruleActions: new RuleActionRegistry() } as unknown as Platform;
    const { instances } = createModules([spy('c', ['b']), spy('b', ['a']), spy('a', [])], platform);
    expect(seen).toEqual({ a: [], b: ['a'], c: ['b'] });
    expect(Object.keys(instances).sort()).toEqual(['a', 'b', 'c']);
  });
});
