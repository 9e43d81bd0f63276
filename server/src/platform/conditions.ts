// The one filter language of diffs: rule triggers and flow event waits/triggers use it.
// Trigger conditions: a small JSON language (all / any / not over { path, op, value }),
// validated by schema with size limits, then compiled once into plain closures so matching
// a diff costs a few property reads — no interpretation of JSON per diff.
import { z } from 'zod';
import type { Json } from './schema.js';

export const OPERATORS = ['eq', 'neq', 'in', 'nin', 'gt', 'gte', 'lt', 'lte', 'contains', 'exists', 'changed', 'changed_to', 'changed_from'] as const;
export type Operator = (typeof OPERATORS)[number];

/** Limits that keep a rule cheap to evaluate on every diff. */
export const LIMITS = { depth: 6, leaves: 50, stringValue: 1000, listValue: 200, triggerBytes: 16_384 } as const;

const ROOTS = ['before', 'after', 'metadata', 'actor', 'entity'] as const;
const PATH = /^(before|after|metadata|actor|entity)(\.[A-Za-z0-9_-]{1,64}){0,8}$/;

const scalar = z.union([z.string().max(LIMITS.stringValue), z.number(), z.boolean(), z.null()]);
const leafSchema = z.strictObject({
  path: z.string().regex(PATH, `a path rooted at ${ROOTS.join(', ')} (e.g. after.status)`),
  op: z.enum(OPERATORS),
  value: z.union([scalar, z.array(scalar).max(LIMITS.listValue)]).optional(),
});

export type Leaf = z.infer<typeof leafSchema>;
export type Condition = Leaf | { all: Condition[] } | { any: Condition[] } | { not: Condition };

export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.strictObject({ all: z.array(conditionSchema).min(1).max(LIMITS.leaves) }),
    z.strictObject({ any: z.array(conditionSchema).min(1).max(LIMITS.leaves) }),
    z.strictObject({ not: conditionSchema }),
    leafSchema,
  ]),
);

/** Checks what a schema cannot: operator/value agreement, nesting depth and total size. */
export function conditionProblems(c: Condition, path: string[] = []): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  let leaves = 0;
  const walk = (node: Condition, at: string[], depth: number) => {
    if (depth > LIMITS.depth) {
      problems.push({ path: at.join('.'), message: `nested deeper than ${LIMITS.depth} levels` });
      return;
    }
    if ('all' in node) node.all.forEach((n, i) => walk(n, [...at, 'all', String(i)], depth + 1));
    else if ('any' in node) node.any.forEach((n, i) => walk(n, [...at, 'any', String(i)], depth + 1));
    else if ('not' in node) walk(node.not, [...at, 'not'], depth + 1);
    else {
      leaves += 1;
      const p = leafProblem(node);
      if (p) problems.push({ path: [...at, p.field].join('.'), message: p.message });
    }
  };
  walk(c, path, 1);
  if (leaves > LIMITS.leaves) problems.push({ path: path.join('.'), message: `more than ${LIMITS.leaves} conditions` });
  return problems;
}

function leafProblem(l: Leaf): { field: string; message: string } | null {
  const list = Array.isArray(l.value);
  if ((l.op === 'in' || l.op === 'nin') && !list) return { field: 'value', message: `"${l.op}" needs a list value` };
  if (l.op !== 'in' && l.op !== 'nin' && list) return { field: 'value', message: `"${l.op}" takes a single value, not a list` };
  if (l.op === 'exists' || l.op === 'changed') {
    if (l.value !== undefined && typeof l.value !== 'boolean' && l.op === 'exists') return { field: 'value', message: '"exists" takes true/false or nothing' };
  } else if (l.value === undefined) return { field: 'value', message: `"${l.op}" needs a value` };
  if (['gt', 'gte', 'lt', 'lte'].includes(l.op) && typeof l.value !== 'number' && typeof l.value !== 'string') {
    return { field: 'value', message: `"${l.op}" compares numbers or ISO dates` };
  }
  if (l.op.startsWith('changed') && !/^(before|after)\./.test(l.path)) {
    return { field: 'path', message: `"${l.op}" needs a field under before or after (e.g. after.status)` };
  }
  return null;
}

