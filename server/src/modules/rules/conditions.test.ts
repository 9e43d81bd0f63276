// Pure unit tests of the Reflex Arc's building blocks: the condition language (schema, semantic
// checks, compiled predicates), the seeds' flat trigger form, templates, the rule index, webhook
// signing/backoff and SSRF refusal of webhook URLs. No database.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Json } from '../../platform/schema.js';
import { AppError } from '../../platform/errors.js';
import { compileCondition, conditionProblems, conditionSchema, LIMITS, OPERATORS, readsEntity, type Condition, type Facts } from '../../platform/conditions.js';
import { kindOf, normaliseTrigger, publicAction, triggerSchema, type Trigger } from './model.js';
import { compileRule, indexRules, RuleIndex, type DiffFacts, type RuleRow } from './ruleset.js';
import { render } from './template.js';
import { assertSafeUrl } from '../../platform/url-guard.js';
import { cloudEvent, parseRetryAfter, retryDelaySeconds, sign } from './webhook.js';

const facts = (f: Partial<Facts>): Facts => ({ before: null, after: null, metadata: {}, actor: { type: 'user', id: 'usr_1' }, entity: null, ...f });
const test = (c: Condition, f: Partial<Facts>) => compileCondition(c)(facts(f));
const leaf = (path: string, op: string, value?: Json): Condition => ({ path, op, value }) as Condition;

describe('compiled conditions: comparison operators', () => {
  it('eq / neq compare scalars, null and missing fields', () => {
    const f = { after: { status: 'blocked', n: 3, flag: false, assignee_id: null } };
    expect(test(leaf('after.status', 'eq', 'blocked'), f)).toBe(true);
    expect(test(leaf('after.status', 'eq', 'done'), f)).toBe(false);
    expect(test(leaf('after.n', 'eq', 3), f)).toBe(true);
    expect(test(leaf('after.n', 'eq', '3'), f)).toBe(false); // no type coercion
    expect(test(leaf('after.flag', 'eq', false), f)).toBe(true);
    expect(test(leaf('after.assignee_id', 'eq', null), f)).toBe(true);
    // A missing field is not equal to anything, so neq holds for it.
    expect(test(leaf('after.missing', 'eq', 'x'), f)).toBe(false);
    expect(test(leaf('after.missing', 'neq', 'x'), f)).toBe(true);
    expect(test(leaf('after.status', 'neq', 'blocked'), f)).toBe(false);
    expect(test(leaf('after.status', 'neq', 'done'), f)).toBe(true);
    // Root absent entirely (a deletion has no after).
    expect(test(leaf('after.status', 'eq', 'blocked'), { after: null })).toBe(false);
  });

  it('in / nin test membership without coercion', () => {
    const f = { after: { priority: 'urgent', n: 2 } };
    expect(test(leaf('after.priority', 'in', ['high', 'urgent']), f)).toBe(true);
    expect(test(leaf('after.priority', 'in', ['low', 'normal']), f)).toBe(false);
    expect(test(leaf('after.priority', 'nin', ['low', 'normal']), f)).toBe(true);
    expect(test(leaf('after.priority', 'nin', ['urgent']), f)).toBe(false);
    expect(test(leaf('after.n', 'in', ['2']), f)).toBe(false);
    expect(test(leaf('after.n', 'in', [1, 2]), f)).toBe(true);
    expect(test(leaf('after.nothing', 'in', ['a']), f)).toBe(false);
    expect(test(leaf('after.nothing', 'nin', ['a']), f)).toBe(true);
  });

  it('gt / gte / lt / lte order numbers', () => {
    const f = { after: { amount: 100 } };
    const cases: [string, number, boolean][] = [
      ['gt', 99, true], ['gt', 100, false], ['gte', 100, true], ['gte', 101, false],
      ['lt', 101, true], ['lt', 100, false], ['lte', 100, true], ['lte', 99, false],
    ];
    for (const [op, v, want] of cases) expect(test(leaf('after.amount', op, v), f), `${op} ${v}`).toBe(want);
    expect(test(leaf('after.amount', 'gt', -1.5), { after: { amount: -1 } })).toBe(true);
  });

  it('gt / gte / lt / lte order ISO dates (as strings), and never compare mixed types or missing values', () => {
    const f = { after: { due_date: '2025-03-10', at: '2025-03-10T12:00:00.000Z' } };
    expect(test(leaf('after.due_date', 'gt', '2025-03-09'), f)).toBe(true);
    expect(test(leaf('after.due_date', 'gt', '2025-03-10'), f)).toBe(false);
    expect(test(leaf('after.due_date', 'gte', '2025-03-10'), f)).toBe(true);
    expect(test(leaf('after.due_date', 'lt', '2025-12-01'), f)).toBe(true);
    expect(test(leaf('after.due_date', 'lte', '2025-03-09'), f)).toBe(false);
    expect(test(leaf('after.at', 'lt', '2025-03-10T12:00:00.001Z'), f)).toBe(true);
    expect(test(leaf('after.at', 'gte', '2025-03-11T00:00:00.000Z'), f)).toBe(false);
    // Mixed types and missing fields are never ordered — both directions are false.
    for (const op of ['gt', 'gte', 'lt', 'lte']) {
      expect(test(leaf('after.due_date', op, 5), f), `${op} on string vs number`).toBe(false);
      expect(test(leaf('after.missing', op, 5), f), `${op} on a missing field`).toBe(false);
      expect(test(leaf('after.n', op, '5'), { after: { n: 7 } }), `${op} number vs string`).toBe(false);
    }
  });

  it('contains: substring of a string, element of an array', () => {
    const f = { after: { name: 'Write launch copy', tags: ['urgent', 'client'], nums: [1, 2] } };
    expect(test(leaf('after.name', 'contains', 'launch'), f)).toBe(true);
    expect(test(leaf('after.name', 'contains', 'Launch'), f)).toBe(false); // case-sensitive
    expect(test(leaf('after.tags', 'contains', 'client'), f)).toBe(true);
    expect(test(leaf('after.tags', 'contains', 'cli'), f)).toBe(false); // whole elements only
    expect(test(leaf('after.nums', 'contains', 2), f)).toBe(true);
    expect(test(leaf('after.nums', 'contains', '2'), f)).toBe(false);
    expect(test(leaf('after.missing', 'contains', 'x'), f)).toBe(false);
    expect(test(leaf('after.nums', 'contains', 'x'), { after: { nums: 12 } })).toBe(false); // not a string or list
  });

  it('exists: present and not null (true by default), or absent/null with false', () => {
    const f = { after: { a: 0, b: null, c: '' }, metadata: { source: 'import' } };
    expect(test({ path: 'after.a', op: 'exists' }, f)).toBe(true);
    expect(test(leaf('after.a', 'exists', true), f)).toBe(true);
    expect(test(leaf('after.c', 'exists', true), f)).toBe(true); // empty string exists
    expect(test(leaf('after.b', 'exists', true), f)).toBe(false); // null does not
    expect(test(leaf('after.b', 'exists', false), f)).toBe(true);
    expect(test(leaf('after.zz', 'exists', false), f)).toBe(true);
    expect(test(leaf('after.a', 'exists', false), f)).toBe(false);
    expect(test({ path: 'metadata.source', op: 'exists' }, f)).toBe(true);
    expect(test({ path: 'metadata.other', op: 'exists' }, f)).toBe(false);
  });
});

