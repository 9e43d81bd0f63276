import { describe, expect, it } from 'vitest';
import type { Condition } from '../../../../../sdk/src/rules.js';
import { groupDraft, keyOf, leafCount, leafDraft, outerKeyOf, parseValue, treeOf, updateAt, whenOf, type GroupDraft } from './conditions';

const nested: Condition = {
  all: [
    { path: 'after.status', op: 'changed_to', value: 'blocked' },
    { any: [{ path: 'entity.priority', op: 'eq', value: 'urgent' }, { not: { path: 'entity.tags', op: 'contains', value: 'internal' } }] },
    { not: { any: [{ path: 'actor.type', op: 'eq', value: 'system' }, { path: 'metadata.rule_id', op: 'exists' }] } },
  ],
};

describe('condition tree', () => {
  it('round-trips nested all / any / not, values typed back', () => {
    const tree = treeOf(nested)!;
    expect(tree.mode).toBe('all');
    expect(tree.items.map((x) => [x.kind, x.not])).toEqual([['leaf', false], ['group', false], ['group', true]]);
    expect(whenOf(tree)).toEqual(nested);
    expect(leafCount(tree)).toBe(5);
    expect(whenOf(treeOf({ all: [{ path: 'after.n', op: 'in', value: [1, 'two', true] }] })!)).toEqual({ all: [{ path: 'after.n', op: 'in', value: [1, 'two', true] }] });
  });

  it('a single condition becomes a group of one; a negated root stays negated; nothing is no `when`', () => {
    expect(whenOf(treeOf({ path: 'after.x', op: 'eq', value: 1 })!)).toEqual({ all: [{ path: 'after.x', op: 'eq', value: 1 }] });
    const negatedRoot: Condition = { not: { any: [{ path: 'after.x', op: 'eq', value: 1 }] } };
    expect(whenOf(treeOf(negatedRoot)!)).toEqual(negatedRoot);
    expect(whenOf(treeOf(undefined)!)).toBeUndefined();
  });

  it('a `not` of a `not` is left to the JSON editor', () => {
    expect(treeOf({ not: { not: { path: 'after.x', op: 'exists' } } })).toBeNull();
    expect(treeOf({ all: [{ any: [{ not: { not: { path: 'after.x', op: 'exists' } } }] }] })).toBeNull();
  });

  it("names each node as the API's error paths do", () => {
    const tree = treeOf(nested)!;
    expect(keyOf(tree, [0])).toBe('trigger.when.all.0');
    expect(keyOf(tree, [1, 1])).toBe('trigger.when.all.1.any.1.not');
    expect(keyOf(tree, [2])).toBe('trigger.when.all.2.not');
    expect(keyOf(tree, [2, 0])).toBe('trigger.when.all.2.not.any.0');
    expect(keyOf(treeOf({ not: { all: [{ path: 'a.b', op: 'exists' }] } })!, [0])).toBe('trigger.when.not.all.0');
    expect(outerKeyOf(keyOf(tree, [2]))).toBe('trigger.when.all.2');
    expect(outerKeyOf(keyOf(tree, [0]))).toBe('trigger.when.all.0');
  });

  it('updates and removes a node anywhere, leaving the rest as it was', () => {
    const tree = treeOf(nested)!;
    const renamed = updateAt(tree, [1, 0], (n) => ({ ...n, path: 'entity.severity' }) as typeof n);
    expect((whenOf(renamed) as { all: Condition[] }).all[1]).toEqual({ any: [{ path: 'entity.severity', op: 'eq', value: 'urgent' }, { not: { path: 'entity.tags', op: 'contains', value: 'internal' } }] });
    expect(whenOf(tree)).toEqual(nested); // not mutated
    const removed = updateAt(tree, [2], () => null);
    expect((whenOf(removed) as { all: Condition[] }).all).toHaveLength(2);
    const grown: GroupDraft = updateAt(groupDraft(), [], (g) => ({ ...(g as GroupDraft), items: [leafDraft({ path: 'after.x', op: 'exists' }), groupDraft({ mode: 'any', items: [leafDraft({ path: 'after.y', op: 'gt', value: '3' })] })] }));
    expect(whenOf(grown)).toEqual({ all: [{ path: 'after.x', op: 'exists' }, { any: [{ path: 'after.y', op: 'gt', value: 3 }] }] });
  });

  it('parses typed values', () => {
    expect(parseValue('eq', ' 42 ')).toBe(42);
    expect(parseValue('eq', 'true')).toBe(true);
    expect(parseValue('eq', 'null')).toBeNull();
    expect(parseValue('eq', '{"a":1}')).toEqual({ a: 1 });
    expect(parseValue('nin', 'a, 2, ')).toEqual(['a', 2]);
  });
});
