// What each step type does. Steps with database effects (command, task, approval, event and
// timer waits, sub_flow) run inside the transaction that journals them, so their effect and
// their journal row commit together or not at all; steps that call out (http, llm) run first and
// are journalled after, with an idempotency key (run:step:attempt) a receiver can dedupe on.
import { parseRetryAfter, sign } from '../../platform/outbound.js';
import type { Ctx, CtxSource } from '../../platform/context.js';
import type { CommandRegistry } from '../../platform/commands.js';
import { AppError } from '../../platform/errors.js';
import type { Breaker } from '../../platform/breaker.js';
import { compileDeep, compileTemplate } from '../../platform/expressions.js';
import { mismatch } from '../../platform/json-schema.js';
import type { Json, JsonObject } from '../../platform/schema.js';
import { guardedFetch, type UrlPolicy } from '../../platform/url-guard.js';
import { hasScope, ChangeHeld } from '../../platform/http/route.js';
import type { Principal } from '../../platform/context.js';
import type { InnerStep, StepDef } from './definition.js';
import type { Scope } from './plan.js';

/** What a step's execution came to. */
export type Outcome =
  | { kind: 'completed'; output: Json; branch?: string | null; input?: Json }
  | { kind: 'waiting'; input?: Json; output?: Json; dueAt: Date | null; wait: WaitRow | null }
  | { kind: 'failed'; error: StepError; retriable: boolean; retryAfterMs?: number; input?: Json };

export type StepError = { code: string; message: string; status?: number; details?: unknown[] };
export type WaitRow = { kind: 'event' | 'approval' | 'child'; namespace?: string | null; event?: string | null; entity_id?: string | null; spec: JsonObject; until: Date | null };

export type LlmCall = (source: CtxSource, input: { alias: string; system?: string; prompt: string; schema?: Record<string, unknown>; max_tokens?: number; feature: string }) => Promise<{ text: string; json?: unknown; provider: string; model: string; usage: unknown; cached: boolean }>;

export type StepDeps = {
  commands: CommandRegistry;
  llm: LlmCall | null;
  urlPolicy: UrlPolicy;
  breakerFor: (target: string) => Breaker;
  fetchImpl?: typeof fetch;
  /** Starts a child run in the caller's transaction; its id. */
  startChild: (ctx: Ctx, flowKey: string, version: string | undefined, input: Json, parent: { runId: string; stepKey: string }) => Promise<string>;
};

/** The run an executing step belongs to (what steps need of it). */
export type RunInfo = { id: string; tenantId: string; flowId: string; actor: { type: string; id: string }; scopes: readonly string[]; starterUserId: string | null; startedDiffId: number | null };

export const render = (v: unknown, scope: Scope): Json => (v === undefined ? null : (compileDeep(v).render(scope as unknown as Record<string, unknown>) as Json));
const text = (t: string, scope: Scope): string => {
  const v = compileTemplate(t).render(scope as unknown as Record<string, unknown>);
  return typeof v === 'string' ? v : JSON.stringify(v);
};

/** Kinds of execution: in the journalling transaction, or before it (calls out). */
export function runsInTx(s: StepDef | InnerStep): boolean {
  return !(s.type === 'http' || s.type === 'llm');
}

export class StepFailure extends Error {
  constructor(readonly error: StepError, readonly retriable: boolean, readonly retryAfterMs?: number) {
    super(error.message);
  }
}

/** A principal-shaped view of the run's actor, for the scope check of its command steps. */
export function asPrincipal(run: RunInfo): Principal {
  return { tenantId: run.tenantId, actor: run.actor as Principal['actor'], userId: run.actor.type === 'user' ? run.actor.id : null, tokenId: `run:${run.id}`, kind: 'api_key', role: null, scopes: run.scopes, plan: 'free', stepUpAt: null, platformRole: null };
}