describe('compiled conditions: change operators (diffs hold changed fields only)', () => {
  const statusChange = { before: { status: 'todo' }, after: { status: 'blocked' } };
  const nameChangeOnly = { before: { name: 'a' }, after: { name: 'b' } };

  it('changed: the field is in `after` with a different value than `before`', () => {
    expect(test({ path: 'after.status', op: 'changed' }, statusChange)).toBe(true);
    // Either side may name the field.
    expect(test({ path: 'before.status', op: 'changed' }, statusChange)).toBe(true);
    // Absent from after: it did not change.
    expect(test({ path: 'after.status', op: 'changed' }, nameChangeOnly)).toBe(false);
    // A creation (before is null) sets every field it has.
    expect(test({ path: 'after.status', op: 'changed' }, { before: null, after: { status: 'todo' } })).toBe(true);
    // Same value on both sides is no change (a module recording a no-op field).
    expect(test({ path: 'after.status', op: 'changed' }, { before: { status: 'x' }, after: { status: 'x' } })).toBe(false);
    // Set to null is a change; null → null is not.
    expect(test({ path: 'after.assignee_id', op: 'changed' }, { before: { assignee_id: 'u1' }, after: { assignee_id: null } })).toBe(true);
    expect(test({ path: 'after.assignee_id', op: 'changed' }, { before: { assignee_id: null }, after: { assignee_id: null } })).toBe(false);
    // Deletion: `after` is null, so nothing "changed" to a new value.
    expect(test({ path: 'after.status', op: 'changed' }, { before: { status: 'x' }, after: null })).toBe(false);
    // Objects and arrays compare by value.
    expect(test({ path: 'after.tags', op: 'changed' }, { before: { tags: ['a'] }, after: { tags: ['a'] } })).toBe(false);
    expect(test({ path: 'after.tags', op: 'changed' }, { before: { tags: ['a'] }, after: { tags: ['a', 'b'] } })).toBe(true);
  });

  it('changed_to / changed_from need an actual change', () => {
    expect(test(leaf('after.status', 'changed_to', 'blocked'), statusChange)).toBe(true);
    expect(test(leaf('after.status', 'changed_to', 'done'), statusChange)).toBe(false);
    expect(test(leaf('after.status', 'changed_from', 'todo'), statusChange)).toBe(true);
    expect(test(leaf('after.status', 'changed_from', 'blocked'), statusChange)).toBe(false);
    // The value on `after` is "blocked" but only the name changed in this diff: no match.
    expect(test(leaf('after.status', 'changed_to', 'blocked'), { before: { name: 'a' }, after: { name: 'b' }, entity: { status: 'blocked' } })).toBe(false);
    expect(test(leaf('after.status', 'changed_to', 'blocked'), { before: { status: 'blocked' }, after: { status: 'blocked' } })).toBe(false);
    // Creation: changed_to works, changed_from null matches the empty before.
    expect(test(leaf('after.status', 'changed_to', 'todo'), { before: null, after: { status: 'todo' } })).toBe(true);
    expect(test(leaf('after.assignee_id', 'changed_from', null), { before: { assignee_id: null }, after: { assignee_id: 'u1' } })).toBe(true);
    expect(test(leaf('after.assignee_id', 'changed_to', null), { before: { assignee_id: 'u1' }, after: { assignee_id: null } })).toBe(true);
    // The path may be written on either side; the field is what matters.
    expect(test(leaf('before.status', 'changed_to', 'blocked'), statusChange)).toBe(true);
  });
});

