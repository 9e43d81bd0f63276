// A flow definition: a graph of steps, written as JSON or YAML. The schema (zod) checks each
// step's shape; `checkDefinition` then checks what a schema cannot — edges to steps and branches
// that exist, no cycle, every `steps.X` a template reads coming from an earlier step, `input.k`
// declared, commands that exist, cron no more often than once a minute — and names the path of
// each problem, so the editor can show it on the node.
import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { conditionProblems, conditionSchema } from '../../platform/conditions.js';
import { compileDeep, compileExpression, ExpressionError } from '../../platform/expressions.js';
import { validatorFor } from '../../platform/json-schema.js';
import { AppError } from '../../platform/errors.js';

export const LIMITS = { steps: 200, bytes: 256 * 1024, forEachDefault: 100, forEachMax: 10_000, parallelBranches: 50, retryAttempts: 20 } as const;

const stepId = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'lower-case letters, digits and _, starting with a letter');
const seconds = (max: number) => z.number().int().min(1).max(max);
/** `a` (after a completed), `a:branch` (after a took that branch). */
const edge = z.string().regex(/^[a-z][a-z0-9_]{0,63}(:[A-Za-z0-9_-]{1,64})?$/, 'a step id, or step_id:branch');
const target = z.string().regex(/^(user:[A-Za-z0-9_-]{1,100}|role:(owner|admin|member|viewer)|starter)$/, 'user:<id>, role:<owner|admin|member|viewer> or starter');

export const retrySchema = z.strictObject({
  max_attempts: z.number().int().min(1).max(LIMITS.retryAttempts).default(3),
  initial_ms: z.number().int().min(0).max(3_600_000).default(500),
  max_ms: z.number().int().min(0).max(86_400_000).default(60_000),
  factor: z.number().min(1).max(10).default(2),
  jitter: z.boolean().default(true),
});
export type RetryPolicy = z.output<typeof retrySchema>;

const http = {
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
  url: z.string().min(1).max(2000),
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]{1,100}$/), z.string().max(2000)).optional(),
  body: z.unknown().optional(),
  /** Signs the body (HMAC-SHA256, `Atrium-Signature`), like rule webhooks. */
  secret: z.string().min(16).max(200).optional(),
};
const command = { command: z.string().regex(/^[a-z_]+\.[a-z_]+$/, '<module>.<command>'), input: z.unknown().optional() };
const llm = {
  alias: z.string().min(1).max(100).default('default'),
  system: z.string().max(20_000).optional(),
  prompt: z.string().min(1).max(50_000),
  schema: z.record(z.string(), z.unknown()).optional(),
  max_tokens: z.number().int().min(1).max(32_000).optional(),
};
const task = {
  workflow_id: z.string().min(1).max(200),
  name: z.string().min(1).max(500),
  description: z.string().max(20_000).optional(),
  assignee_id: z.string().max(200).optional(),
  due_date: z.string().max(200).optional(),
  priority: z.string().max(50).optional(),
};
const subFlow = { flow: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,79}$/), version: z.string().regex(/^\d+\.\d+\.\d+$/).optional(), input: z.unknown().optional() };
const transform = { value: z.unknown() };

/** What a `for_each` repeats, and a compensation: one step without graph fields. */
const innerStep = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('command'), ...command }),
  z.strictObject({ type: z.literal('http'), ...http }),
  z.strictObject({ type: z.literal('llm'), ...llm }),
  z.strictObject({ type: z.literal('transform'), ...transform }),
  z.strictObject({ type: z.literal('sub_flow'), ...subFlow }),
]);
export type InnerStep = z.output<typeof innerStep>;

const graph = {
  id: stepId,
  name: z.string().max(200).optional(),
  after: z.array(edge).max(LIMITS.parallelBranches).default([]),
  /** How several `after` edges combine: every one taken, the first, or n of them. */
  join: z.union([z.enum(['all', 'any']), z.strictObject({ n: z.number().int().min(1).max(LIMITS.parallelBranches) })]).default('all'),
  /** A guard: the step is skipped (and what only follows it) when false. */
  when: z.string().max(2000).optional(),
  retry: retrySchema.optional(),
  timeout_seconds: seconds(7 * 86_400).optional(),
  compensate: innerStep.optional(),
  /** Checked against the step's output (JSON Schema). */
  output_schema: z.record(z.string(), z.unknown()).optional(),
  /** Editor layout; the engine ignores it. */
  position: z.strictObject({ x: z.number(), y: z.number() }).optional(),
};