/** Errors a retry cannot fix: bad input, refusals, unknown things. */
export function classify(err: unknown): StepFailure {
  if (err instanceof StepFailure) return err;
  if (err instanceof ChangeHeld) return new StepFailure({ code: 'CHANGE_HELD', message: 'the change is held for approval by a rule, and no approval could be recorded' }, false);
  if (err instanceof AppError) return new StepFailure({ code: err.code, message: err.message, status: err.status, ...(err.details.length > 0 && { details: JSON.parse(JSON.stringify(err.details.slice(0, 10))) as unknown[] }) }, err.status >= 500 || err.status === 429 || err.status === 409);
  return new StepFailure({ code: 'STEP_ERROR', message: (err as Error).message ?? String(err) }, true);
}

/** Runs a command as the run's actor; the step's scope check is the run's. */
async function runCommand(d: StepDeps, ctx: Ctx, run: RunInfo, name: string, input: Json): Promise<Json> {
  const defScope = d.commands.scopeOf(name);
  if (!defScope) throw new StepFailure({ code: 'UNKNOWN_COMMAND', message: `no command "${name}"` }, false);
  if (!hasScope(asPrincipal(run), defScope, name.split('.')[0]!)) throw new StepFailure({ code: 'FORBIDDEN', message: `the run's actor lacks the "${defScope}" scope for ${name}` }, false);
  const out = await d.commands.run(ctx, name, input);
  return (out === undefined ? null : JSON.parse(JSON.stringify(out))) as Json;
}

/**
 * A step with database effects, in the journalling transaction. It throws on failure (so the
 * transaction rolls back whatever the step wrote); `classify` turns the error into an outcome.
 */
export async function executeInTx(d: StepDeps, ctx: Ctx, run: RunInfo, step: StepDef | InnerStep, key: string, scope: Scope, now: Date, timeoutSeconds: number | undefined): Promise<Outcome> {
  const until = timeoutSeconds ? new Date(now.getTime() + timeoutSeconds * 1000) : null;
  {
    switch (step.type) {
      case 'command': {
        const input = render(step.input ?? {}, scope);
        return { kind: 'completed', input: { command: step.command, input }, output: await runCommand(d, ctx, run, step.command, input) };
      }
      case 'transform': return { kind: 'completed', output: render(step.value, scope) };
      case 'task': {
        const input: JsonObject = { workflow_id: text(step.workflow_id, scope), name: text(step.name, scope) };
        if (step.description !== undefined) input['description'] = text(step.description, scope);
        if (step.assignee_id !== undefined) input['assignee_id'] = text(step.assignee_id, scope);
        if (step.due_date !== undefined) input['due_date'] = text(step.due_date, scope);
        if (step.priority !== undefined) input['priority'] = text(step.priority, scope);
        const created = await runCommand(d, ctx, run, 'work.create_task', input) as JsonObject;
        const taskId = String((created['task'] as JsonObject | undefined)?.['id'] ?? created['id']);
        return {
          kind: 'waiting', input, output: { task_id: taskId }, dueAt: until,
          wait: { kind: 'event', namespace: 'flow_os', event: 'task.updated', entity_id: taskId, spec: { task: true, filter: { path: 'after.status', op: 'in', value: ['done', 'failed'] } }, until },
        };
      }
      case 'approval': {
        const approvers = step.approvers.map((a) => (a === 'starter' ? (run.starterUserId ? `user:${run.starterUserId}` : null) : a)).filter((a): a is string => a !== null);
        const title = text(step.title, scope);
        const spec: JsonObject = { approvers, required: step.required, exclude_starter: step.exclude_starter, starter: run.starterUserId, title, description: step.description === undefined ? '' : text(step.description, scope) };
        if (d.commands.has('notifications.notify')) {
          await d.commands.run(ctx, 'notifications.notify', { to: approvers.slice(0, 20), title: `Approval needed: ${title}`.slice(0, 200), body: String(spec['description']).slice(0, 4000), link: `/runs/${run.id}`, entity: { type: 'run', id: run.id } });
        }
        return { kind: 'waiting', input: spec, dueAt: until, wait: { kind: 'approval', spec, until } };
      }
      case 'wait': {
        if (step.event) {
          const entity = step.event.entity_id === undefined ? null : text(step.event.entity_id, scope);
          const spec: JsonObject = { filter: (step.event.filter ?? null) as Json };
          return { kind: 'waiting', input: { ...spec, entity_id: entity }, dueAt: until, wait: { kind: 'event', namespace: step.event.namespace ?? null, event: step.event.event ?? null, entity_id: entity, spec, until } };
        }
        const due = step.seconds !== undefined ? new Date(now.getTime() + step.seconds * 1000) : new Date(String(render(`{{ ${step.until} }}`, scope)));
        if (Number.isNaN(due.getTime())) throw new StepFailure({ code: 'BAD_INSTANT', message: 'until is not an instant' }, false);
        return { kind: 'waiting', input: { until: due.toISOString() }, dueAt: due, wait: null };
      }
      case 'sub_flow': {
        const input = render(step.input ?? {}, scope);
        const child = await d.startChild(ctx, step.flow, step.version, input, { runId: run.id, stepKey: key });
        return { kind: 'waiting', input: { flow: step.flow, input }, output: { run_id: child }, dueAt: until, wait: { kind: 'child', spec: { run_id: child }, until } };
      }
      default:
        throw new Error(`step type ${step.type} does not run in a transaction`);
    }
  }
}