describe('compiled conditions: all / any / not and paths', () => {
  const f = { before: { status: 'todo' }, after: { status: 'blocked', priority: 'urgent' }, metadata: { workflow_id: 'wf_1' }, actor: { type: 'user', id: 'usr_9' } };
  const blocked: Condition = { path: 'after.status', op: 'eq', value: 'blocked' };
  const done: Condition = { path: 'after.status', op: 'eq', value: 'done' };
  const urgent: Condition = { path: 'after.priority', op: 'eq', value: 'urgent' };

  it('combines', () => {
    expect(test({ all: [blocked, urgent] }, f)).toBe(true);
    expect(test({ all: [blocked, done] }, f)).toBe(false);
    expect(test({ any: [done, urgent] }, f)).toBe(true);
    expect(test({ any: [done, { not: urgent }] }, f)).toBe(false);
    expect(test({ not: done }, f)).toBe(true);
    expect(test({ not: { not: blocked } }, f)).toBe(true);
    expect(test({ all: [{ any: [done, { all: [blocked, { not: done }] }] }, { path: 'actor.id', op: 'eq', value: 'usr_9' }] }, f)).toBe(true);
    expect(test({ all: [{ any: [done, { all: [blocked, { not: blocked }] }] }] }, f)).toBe(false);
  });

  it('reads metadata, actor and entity; missing intermediate objects are missing, not errors', () => {
    expect(test({ path: 'metadata.workflow_id', op: 'eq', value: 'wf_1' }, f)).toBe(true);
    expect(test({ path: 'actor.type', op: 'eq', value: 'user' }, f)).toBe(true);
    expect(test({ path: 'entity.status', op: 'eq', value: 'blocked' }, { ...f, entity: { status: 'blocked' } })).toBe(true);
    expect(test({ path: 'entity.status', op: 'eq', value: 'blocked' }, { ...f, entity: null })).toBe(false);
    expect(test({ path: 'after.status.deep.er', op: 'exists' }, f)).toBe(false); // through a string
    expect(test({ path: 'after.list.0', op: 'exists' }, { after: { list: ['a'] } })).toBe(false); // arrays are not indexed
    expect(test({ path: 'after.a.b', op: 'eq', value: 1 }, { after: { a: { b: 1 } } })).toBe(true);
    // Inherited properties are not fields.
    expect(test({ path: 'after.constructor', op: 'exists' }, { after: {} })).toBe(false);
    expect(test({ path: 'after.toString', op: 'exists' }, { after: {} })).toBe(false);
  });

  it('readsEntity tells whether the entity state must be loaded', () => {
    expect(readsEntity(blocked)).toBe(false);
    expect(readsEntity({ all: [blocked, { not: { path: 'entity.x', op: 'exists' } }] })).toBe(true);
    expect(readsEntity({ any: [done, urgent] })).toBe(false);
  });
});

