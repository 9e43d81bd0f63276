// What a run does next, from its definition and its journal: a pure function, so the executor
// can ask it again after every step (and ahead of a commit, to finish the run in the
// transaction of its last step). Dead-path elimination: a step whose incoming edges can no
// longer be taken is skipped, and so is what only follows it.
import type { Json } from '../../platform/schema.js';
import { compileExpression } from '../../platform/expressions.js';
import { ancestorsOf, branchesOf, LIMITS, parseEdge, topoOrder, type FlowDefinition, type InnerStep, type StepDef } from './definition.js';
import type { StepStatus } from './schema.js';

export type StepState = {
  status: StepStatus;
  attempt: number;
  output: Json | null;
  branch: string | null;
  /** failed: when the next attempt is due (null: no attempt left) · waiting: its deadline, if any. */
  dueAt: Date | null;
  error: Json | null;
  seq: number;
};
export type States = Map<string, StepState>;

export type Scope = { input: Json; steps: Record<string, { output: Json | null; branch: string | null; status: string }>; run: Json; item?: Json; index?: number; trigger?: Json };

/** One piece of work: a top-level step, or one item of a for_each. */
export type Unit = { key: string; step: StepDef; inner: InnerStep | null; index: number | null; item: Json | null; attempt: number };

export type Plan = {
  /** Units to execute now. */
  ready: Unit[];
  /** Steps settled without effects (skipped, condition, switch, transform, parallel, for_each joins). */
  pure: { key: string; step: StepDef; status: 'completed' | 'skipped'; output: Json | null; branch: string | null }[];
  /** Units started and not finished: waiting for something, or retrying later. */
  pending: { key: string; dueAt: Date | null; status: 'waiting' | 'retrying' }[];
  /** A step failed for good (or an error branch nobody follows): the run fails. */
  failed: { key: string; error: Json } | null;
  /** Every step settled: the run completed. */
  done: boolean;
};

export const isSettled = (s: StepState | undefined): boolean => s !== undefined && (s.status === 'completed' || s.status === 'skipped');

export function scopeOf(input: Json, states: States, run: Json): Scope {
  const steps: Scope['steps'] = {};
  for (const [key, s] of states) if (!key.includes('[') && !key.includes('#')) steps[key] = { output: s.output, branch: s.branch, status: s.status };
  return { input, steps, run };
}

/** A branch that fails its step unless some step follows it. */
export function unhandledErrorBranch(def: FlowDefinition, step: StepDef, branch: string | null): boolean {
  if (branch === null || !branchesOf(step).error.includes(branch)) return false;
  return !def.steps.some((s) => s.after.some((e) => { const p = parseEdge(e); return p.from === step.id && p.branch === branch; }));
}

const ancestry = new WeakMap<FlowDefinition, Map<string, Set<string>>>();
/** A definition's ancestors per step, computed once per (immutable, cached) version. */
export function ancestryOf(def: FlowDefinition): Map<string, Set<string>> {
  let a = ancestry.get(def);
  if (!a) { a = ancestorsOf(def.steps); ancestry.set(def, a); }
  return a;
}

const orders = new WeakMap<FlowDefinition, StepDef[]>();
export function orderOf(def: FlowDefinition): StepDef[] {
  let o = orders.get(def);
  if (!o) { o = topoOrder(def.steps).order; orders.set(def, o); }
  return o;
}

type Evaluate = (src: string, scope: Scope) => unknown;
const evaluate: Evaluate = (src, scope) => compileExpression(src).evaluate(scope as unknown as Record<string, unknown>);

/**
 * Plans from the states. `inFlight`: keys executing now (not ready again). `pureValue` computes
 * a transform's output (templates), given here so this file stays free of rendering.
 */