/**
 * A command held by a require_approval rule, recorded as a pending approval (the rules module's
 * hold handler, through the registry): the step then waits for that approval's decision diff.
 * Null when no approval could be recorded (no module takes holds).
 */
export async function heldOutcome(d: StepDeps, run: RunInfo, err: ChangeHeld, command: string): Promise<Outcome | null> {
  let approval: unknown;
  try {
    approval = ((await d.commands.hold(err, { principal: asPrincipal(run) })).data as { id?: unknown } | null)?.id;
  } catch {
    return null;
  }
  if (typeof approval !== 'string') return null;
  const spec = { held: true, filter: { path: 'after.status', op: 'in', value: ['approved', 'rejected'] } };
  return { kind: 'waiting', input: { command, held: true }, output: { approval_id: approval }, dueAt: null, wait: { kind: 'event', namespace: 'rules', event: null, entity_id: approval, spec, until: null } };
}

/** A thrown step error as an outcome. */
export function failedOutcome(err: unknown): Outcome & { kind: 'failed' } {
  const f = classify(err);
  return { kind: 'failed', error: f.error, retriable: f.retriable, ...(f.retryAfterMs !== undefined && { retryAfterMs: f.retryAfterMs }) };
}

/** A step that calls out (http, llm), before its journalling transaction. */
export async function executeOutside(d: StepDeps, run: RunInfo, step: StepDef | InnerStep, key: string, attempt: number, scope: Scope, timeoutSeconds: number | undefined): Promise<Outcome> {
  const timeoutMs = (timeoutSeconds ?? 60) * 1000;
  try {
    if (step.type === 'llm') {
      if (!d.llm) throw new StepFailure({ code: 'NO_GATEWAY', message: 'no AI gateway in this build' }, false);
      const prompt = text(step.prompt, scope);
      // The alias may be a template (`{{ steps.plan.output.alias }}`): an agent's loop picks its model per agent.
      const input = { alias: text(step.alias, scope), prompt, ...(step.system !== undefined && { system: text(step.system, scope) }), ...(step.schema && { schema: step.schema }), ...(step.max_tokens && { max_tokens: step.max_tokens }) };
      const c = await withTimeout(d.llm({ tenantId: run.tenantId, actor: run.actor as CtxSource['actor'] }, { ...input, feature: 'flow' }), timeoutMs);
      return { kind: 'completed', input: input as unknown as Json, output: { text: c.text, ...(c.json !== undefined && { json: c.json as Json }), provider: c.provider, model: c.model, cached: c.cached, usage: (c.usage ?? null) as Json } };
    }
    if (step.type === 'http') return await httpStep(d, run, step, key, attempt, scope, timeoutMs);
    throw new Error(`step type ${step.type} runs in a transaction`);
  } catch (err) {
    const f = classify(err);
    return { kind: 'failed', error: f.error, retriable: f.retriable, ...(f.retryAfterMs !== undefined && { retryAfterMs: f.retryAfterMs }) };
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new StepFailure({ code: 'STEP_TIMEOUT', message: `no answer within ${ms} ms` }, true)), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}