describe('condition schema and semantic problems', () => {
  const ok = (c: unknown) => conditionSchema.safeParse(c);
  const issuesOf = (c: unknown) => {
    const r = conditionSchema.safeParse(c);
    expect(r.success).toBe(false);
    return r.error!.issues;
  };

  it('accepts every operator in its right shape', () => {
    expect(OPERATORS).toHaveLength(13);
    const shapes: Condition[] = [
      leaf('after.a', 'eq', 1), leaf('after.a', 'neq', 'x'), leaf('after.a', 'in', [1, 2]), leaf('after.a', 'nin', ['x']),
      leaf('after.a', 'gt', 1), leaf('after.a', 'gte', '2025-01-01'), leaf('after.a', 'lt', 2), leaf('after.a', 'lte', 3),
      leaf('after.a', 'contains', 'x'), { path: 'after.a', op: 'exists' }, leaf('after.a', 'exists', false),
      { path: 'after.a', op: 'changed' }, leaf('after.a', 'changed_to', 'x'), leaf('before.a', 'changed_from', null),
    ];
    for (const s of shapes) {
      expect(ok(s).success, JSON.stringify(s)).toBe(true);
      expect(conditionProblems(s), JSON.stringify(s)).toEqual([]);
    }
  });

  it('refuses unknown operators, unrooted paths, extra keys and oversized values (schema)', () => {
    expect(issuesOf({ path: 'after.name', op: 'regex', value: '^a' }).length).toBeGreaterThan(0);
    expect(ok({ path: 'name', op: 'eq', value: 1 }).success).toBe(false);
    expect(ok({ path: 'after.__proto__.x.y.z.a.b.c.d.e', op: 'exists' }).success).toBe(false); // too deep a path
    expect(ok({ path: 'after.a b', op: 'eq', value: 1 }).success).toBe(false);
    expect(ok({ path: 'after.a', op: 'eq', value: 1, extra: true }).success).toBe(false);
    expect(ok({ path: 'after.a', op: 'eq', value: { nested: 1 } }).success).toBe(false);
    expect(ok({ path: 'after.a', op: 'eq', value: 'x'.repeat(LIMITS.stringValue) }).success).toBe(true);
    expect(ok({ path: 'after.a', op: 'eq', value: 'x'.repeat(LIMITS.stringValue + 1) }).success).toBe(false);
    expect(ok({ path: 'after.a', op: 'in', value: Array.from({ length: LIMITS.listValue }, (_, i) => i) }).success).toBe(true);
    expect(ok({ path: 'after.a', op: 'in', value: Array.from({ length: LIMITS.listValue + 1 }, (_, i) => i) }).success).toBe(false);
    expect(ok({ all: [] }).success).toBe(false);
    expect(ok({ all: Array.from({ length: LIMITS.leaves + 1 }, () => leaf('after.a', 'eq', 1)) }).success).toBe(false);
    expect(ok({ all: [leaf('after.a', 'eq', 1)], any: [leaf('after.a', 'eq', 1)] }).success).toBe(false);
  });

  it('reports operator/value mismatches with the path of the field', () => {
    const at = ['body', 'trigger', 'when'];
    expect(conditionProblems(leaf('after.a', 'in', 'x'), at)).toEqual([{ path: 'body.trigger.when.value', message: expect.stringContaining('list') }]);
    expect(conditionProblems(leaf('after.a', 'nin', 3))[0]!.path).toBe('value');
    expect(conditionProblems(leaf('after.a', 'eq', ['x']))[0]!.message).toContain('single value');
    expect(conditionProblems(leaf('after.a', 'changed_to', ['x']))[0]!.message).toContain('single value');
    expect(conditionProblems({ path: 'after.a', op: 'eq' })[0]!.message).toContain('needs a value');
    expect(conditionProblems({ path: 'after.a', op: 'changed_to' })[0]!.message).toContain('needs a value');
    expect(conditionProblems(leaf('after.a', 'exists', 'yes'))[0]!.message).toContain('true/false');
    expect(conditionProblems(leaf('after.a', 'gt', true))[0]!.message).toContain('numbers or ISO dates');
    expect(conditionProblems(leaf('after.a', 'lte', null))[0]!.message).toContain('numbers or ISO dates');
    const changedOnMeta = conditionProblems(leaf('metadata.a', 'changed_to', 'x'), at);
    expect(changedOnMeta).toEqual([{ path: 'body.trigger.when.path', message: expect.stringContaining('before or after') }]);
    expect(conditionProblems({ path: 'entity.a', op: 'changed' })[0]!.path).toBe('path');
    // Nested: the path names where in the tree.
    const nested = conditionProblems({ all: [leaf('after.a', 'eq', 1), { any: [{ not: leaf('after.b', 'in', 'x') }] }] }, at);
    expect(nested).toEqual([{ path: 'body.trigger.when.all.1.any.0.not.value', message: expect.any(String) }]);
  });

  it('limits nesting to 6 levels and the whole tree to 50 conditions', () => {
    const nest = (levels: number): Condition => {
      let c: Condition = leaf('after.a', 'eq', 1);
      for (let i = 0; i < levels; i++) c = { all: [c] };
      return c;
    };
    expect(conditionProblems(nest(5))).toEqual([]); // the leaf sits at depth 6
    const deep = conditionProblems(nest(6), ['w']);
    expect(deep).toHaveLength(1);
    expect(deep[0]!.message).toContain('deeper than 6');
    expect(deep[0]!.path).toBe('w.all.0.all.0.all.0.all.0.all.0.all.0');
    expect(conditionProblems({ not: nest(5) })[0]!.message).toContain('deeper');

    const leaves = (n: number) => Array.from({ length: n }, (_, i) => leaf(`after.f${i}`, 'eq', i));
    expect(conditionProblems({ all: [{ all: leaves(25) }, { any: leaves(25) }] })).toEqual([]);
    const many = conditionProblems({ all: [{ all: leaves(26) }, { any: leaves(25) }] }, ['w']);
    expect(many).toEqual([{ path: 'w', message: expect.stringContaining('more than 50') }]);
  });
});