const waitEvent = z.strictObject({
  namespace: z.string().max(100).optional(),
  event: z.string().max(100).optional(),
  entity_id: z.string().max(500).optional(),
  filter: conditionSchema.optional(),
});

export const stepSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('command'), ...graph, ...command }),
  z.strictObject({ type: z.literal('http'), ...graph, ...http }),
  z.strictObject({ type: z.literal('llm'), ...graph, ...llm }),
  z.strictObject({ type: z.literal('task'), ...graph, ...task }),
  z.strictObject({ type: z.literal('transform'), ...graph, ...transform }),
  z.strictObject({ type: z.literal('sub_flow'), ...graph, ...subFlow }),
  z.strictObject({ type: z.literal('condition'), ...graph, if: z.string().min(1).max(2000) }),
  z.strictObject({ type: z.literal('switch'), ...graph, value: z.string().min(1).max(2000), cases: z.array(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/)).min(1).max(50) }),
  z.strictObject({ type: z.literal('parallel'), ...graph }),
  z.strictObject({
    type: z.literal('for_each'), ...graph, items: z.string().min(1).max(2000),
    /** Refused at run time when there are more items (default 100; at most 10 000). */
    limit: z.number().int().min(1).max(LIMITS.forEachMax).optional(),
    concurrency: z.number().int().min(1).max(50).default(10),
    step: innerStep,
  }),
  z.strictObject({
    type: z.literal('approval'), ...graph,
    title: z.string().min(1).max(500),
    description: z.string().max(20_000).optional(),
    approvers: z.array(target).min(1).max(50),
    required: z.number().int().min(1).max(50).default(1),
    /** The person who started the run may not decide (four eyes). */
    exclude_starter: z.boolean().default(true),
  }),
  z.strictObject({
    type: z.literal('wait'), ...graph,
    seconds: seconds(366 * 86_400).optional(),
    until: z.string().max(2000).optional(),
    event: waitEvent.optional(),
  }),
]);
export type StepDef = z.output<typeof stepSchema>;
export type StepType = StepDef['type'];
export const STEP_TYPES = stepSchema.options.map((o) => o.shape.type.value) as StepType[];

const triggerSchema = z.union([
  z.strictObject({ schedule: z.strictObject({ cron: z.string().min(9).max(200), timezone: z.string().max(100).default('UTC'), input: z.record(z.string(), z.unknown()).default({}) }) }),
  z.strictObject({ event: z.strictObject({ ...waitEvent.shape, input: z.record(z.string(), z.unknown()).default({}) }) }),
]);
export type TriggerDef = z.output<typeof triggerSchema>;

export const definitionSchema = z.strictObject({
  key: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,79}$/, 'lower-case letters, digits, - and _'),
  name: z.string().trim().min(1).max(200),
  description: z.string().max(5000).default(''),
  version: z.string().regex(/^\d{1,6}\.\d{1,6}\.\d{1,6}$/, 'semver: MAJOR.MINOR.PATCH').default('1.0.0'),
  /** JSON Schema of a run's input (an object). */
  input: z.record(z.string(), z.unknown()).default({ type: 'object' }),
  /** The run's output: a template over steps (default: the last completed step's output). */
  output: z.unknown().optional(),
  control: z.strictObject({
    concurrency: z.strictObject({ limit: z.number().int().min(1).max(10_000), key: z.string().max(2000).optional() }).optional(),
    throttle: z.strictObject({ limit: z.number().int().min(1).max(100_000), period_seconds: seconds(86_400) }).optional(),
    priority: z.number().int().min(-100).max(100).default(0),
    timeout_seconds: seconds(30 * 86_400).optional(),
  }).default({ priority: 0 }),
  triggers: z.array(triggerSchema).max(20).default([]),
  steps: z.array(stepSchema).min(1).max(LIMITS.steps),
});
export type FlowDefinition = z.output<typeof definitionSchema>;