async function httpStep(d: StepDeps, run: RunInfo, step: Extract<StepDef | InnerStep, { type: 'http' }>, key: string, attempt: number, scope: Scope, timeoutMs: number): Promise<Outcome> {
  const url = text(step.url, scope);
  let target: URL;
  try { target = new URL(url); } catch { throw new StepFailure({ code: 'BAD_URL', message: `not a URL: ${url.slice(0, 200)}` }, false); }
  const breaker = d.breakerFor(`http:${target.host}`);
  if (!breaker.tryPass()) throw new StepFailure({ code: 'CIRCUIT_OPEN', message: `calls to ${target.host} are paused after repeated failures (circuit open)` }, true, breaker.snapshot().retryAt ? Math.max(0, breaker.snapshot().retryAt!.getTime() - Date.now()) : undefined);
  const body = step.body === undefined || step.method === 'GET' ? undefined : JSON.stringify(render(step.body, scope));
  const headers: Record<string, string> = { 'content-type': 'application/json', 'idempotency-key': `${run.id}:${key}:${attempt}`, 'user-agent': 'Atrium-Flows/1' };
  for (const [k, v] of Object.entries(step.headers ?? {})) headers[k.toLowerCase()] = text(v, scope);
  if (step.secret) headers['atrium-signature'] = sign(step.secret, Math.floor(Date.now() / 1000), body ?? '');
  const input: JsonObject = { method: step.method, url, ...(body !== undefined && { body: JSON.parse(body) as Json }) };
  let res: Response;
  try {
    res = await guardedFetch({ policy: d.urlPolicy, path: 'url', ...(d.fetchImpl && { inner: d.fetchImpl }) })(target, { method: step.method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    if (err instanceof AppError) {
      breaker.release(); // refused before any call: no verdict on the target
      throw new StepFailure({ code: err.code, message: err.message }, false);
    }
    breaker.failure();
    throw new StepFailure({ code: 'HTTP_UNREACHABLE', message: `${target.host}: ${(err as Error).message}` }, true);
  }
  const raw = await res.text();
  let parsed: Json = raw;
  try { parsed = raw === '' ? null : (JSON.parse(raw) as Json); } catch { /* a text answer stays text */ }
  if (res.status >= 500 || res.status === 429 || res.status === 408) {
    breaker.failure();
    const secs = parseRetryAfter(res.headers.get('retry-after'), Date.now());
    throw new StepFailure({ code: 'HTTP_ERROR', message: `${target.host} answered ${res.status}`, status: res.status }, true, secs === null ? undefined : secs * 1000);
  }
  breaker.success();
  if (res.status >= 400) throw new StepFailure({ code: 'HTTP_ERROR', message: `${target.host} answered ${res.status}`, status: res.status }, false);
  return { kind: 'completed', input, output: { status: res.status, body: parsed } };
}

/** Checks a completed step's output against its declared schema (a mismatch fails the step for good). */
export function checkOutput(step: StepDef, o: Outcome): Outcome {
  if (o.kind !== 'completed') return o;
  const schema = step.output_schema ?? (step.type === 'llm' ? step.schema : undefined);
  if (!schema) return o;
  const value = step.type === 'llm' ? (o.output as JsonObject)['json'] ?? null : o.output;
  const why = mismatch(schema, value);
  return why ? { kind: 'failed', error: { code: 'OUTPUT_MISMATCH', message: why }, retriable: step.type === 'llm', ...(o.input !== undefined && { input: o.input }) } : o;
}