describe('triggers: the seeds’ flat form and the canonical one', () => {
  it('`field=value` becomes "after.field changed to value" and matches only that change', () => {
    const t = normaliseTrigger({ namespace: 'sales', event: 'status=qualified' });
    expect(t.namespace).toBe('sales');
    expect(t.event).toBeUndefined();
    expect(t.when).toEqual({ path: 'after.status', op: 'changed_to', value: 'qualified' });
    const p = compileCondition(t.when!);
    expect(p(facts({ before: { status: 'lead' }, after: { status: 'qualified' } }))).toBe(true);
    expect(p(facts({ before: { status: 'lead' }, after: { status: 'lost' } }))).toBe(false);
    expect(p(facts({ before: { name: 'x' }, after: { name: 'y' } }))).toBe(false);
  });

  it('merges with an existing `when`, and the value may contain dots, spaces or "="', () => {
    const extra: Condition = { path: 'after.amount', op: 'gt', value: 1000 };
    const t = normaliseTrigger({ event: 'stage=closed won', when: extra });
    expect(t.when).toEqual({ all: [{ path: 'after.stage', op: 'changed_to', value: 'closed won' }, extra] });
    expect(normaliseTrigger({ event: 'email=a@b.example' }).when).toEqual({ path: 'after.email', op: 'changed_to', value: 'a@b.example' });
    expect(normaliseTrigger({ event: 'version=1.2' }).event).toBeUndefined();
    expect(normaliseTrigger({ event: 'formula=a=b' }).when).toEqual({ path: 'after.formula', op: 'changed_to', value: 'a=b' });
  });

  it('leaves dotted event names and other forms untouched', () => {
    const canonical: Trigger = { namespace: 'flow_os', event: 'task.updated', when: { path: 'after.status', op: 'changed' } };
    expect(normaliseTrigger(canonical)).toBe(canonical);
    expect(normaliseTrigger({ event: 'created' })).toEqual({ event: 'created' }); // no "="
    expect(normaliseTrigger({})).toEqual({});
  });

  // The rule input (actions as the modules register them) is checked in rules-api.test.ts.
  it('the trigger schema is strict', () => {
    expect(triggerSchema.safeParse({ namespace: 'Sales' }).success).toBe(false);
    expect(triggerSchema.safeParse({ namespace: 'sales', unknown: 1 }).success).toBe(false);
    expect(triggerSchema.safeParse({ namespace: 'sales', event: 'status=qualified' }).success).toBe(true);
  });

  it('kindOf and publicAction', () => {
    expect(kindOf({ trigger: {}, actions: [{ type: 'guard', message: 'no' }] })).toBe('precommit');
    expect(kindOf({ trigger: { stale_for_hours: 1 }, actions: [{ type: 'notify', to: 'owner', message: 'x' }] })).toBe('scheduled');
    expect(kindOf({ trigger: {}, actions: [{ type: 'predict', model: 'task_slip' }] })).toBe('reactive');
    const shown = publicAction({ type: 'webhook', url: 'https://x.example/h', secret_sealed: 'sealed!', secret: 'plain-secret-value' } as never);
    expect(shown).toEqual({ type: 'webhook', url: 'https://x.example/h', has_secret: true });
  });
});