/** The branches a step can take (edges `id:branch`); `error` ones fail the step unless some step follows them. */
export function branchesOf(s: StepDef): { all: readonly string[]; error: readonly string[] } {
  switch (s.type) {
    case 'condition': return { all: ['true', 'false'], error: [] };
    case 'switch': return { all: [...s.cases, 'default'], error: [] };
    case 'approval': return { all: ['approved', 'rejected', 'timeout'], error: ['rejected', 'timeout'] };
    case 'task': return { all: ['done', 'failed', 'timeout'], error: ['failed', 'timeout'] };
    case 'wait': return s.event ? { all: ['event', 'timeout'], error: ['timeout'] } : { all: [], error: [] };
    case 'sub_flow': return { all: ['completed', 'failed'], error: ['failed'] };
    // Held by a require_approval rule, the command waits for the decision; a rejection is this branch.
    case 'command': return { all: ['rejected'], error: ['rejected'] };
    default: return { all: [], error: [] };
  }
}

export type Problem = { path: string; message: string };
export type CommandLookup = (name: string) => boolean;
/** Why an http step may not call this (literal) URL — a private or metadata address — or null. */
export type UrlCheck = (url: string) => string | null;

export function parseEdge(e: string): { from: string; branch: string | null } {
  const i = e.indexOf(':');
  return i < 0 ? { from: e, branch: null } : { from: e.slice(0, i), branch: e.slice(i + 1) };
}

/** The templates and expressions of a step, by field, for the reference check. */
function expressionsOf(s: StepDef): { field: string; refs: () => string[][] }[] {
  const out: { field: string; refs: () => string[][] }[] = [];
  const deep = (field: string, v: unknown) => { if (v !== undefined) { const c = compileDeep(v); out.push({ field, refs: () => c.references() }); } };
  const expr = (field: string, v: string | undefined) => { if (v !== undefined) { const c = compileExpression(v); out.push({ field, refs: () => c.references() }); } };
  expr('when', s.when);
  const inner = (prefix: string, i: InnerStep) => {
    const { type: _t, ...rest } = i;
    for (const [k, v] of Object.entries(rest)) if (k !== 'schema' && k !== 'secret') deep(`${prefix}${k}`, v);
  };
  switch (s.type) {
    case 'condition': expr('if', s.if); break;
    case 'switch': expr('value', s.value); break;
    case 'for_each': expr('items', s.items); inner('step.', s.step); break;
    case 'wait': expr('until', s.until); deep('event', s.event ? { entity_id: s.event.entity_id } : undefined); break;
    case 'approval': deep('title', s.title); deep('description', s.description); break;
    case 'parallel': break;
    default: {
      const { id: _i, after: _a, join: _j, when: _w, retry: _r, timeout_seconds: _ts, compensate: _c, output_schema: _o, position: _p, name: _n, ...rest } = s;
      for (const [k, v] of Object.entries(rest)) if (k !== 'type' && k !== 'schema' && k !== 'secret') deep(k, v);
    }
  }
  if (s.compensate) inner('compensate.', s.compensate);
  return out;
}

/** Steps in an order where every step comes after those it follows (a cycle → problems). */
export function topoOrder(steps: readonly StepDef[]): { order: StepDef[]; problems: Problem[] } {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const state = new Map<string, 'visiting' | 'done'>();
  const order: StepDef[] = [];
  const problems: Problem[] = [];
  const visit = (s: StepDef, path: string[]) => {
    if (state.get(s.id) === 'done') return;
    if (state.get(s.id) === 'visiting') {
      problems.push({ path: `steps.${steps.indexOf(s)}.after`, message: `cycle: ${[...path.slice(path.indexOf(s.id)), s.id].join(' → ')}` });
      return;
    }
    state.set(s.id, 'visiting');
    for (const e of s.after) {
      const from = byId.get(parseEdge(e).from);
      if (from) visit(from, [...path, s.id]);
    }
    state.set(s.id, 'done');
    order.push(s);
  };
  for (const s of steps) visit(s, []);
  return { order, problems };
}

/** Every step's ancestors: the steps that run before it, directly or not (an acyclic graph). */
export function ancestorsOf(steps: readonly StepDef[]): Map<string, Set<string>> {
  const ancestors = new Map<string, Set<string>>();
  for (const s of topoOrder(steps).order) {
    const set = new Set<string>();
    for (const e of s.after) {
      const from = parseEdge(e).from;
      set.add(from);
      for (const a of ancestors.get(from) ?? []) set.add(a);
    }
    ancestors.set(s.id, set);
  }
  return ancestors;
}

const INPUT_REFS = (schema: Record<string, unknown>): Set<string> | null => {
  const props = schema['properties'];
  if (!props || typeof props !== 'object') return null; // no declared properties: any input path is allowed
  return new Set(Object.keys(props));
};