export function plan(def: FlowDefinition, states: States, scope: Scope, now: Date, inFlight: ReadonlySet<string>, pureValue: (step: StepDef, scope: Scope) => Json): Plan {
  const out: Plan = { ready: [], pure: [], pending: [], failed: null, done: false };
  const local = new Map(states);
  const sc: Scope = { ...scope, steps: { ...scope.steps } };
  const settle = (key: string, step: StepDef, status: 'completed' | 'skipped', output: Json | null, branch: string | null) => {
    out.pure.push({ key, step, status, output, branch });
    local.set(key, { status, attempt: 1, output, branch, dueAt: null, error: null, seq: Number.MAX_SAFE_INTEGER });
    sc.steps[key] = { output, branch, status };
  };
  let allSettled = true;
  for (const step of orderOf(def)) {
    const st = local.get(step.id);
    // Woken on an error branch nobody follows (a rejection, a failed task, a timeout): the step failed.
    if (st?.status === 'completed' && unhandledErrorBranch(def, step, st.branch)) {
      out.failed = { key: step.id, error: { code: 'UNHANDLED_BRANCH', message: `the step ended "${st.branch}" and no step follows that branch` } };
      return out;
    }
    if (isSettled(st)) continue;
    allSettled = false;
    if (st?.status === 'failed' && st.dueAt === null) {
      out.failed = { key: step.id, error: st.error ?? { code: 'STEP_FAILED', message: 'the step failed' } };
      return out;
    }
    if (st?.status === 'waiting' || (st?.status === 'failed' && st.dueAt !== null)) {
      if (inFlight.has(step.id)) continue;
      if (st.status === 'failed' && st.dueAt !== null && st.dueAt <= now) out.ready.push(unit(step, null, null, st.attempt + 1));
      else out.pending.push({ key: step.id, dueAt: st.dueAt, status: st.status === 'waiting' ? 'waiting' : 'retrying' });
      continue;
    }
    if (inFlight.has(step.id)) continue;
    // for_each items in progress (the parent has no row until every item completed).
    if (step.type === 'for_each' && hasItems(local, step.id)) {
      forEach(step, local, sc, now, inFlight, out, settle);
      if (out.failed) return out;
      continue;
    }
    const activation = activated(step, local);
    if (activation === 'wait') continue;
    if (activation === 'skip') { settle(step.id, step, 'skipped', null, null); continue; }
    try {
      if (step.when !== undefined && !truthy(evaluate(step.when, sc))) { settle(step.id, step, 'skipped', null, null); continue; }
      switch (step.type) {
        case 'condition': settle(step.id, step, 'completed', null, truthy(evaluate(step.if, sc)) ? 'true' : 'false'); continue;
        case 'switch': {
          const v = evaluate(step.value, sc);
          const hit = step.cases.find((c) => String(v) === c);
          settle(step.id, step, 'completed', v === undefined ? null : (v as Json), hit ?? 'default');
          continue;
        }
        case 'parallel': settle(step.id, step, 'completed', null, null); continue;
        case 'transform': settle(step.id, step, 'completed', pureValue(step, sc), null); continue;
        case 'for_each': forEach(step, local, sc, now, inFlight, out, settle); if (out.failed) return out; continue;
        default: out.ready.push(unit(step, null, null, (st?.attempt ?? 0) + 1));
      }
    } catch (err) {
      out.failed = { key: step.id, error: { code: 'EXPRESSION_FAILED', message: (err as Error).message } };
      return out;
    }
  }
  out.done = allSettled || (out.ready.length === 0 && out.pending.length === 0 && inFlight.size === 0 && orderOf(def).every((s) => isSettled(local.get(s.id))));
  return out;
}

const unit = (step: StepDef, index: number | null, item: Json | null, attempt: number, inner: InnerStep | null = null): Unit => ({
  key: index === null ? step.id : `${step.id}[${index}]`, step, inner, index, item, attempt,
});

const hasItems = (states: States, id: string): boolean => {
  for (const k of states.keys()) if (k.startsWith(`${id}[`)) return true;
  return false;
};

function forEach(step: Extract<StepDef, { type: 'for_each' }>, states: States, sc: Scope, now: Date, inFlight: ReadonlySet<string>, out: Plan,
  settle: (key: string, step: StepDef, status: 'completed' | 'skipped', output: Json | null, branch: string | null) => void): void {
  const items = evaluate(step.items, sc);
  if (!Array.isArray(items)) { out.failed = { key: step.id, error: { code: 'FOR_EACH_NOT_A_LIST', message: `items is ${items === null ? 'null' : typeof items}, not a list` } }; return; }
  const limit = step.limit ?? LIMITS.forEachDefault;
  if (items.length > limit) {
    out.failed = { key: step.id, error: { code: 'FOR_EACH_TOO_MANY', message: `${items.length} items, more than the limit of ${limit}${step.limit === undefined ? ' (set "limit" to allow more, at most 10000)' : ''}` } };
    return;
  }
  const outputs: Json[] = [];
  let running = 0;
  for (let i = 0; i < items.length; i += 1) if (inFlight.has(`${step.id}[${i}]`)) running += 1;
  let complete = true;
  for (let i = 0; i < items.length; i += 1) {
    const key = `${step.id}[${i}]`;
    const st = states.get(key);
    if (st?.status === 'completed') { outputs.push(st.output); continue; }
    complete = false;
    if (inFlight.has(key)) continue;
    if (st?.status === 'failed' && st.dueAt === null) { out.failed = { key, error: st.error ?? { code: 'STEP_FAILED', message: 'an item failed' } }; return; }
    if (st?.status === 'waiting' || (st?.status === 'failed' && st.dueAt !== null && st.dueAt > now)) { out.pending.push({ key, dueAt: st.dueAt, status: st.status === 'waiting' ? 'waiting' : 'retrying' }); continue; }
    if (running >= step.concurrency) continue;
    running += 1;
    out.ready.push(unit(step, i, items[i] as Json, (st?.attempt ?? 0) + 1, step.step));
  }
  if (complete) settle(step.id, step, 'completed', outputs, null);
}

function truthy(v: unknown): boolean {
  return v !== false && v !== null && v !== undefined && v !== 0 && v !== '';
}

/** Whether a step's incoming edges let it run now, never, or not yet. */
function activated(step: StepDef, states: States): 'run' | 'skip' | 'wait' {
  if (step.after.length === 0) return 'run';
  let taken = 0;
  let settled = 0;
  for (const e of step.after) {
    const { from, branch } = parseEdge(e);
    const src = states.get(from);
    if (!isSettled(src)) continue;
    settled += 1;
    if (src!.status === 'completed' && (branch === null || src!.branch === branch)) taken += 1;
  }
  const total = step.after.length;
  const need = step.join === 'all' ? total : step.join === 'any' ? 1 : step.join.n;
  if (taken >= need) return step.join === 'all' && settled < total ? 'wait' : 'run';
  if (taken + (total - settled) < need) return 'skip';
  return 'wait';
}