describe('templates', () => {
  const scope = {
    after: { status: 'blocked', n: 0, flag: false, obj: { a: 1 }, none: null },
    entity: { name: 'Write copy', status: 'blocked', owner: { name: 'Ada' } },
    why: 'waiting on legal',
  };

  it('fills placeholders; after.x falls back to the entity (diffs hold changed fields only)', () => {
    expect(render('{{after.name}} is {{after.status}}: {{why}}', scope)).toBe('Write copy is blocked: waiting on legal');
    expect(render('{{ after.name }}', scope)).toBe('Write copy');
    expect(render('{{after.owner.name}}', scope)).toBe('Ada');
    expect(render('{{after.n}}/{{after.flag}}', scope)).toBe('0/false'); // falsy values are values
    expect(render('{{after.obj}}', scope)).toBe('{"a":1}');
  });

  it('renders missing and null as empty, and never falls back for other roots', () => {
    expect(render('[{{after.nothing}}]', scope)).toBe('[]');
    expect(render('[{{after.none}}]', scope)).toBe('[]'); // null present in after: no fallback to entity
    expect(render('[{{before.name}}]', scope)).toBe('[]');
    expect(render('[{{metadata.x}}]', scope)).toBe('[]');
    expect(render('[{{after.status.deeper}}]', scope)).toBe('[]');
    expect(render('{{not closed', scope)).toBe('{{not closed');
    expect(render('{{constructor}}', {})).toBe('');
    expect(render('no placeholders', scope)).toBe('no placeholders');
  });
});