/** What a condition is evaluated against: the diff's sides, its metadata, who, and (when loaded) the entity. */
export type Facts = { before: Json | null; after: Json | null; metadata: Json; actor: Json; entity?: Json | null };
export type Predicate = (facts: Facts) => boolean;

const MISSING = Symbol('missing');
type Value = Json | typeof MISSING;

function getter(path: string): (f: Facts) => Value {
  const [root, ...keys] = path.split('.') as [keyof Facts, ...string[]];
  return (f) => {
    let v: Value = f[root] ?? MISSING;
    for (const k of keys) {
      if (v === MISSING || v === null || typeof v !== 'object' || Array.isArray(v)) return MISSING;
      v = Object.prototype.hasOwnProperty.call(v, k) ? (v as Record<string, Json>)[k]! : MISSING;
    }
    return v;
  };
}

const same = (a: Value, b: Value): boolean =>
  a === b || (a !== MISSING && b !== MISSING && typeof a === 'object' && a !== null && JSON.stringify(a) === JSON.stringify(b));

function ordered(a: Value, b: Json | undefined, test: (x: number) => boolean): boolean {
  if (typeof a === 'number' && typeof b === 'number') return test(a - b);
  if (typeof a === 'string' && typeof b === 'string') return test(a < b ? -1 : a > b ? 1 : 0);
  return false;
}

function compileLeaf(l: Leaf): Predicate {
  const value = l.value as Json | undefined;
  if (l.op.startsWith('changed')) {
    const field = l.path.replace(/^(before|after)\./, '');
    const before = getter(`before.${field}`);
    const after = getter(`after.${field}`);
    // Modules record changed fields only: a field absent from `after` did not change.
    const changed = (f: Facts) => {
      const a = after(f);
      return a !== MISSING && !same(before(f), a);
    };
    if (l.op === 'changed') return changed;
    if (l.op === 'changed_to') return (f) => changed(f) && same(after(f), value ?? null);
    return (f) => changed(f) && same(before(f), value ?? null);
  }
  const get = getter(l.path);
  switch (l.op) {
    case 'eq': return (f) => same(get(f), value ?? null);
    case 'neq': return (f) => !same(get(f), value ?? null);
    case 'in': {
      const set = value as Json[];
      return (f) => { const v = get(f); return set.some((x) => same(v, x)); };
    }
    case 'nin': {
      const set = value as Json[];
      return (f) => { const v = get(f); return !set.some((x) => same(v, x)); };
    }
    case 'gt': return (f) => ordered(get(f), value, (d) => d > 0);
    case 'gte': return (f) => ordered(get(f), value, (d) => d >= 0);
    case 'lt': return (f) => ordered(get(f), value, (d) => d < 0);
    case 'lte': return (f) => ordered(get(f), value, (d) => d <= 0);
    case 'contains': return (f) => {
      const v = get(f);
      if (typeof v === 'string' && typeof value === 'string') return v.includes(value);
      return Array.isArray(v) && v.some((x) => same(x, value ?? null));
    };
    case 'exists': {
      const want = value !== false;
      return (f) => (get(f) !== MISSING && get(f) !== null) === want;
    }
    default: return () => false;
  }
}

export function compileCondition(c: Condition): Predicate {
  if ('all' in c) {
    const parts = c.all.map(compileCondition);
    return (f) => parts.every((p) => p(f));
  }
  if ('any' in c) {
    const parts = c.any.map(compileCondition);
    return (f) => parts.some((p) => p(f));
  }
  if ('not' in c) {
    const inner = compileCondition(c.not);
    return (f) => !inner(f);
  }
  return compileLeaf(c);
}

/** Does the condition read the entity's current state (which must then be loaded)? */
export function readsEntity(c: Condition): boolean {
  if ('all' in c) return c.all.some(readsEntity);
  if ('any' in c) return c.any.some(readsEntity);
  if ('not' in c) return readsEntity(c.not);
  return c.path.startsWith('entity');
}
