// The condition builder's model: a tree of groups (all / any) and conditions, each of which
// may be negated, as typed (values stay text until the rule is built). It maps both ways to
// the API's `when` (nested all / any / not over {path, op, value}) and names each node's key in
// the API's error paths (body.trigger.when.all.1.not.any.0.path → trigger.when.all.1.not.any.0),
// so a 400 is shown at the field it is about.
import type { Condition, ConditionLeaf } from '../../../../../sdk/src/rules.js';

export const NO_VALUE = new Set<ConditionLeaf['op']>(['exists', 'changed']);
export const LIST_OPS = new Set<ConditionLeaf['op']>(['in', 'nin']);
/** The server allows 6 levels; the root group is the first. */
export const MAX_GROUP_DEPTH = 5;

export type LeafDraft = { kind: 'leaf'; not: boolean; path: string; op: ConditionLeaf['op']; value: string };
export type GroupDraft = { kind: 'group'; not: boolean; mode: 'all' | 'any'; items: CondDraft[] };
export type CondDraft = LeafDraft | GroupDraft;
/** Where a node sits: the indexes from the root group down. */
export type NodePath = readonly number[];

export const leafDraft = (over: Partial<LeafDraft> = {}): LeafDraft => ({ kind: 'leaf', not: false, path: '', op: 'eq', value: '', ...over });
export const groupDraft = (over: Partial<GroupDraft> = {}): GroupDraft => ({ kind: 'group', not: false, mode: 'all', items: [], ...over });

const valueText = (v: unknown): string =>
  v === undefined ? '' : typeof v === 'string' ? v : Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(', ') : JSON.stringify(v);

/** The tree for a `when`, or null when it has a shape the builder cannot show (a `not` of a `not`). */
export function treeOf(when: Condition | undefined): GroupDraft | null {
  if (!when) return groupDraft();
  const node = (c: Condition, not = false): CondDraft | null => {
    if ('path' in c) return { kind: 'leaf', not, path: c.path, op: c.op, value: valueText(c.value) };
    if ('not' in c) return not ? null : node(c.not, true);
    const mode = 'all' in c ? 'all' : 'any';
    const items = ('all' in c ? c.all : c.any).map((x) => node(x));
    return items.every((x): x is CondDraft => x !== null) ? { kind: 'group', not, mode, items } : null;
  };
  const root = node(when);
  if (!root) return null;
  return root.kind === 'group' ? root : groupDraft({ items: [root] });
}

/** A typed value: numbers, booleans, null and JSON stay themselves; lists split on commas. */
export function parseValue(op: ConditionLeaf['op'], text: string): unknown {
  const one = (s: string): unknown => {
    const x = s.trim();
    if (/^-?\d+(\.\d+)?$/.test(x)) return Number(x);
    if (x === 'true' || x === 'false') return x === 'true';
    if (x === 'null') return null;
    if (/^[[{"]/.test(x)) {
      try {
        return JSON.parse(x);
      } catch {
        return x;
      }
    }
    return x;
  };
  if (LIST_OPS.has(op)) return text.split(',').map((s) => one(s)).filter((x) => x !== '');
  return one(text);
}

/** The API's `when` for a tree; none for an empty root. */
export function whenOf(root: GroupDraft): Condition | undefined {
  const node = (n: CondDraft): Condition => {
    const c: Condition = n.kind === 'leaf'
      ? (NO_VALUE.has(n.op) ? { path: n.path.trim(), op: n.op } : { path: n.path.trim(), op: n.op, value: parseValue(n.op, n.value) })
      : n.mode === 'all' ? { all: n.items.map(node) } : { any: n.items.map(node) };
    return n.not ? { not: c } : c;
  };
  return root.items.length === 0 && !root.not ? undefined : node(root);
}

/** A node's key in the API's error paths (without the leading `body.`). */
export function keyOf(root: GroupDraft, path: NodePath): string {
  let key = `trigger.when${root.not ? '.not' : ''}`;
  let group = root;
  for (const i of path) {
    const child = group.items[i]!;
    key += `.${group.mode}.${i}${child.not ? '.not' : ''}`;
    if (child.kind === 'group') group = child;
  }
  return key;
}

/** A negated node's key without its `.not`: where errors about the `not` itself are reported. */
export const outerKeyOf = (key: string): string => key.replace(/\.not$/, '');

/** The key under which a group's children sit (`….all` / `….any`). */
export const itemsKeyOf = (root: GroupDraft, path: NodePath, group: GroupDraft): string => `${keyOf(root, path)}.${group.mode}`;

/** The tree with the node at `path` replaced by `fn(node)`; `fn` returning null removes it. */
export function updateAt(root: GroupDraft, path: NodePath, fn: (n: CondDraft) => CondDraft | null): GroupDraft {
  if (path.length === 0) return (fn(root) as GroupDraft | null) ?? groupDraft();
  const [i, ...rest] = path as [number, ...number[]];
  const items = root.items.flatMap((child, j): CondDraft[] => {
    if (j !== i) return [child];
    if (rest.length === 0) {
      const next = fn(child);
      return next ? [next] : [];
    }
    return child.kind === 'group' ? [updateAt(child, rest, fn)] : [child];
  });
  return { ...root, items };
}

/** How many leaves the tree holds (the numbering of "Remove condition N"). */
export const leafCount = (g: GroupDraft): number => g.items.reduce((n, c) => n + (c.kind === 'leaf' ? 1 : leafCount(c)), 0);