describe('RuleIndex', () => {
  let n = 0;
  const row = (trigger: Trigger, over: Partial<RuleRow> = {}): RuleRow => ({
    id: `rule_${++n}`, tenant_id: 't1', name: `r${n}`, kind: 'reactive', enabled: true, trigger: trigger as RuleRow['trigger'],
    actions: [{ type: 'notify', to: 'owner', message: 'x' }], active_after_diff: 100, ...over,
  });
  const diff = (over: Partial<DiffFacts> = {}): DiffFacts => ({
    id: 200, namespace: 'flow_os', entity_type: 'task', event: 'task.updated', created_at: new Date('2025-02-01T00:00:00Z'),
    before: { status: 'todo' }, after: { status: 'blocked' }, metadata: {}, actor: { type: 'user', id: 'u' }, ...over,
  });

  const exact = row({ namespace: 'flow_os', event: 'task.updated' });
  const nsOnly = row({ namespace: 'flow_os' });
  const eventOnly = row({ event: 'task.updated' });
  const everything = row({});
  const workflowsOnly = row({ namespace: 'flow_os', entity_type: 'workflow' });
  const otherNs = row({ namespace: 'sales', event: 'task.updated' });
  const withWhen = row({ namespace: 'flow_os', event: 'task.updated', when: { path: 'after.status', op: 'changed_to', value: 'blocked' } });
  const flat = row({ namespace: 'flow_os', event: 'status=blocked' });
  const readsState = row({ event: 'task.updated', when: { path: 'entity.priority', op: 'eq', value: 'urgent' } });
  const late = row({}, { active_after_diff: '300' }); // bigint may arrive as text
  const index = new RuleIndex([exact, nsOnly, eventOnly, everything, workflowsOnly, otherNs, withWhen, flat, readsState, late].map(compileRule));
  const ids = (rs: { id: string }[]) => rs.map((r) => r.id).sort();

  it('candidates: exact key, namespace wildcard, event wildcard and catch-all; entity_type and the diff the rule was switched on at', () => {
    expect(index.size).toBe(10);
    expect(ids(index.candidates(diff()))).toEqual(ids([exact, nsOnly, eventOnly, everything, withWhen, flat, readsState]));
    expect(ids(index.candidates(diff({ entity_type: 'workflow', event: 'workflow.created' })))).toEqual(ids([nsOnly, everything, workflowsOnly, flat]));
    expect(ids(index.candidates(diff({ namespace: 'sales' })))).toEqual(ids([eventOnly, everything, otherNs, readsState]));
    // Diffs up to the one that switched the late rule on do not reach it; later ones and a change not recorded yet (pre-commit) do.
    const crm = (over: Partial<DiffFacts> = {}) => ids(index.candidates(diff({ namespace: 'crm', event: 'deal.won', ...over })));
    expect(crm({ id: 300 })).toEqual(ids([everything]));
    expect(crm({ id: 301 })).toEqual(ids([everything, late]));
    expect(crm({ id: undefined })).toEqual(ids([everything, late]));
  });

  it('match tests conditions (the flat form included) and passes the entity to rules that read it', () => {
    expect(ids(index.match(diff(), { priority: 'urgent' }))).toEqual(ids([exact, nsOnly, eventOnly, everything, withWhen, flat, readsState]));
    const nameOnly = diff({ before: { name: 'a' }, after: { name: 'b' } });
    expect(ids(index.match(nameOnly, { priority: 'low' }))).toEqual(ids([exact, nsOnly, eventOnly, everything]));
    expect(ids(index.match(nameOnly))).toEqual(ids([exact, nsOnly, eventOnly, everything]));
  });

  it('compileRule marks entity readers; indexRules drops disabled rules and splits kinds', () => {
    expect(compileRule(readsState).needsEntity).toBe(true);
    expect(compileRule(withWhen).needsEntity).toBe(false);
    expect(compileRule(everything).test).toBeNull();
    const tr = indexRules([
      row({}), row({}, { enabled: false }), row({}, { kind: 'precommit', actions: [{ type: 'guard', message: 'no' }] }),
      row({ entity_type: 'task', stale_for_hours: 24 }, { kind: 'scheduled' }),
    ]);
    expect(tr.reactive.size).toBe(1);
    expect(tr.precommit.size).toBe(1);
    expect(tr.scheduled).toHaveLength(1);
    expect(new RuleIndex([]).candidates(diff())).toEqual([]);
  });
});

describe('webhook signing and backoff', () => {
  it('signs "<timestamp>.<body>" with HMAC-SHA256 in `t=…,v1=…`', () => {
    const body = JSON.stringify({ hello: 'world' });
    const sig = sign('whsec_test_secret_123', 1_700_000_000, body);
    const expected = createHmac('sha256', 'whsec_test_secret_123').update(`1700000000.${body}`).digest('hex');
    expect(sig).toBe(`t=1700000000,v1=${expected}`);
    expect(sign('another_secret_value', 1_700_000_000, body)).not.toBe(sig);
    expect(sign('whsec_test_secret_123', 1_700_000_001, body)).not.toBe(sig);
    expect(sign('whsec_test_secret_123', 1_700_000_000, `${body} `)).not.toBe(sig);
  });

  it('backs off exponentially with jitter in [0.5, 1.5), capped at an hour, honouring a longer Retry-After', () => {
    const low = () => 0;
    const high = () => 0.999999;
    expect(retryDelaySeconds(1, 10, null, low)).toBe(5);
    expect(retryDelaySeconds(2, 10, null, low)).toBe(10);
    expect(retryDelaySeconds(4, 10, null, low)).toBe(40);
    expect(retryDelaySeconds(1, 10, null, high)).toBeCloseTo(15, 3);
    expect(retryDelaySeconds(30, 10, null, low)).toBe(1800); // cap 3600 × 0.5
    expect(retryDelaySeconds(30, 10, null, high)).toBeLessThan(5400);
    expect(retryDelaySeconds(1, 10, 120, low)).toBe(120);
    expect(retryDelaySeconds(3, 10, 1, low)).toBe(20); // a shorter Retry-After does not shorten the backoff
    for (let i = 0; i < 200; i++) {
      const d = retryDelaySeconds(3, 2, null);
      expect(d).toBeGreaterThanOrEqual(4);
      expect(d).toBeLessThan(12);
    }
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2025-05-01T12:00:00Z');
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter('', now)).toBeNull();
    expect(parseRetryAfter('120', now)).toBe(120);
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('-5', now)).toBe(0);
    expect(parseRetryAfter('Thu, 01 May 2025 12:01:30 GMT', now)).toBe(90);
    expect(parseRetryAfter('Thu, 01 May 2025 11:00:00 GMT', now)).toBe(0); // in the past
    expect(parseRetryAfter('soon', now)).toBeNull();
  });

  it('builds a CloudEvents 1.0 envelope', () => {
    const e = cloudEvent({ runId: 'run_1', ruleId: 'rule_1', event: 'task.updated', entityType: 'task', entityId: 'tsk_1', data: { a: 1 }, time: new Date('2025-01-02T03:04:05.000Z') });
    expect(e).toEqual({
      specversion: '1.0', id: 'run_1', source: 'atrium/rules/rule_1', type: 'atrium.task.updated', subject: 'task/tsk_1',
      time: '2025-01-02T03:04:05.000Z', datacontenttype: 'application/json', data: { a: 1 },
    });
  });
});