function cronProblem(cron: string, timezone: string): string | null {
  try {
    const it = CronExpressionParser.parse(cron, { tz: timezone, currentDate: new Date('2026-01-05T00:00:00Z') });
    let prev = it.next().getTime();
    // Fires more often than once a minute anywhere in the next few occurrences → refused.
    for (let i = 0; i < 5; i += 1) {
      const t = it.next().getTime();
      if (t - prev < 60_000) return 'a schedule runs at most once a minute';
      prev = t;
    }
    return null;
  } catch (err) {
    return `not a cron expression (${(err as Error).message})`;
  }
}

/** Every problem of a parsed definition, with the path of each (empty: it is valid). */
export function checkDefinition(def: FlowDefinition, commandExists: CommandLookup, urlCheck?: UrlCheck): Problem[] {
  const problems: Problem[] = [];
  const byId = new Map<string, StepDef>();
  def.steps.forEach((s, i) => {
    if (byId.has(s.id)) problems.push({ path: `steps.${i}.id`, message: `step id "${s.id}" is used twice` });
    byId.set(s.id, s);
  });
  try {
    validatorFor(def.input, 'input');
    if (def.input['type'] !== undefined && def.input['type'] !== 'object') problems.push({ path: 'input.type', message: 'a run input is an object' });
  } catch (err) {
    problems.push({ path: 'input', message: (err as Error).message });
  }
  def.steps.forEach((s, i) => {
    s.after.forEach((e, j) => {
      const { from, branch } = parseEdge(e);
      const src = byId.get(from);
      if (!src) problems.push({ path: `steps.${i}.after.${j}`, message: `no step "${from}"` });
      else if (from === s.id) problems.push({ path: `steps.${i}.after.${j}`, message: `cycle: ${s.id} → ${s.id}` });
      else if (branch !== null && !branchesOf(src).all.includes(branch)) {
        const known = branchesOf(src).all;
        problems.push({ path: `steps.${i}.after.${j}`, message: known.length ? `step "${from}" (${src.type}) has no branch "${branch}" (${known.join(', ')})` : `step "${from}" (${src.type}) has no branches` });
      }
    });
    if (typeof s.join === 'object' && s.join.n > s.after.length) problems.push({ path: `steps.${i}.join.n`, message: `joins ${s.join.n} of ${s.after.length} incoming edges` });
    if (s.type === 'command' && !commandExists(s.command)) problems.push({ path: `steps.${i}.command`, message: `no command "${s.command}"` });
    for (const inner of [s.type === 'for_each' ? s.step : undefined, s.compensate]) {
      if (inner?.type === 'command' && !commandExists(inner.command)) problems.push({ path: `steps.${i}.${inner === s.compensate ? 'compensate' : 'step'}.command`, message: `no command "${inner.command}"` });
    }
    // A URL written out (no template) is checked now; a templated one at call time (and every one, after DNS).
    for (const [at, h] of [[`steps.${i}`, s], [`steps.${i}.step`, s.type === 'for_each' ? s.step : undefined], [`steps.${i}.compensate`, s.compensate]] as const) {
      if (h?.type !== 'http' || h.url.includes('{{') || !urlCheck) continue;
      const why = urlCheck(h.url);
      if (why) problems.push({ path: `${at}.url`, message: why });
    }
    if (s.type === 'sub_flow' && s.flow === def.key) problems.push({ path: `steps.${i}.flow`, message: `cycle: flow "${def.key}" starts itself` });
    if (s.type === 'for_each' && s.step.type === 'sub_flow' && s.step.flow === def.key) problems.push({ path: `steps.${i}.step.flow`, message: `cycle: flow "${def.key}" starts itself` });
    if (s.type === 'wait') {
      const kinds = [s.seconds !== undefined, s.until !== undefined, s.event !== undefined].filter(Boolean).length;
      if (kinds !== 1) problems.push({ path: `steps.${i}`, message: 'a wait has exactly one of seconds, until or event' });
      if (s.event?.filter) problems.push(...conditionProblems(s.event.filter, [`steps.${i}.event.filter`]));
    }
    if (s.type === 'approval') {
      const people = s.approvers.filter((a) => a !== 'starter').length;
      if (s.approvers.every((a) => a.startsWith('user:')) && s.required > people) problems.push({ path: `steps.${i}.required`, message: `needs ${s.required} approvers of ${people} named` });
      if (s.exclude_starter && s.approvers.includes('starter')) problems.push({ path: `steps.${i}.approvers`, message: 'the starter is excluded (exclude_starter) and named' });
    }
    for (const schema of [s.output_schema, s.type === 'llm' ? s.schema : undefined]) {
      if (!schema) continue;
      try { validatorFor(schema, `steps.${i}.schema`); } catch (err) { problems.push({ path: `steps.${i}.${schema === s.output_schema ? 'output_schema' : 'schema'}`, message: (err as Error).message }); }
    }
  });
  const { problems: cycles } = topoOrder(def.steps);
  problems.push(...cycles);
  if (problems.length > 0) return problems;

  // References: `steps.X` must be an ancestor of the step that reads it; `input.k` declared.
  const ancestors = ancestorsOf(def.steps);
  const declared = INPUT_REFS(def.input);
  const checkRefs = (path: string, refs: string[][], upstream: Set<string> | null) => {
    for (const r of refs) {
      if (r[0] === 'steps') {
        const id = r[1];
        if (id === undefined) continue;
        if (!byId.has(id)) problems.push({ path, message: `reads steps.${id}, and there is no step "${id}"` });
        else if (upstream && !upstream.has(id)) problems.push({ path, message: `reads steps.${id}, which does not run before this step (add it to "after")` });
        else if (r[2] !== undefined && !['output', 'branch', 'status'].includes(r[2])) problems.push({ path, message: `steps.${id} has output, branch and status (not "${r[2]}")` });
      } else if (r[0] === 'input' && declared && r[1] !== undefined && !declared.has(r[1])) {
        problems.push({ path, message: `reads input.${r[1]}, which the input schema does not declare` });
      } else if (!['steps', 'input', 'run', 'item', 'index', 'trigger'].includes(r[0] ?? '')) {
        problems.push({ path, message: `unknown name "${r[0]}" (use input, steps, run, item or index)` });
      }
    }
  };
  def.steps.forEach((s, i) => {
    try {
      for (const e of expressionsOf(s)) checkRefs(`steps.${i}.${e.field}`, e.refs(), ancestors.get(s.id)!);
    } catch (err) {
      problems.push({ path: `steps.${i}`, message: err instanceof ExpressionError ? `expression: ${err.message}` : (err as Error).message });
    }
  });
  try {
    if (def.output !== undefined) checkRefs('output', compileDeep(def.output).references(), null);
    if (def.control.concurrency?.key) checkRefs('control.concurrency.key', compileExpression(def.control.concurrency.key).references(), new Set());
  } catch (err) {
    problems.push({ path: 'output', message: `expression: ${(err as Error).message}` });
  }
  def.triggers.forEach((t, i) => {
    if ('schedule' in t) {
      const p = cronProblem(t.schedule.cron, t.schedule.timezone);
      if (p) problems.push({ path: `triggers.${i}.schedule.cron`, message: p });
    } else if (t.event.filter) problems.push(...conditionProblems(t.event.filter, [`triggers.${i}.event.filter`]));
  });
  return problems;
}

export function definitionError(problems: readonly Problem[]): AppError {
  return new AppError('INVALID_FLOW', 400, `The flow definition is not valid: ${problems[0]?.path}: ${problems[0]?.message}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`,
    problems.slice(0, 50).map((p) => ({ path: p.path, message: p.message })));
}

/** Parses a definition from JSON or YAML (already decoded) and checks it; throws 400 INVALID_FLOW. */
export function parseDefinition(raw: unknown, commandExists: CommandLookup, urlCheck?: UrlCheck): FlowDefinition {
  const size = JSON.stringify(raw ?? null).length;
  if (size > LIMITS.bytes) throw definitionError([{ path: '', message: `the definition is ${size} bytes (at most ${LIMITS.bytes})` }]);
  const r = definitionSchema.safeParse(raw);
  if (!r.success) throw definitionError(r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
  const problems = checkDefinition(r.data, commandExists, urlCheck);
  if (problems.length > 0) throw definitionError(problems);
  return r.data;
}

/** The next fire time of a schedule after `from`. */
export function nextFire(cron: string, timezone: string, from: Date): Date {
  return CronExpressionParser.parse(cron, { tz: timezone, currentDate: from }).next().toDate();
}