describe('webhook URL safety (SSRF)', () => {
  const strict = { allowPrivate: false };
  const lenient = { allowPrivate: true };
  const refused = (url: string, policy = strict): AppError => {
    try {
      assertSafeUrl(url, policy, 'body.actions.0.url');
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      const e = err as AppError;
      expect(e.code).toBe('UNSAFE_URL');
      expect(e.status).toBe(400);
      expect(e.details[0]!.path).toBe('body.actions.0.url');
      return e;
    }
    throw new Error(`${url} was accepted`);
  };

  it('allows public http(s) URLs', () => {
    expect(assertSafeUrl('https://hooks.example.com/in?x=1', strict).hostname).toBe('hooks.example.com');
    expect(assertSafeUrl('http://93.184.216.34:8080/hook', strict).port).toBe('8080');
    expect(assertSafeUrl('https://[2606:4700::1111]/', strict).hostname).toBe('[2606:4700::1111]');
  });

  it('refuses other schemes, non-URLs and credentials', () => {
    expect(refused('ftp://files.example.com/x').details[0]!.message).toContain('http');
    refused('file:///etc/passwd');
    refused('gopher://example.com/');
    refused('javascript:alert(1)');
    refused('not a url');
    expect(refused('https://user:pass@hooks.example.com/').details[0]!.message).toContain('credentials');
    refused('https://user@hooks.example.com/');
  });

  it('refuses link-local and cloud metadata addresses even when private targets are allowed', () => {
    for (const policy of [strict, lenient]) {
      refused('http://169.254.169.254/latest/meta-data/', policy);
      refused('http://169.254.1.1/', policy);
      refused('http://[fe80::1]/', policy);
      refused('http://[fe80::abcd:1234]:8080/', policy);
      refused('http://[fd00:ec2::254]/', policy);
      refused('http://metadata.google.internal/computeMetadata/v1/', policy);
      refused('http://METADATA.GOOGLE.INTERNAL/', policy);
      refused('http://metadata.google.internal./', policy); // trailing-dot FQDN
      refused('http://100.100.100.200/', policy);
      refused('http://0.0.0.0/', policy);
      // IPv4-mapped IPv6 and the numeric spellings URL parsers normalise.
      refused('http://[::ffff:169.254.169.254]/', policy);
      refused('http://2852039166/', policy);
      refused('http://0xA9FEA9FE/', policy);
      refused('http://169.254.169.254.:80/', policy);
    }
  });

  it('refuses loopback and private addresses unless the operator allows them', () => {
    for (const url of ['http://127.0.0.1:8080/', 'http://localhost/', 'http://api.localhost/', 'http://10.1.2.3/', 'http://172.16.0.1/', 'http://192.168.1.10/',
      'http://[::1]/', 'http://[fc00::1]/', 'http://[::ffff:127.0.0.1]/', 'http://[::ffff:10.0.0.1]/', 'http://100.64.0.1/', 'http://2130706433/']) {
      expect(refused(url).details[0]!.message, url).toMatch(/loopback|private/);
      expect(() => assertSafeUrl(url, lenient), url).not.toThrow();
    }
    // Just outside the private ranges.
    expect(() => assertSafeUrl('http://172.32.0.1/', strict)).not.toThrow();
    expect(() => assertSafeUrl('http://11.0.0.1/', strict)).not.toThrow();
  });
});
