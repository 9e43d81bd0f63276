// Durable orchestration (module orchestration, namespace orchestration): flows — graphs of steps
// defined in JSON or YAML, versioned and immutable — and runs that survive crashes, retry,
// compensate, wait for people and events, and replay from their journal without calling
// anyone again. Not Flow OS "workflows" (checklists people work through): see docs/flows.md.
import { z } from 'zod';
import type { CommandRegistry } from '../../platform/commands.js';
import type { Ctx } from '../../platform/context.js';
import { SharedBreakers } from '../../platform/shared-breakers.js';
import { assertSafeUrl } from '../../platform/url-guard.js';
import { defineModule, type Platform } from '../../platform/module.js';
import type { RouteRegistry } from '../../platform/http/route.js';
import { ruleAction } from '../../platform/rule-actions.js';
import type { Json } from '../../platform/schema.js';
import type { Ai } from '../ai/index.js';
import type { Identity } from '../identity/index.js';
import type { Ledger, Subscription } from '../ledger/index.js';
import { findFlow, registerOrchestrationCommands } from './commands.js';
import { ORCHESTRATION_CONFIG } from './config.js';
import { ORCHESTRATION_EVENTS } from './events.js';
import { Executor, FLOW_CHANNEL } from './executor.js';
import { registerOrchestrationRoutes } from './routes.js';
import { runView, startRun, Versions, type RunRow } from './runs.js';
import { pendingApprovals } from './approvals-list.js';
import type { FlowDefinition } from './definition.js';
import type { Tx } from '../../platform/db/index.js';
import type { LlmCall, StepDeps } from './steps.js';
import { fireSchedules, onDiffs, pruneJournals } from './triggers.js';
export type { OrchestrationTables } from './schema.js';
export type { OrchestrationConfig } from './config.js';
export { parseDefinition, type FlowDefinition } from './definition.js';

export const ORCHESTRATION_ERRORS = {
  INVALID_FLOW: 'The flow definition is not valid; `details` names the path of each problem (a cycle, an unknown step type or command, a reference to an output that does not exist, a limit).',
  FLOW_KEY_TAKEN: 'A flow with this key exists in the workspace.',
  VERSION_EXISTS: 'Versions are immutable: publish a higher one.',
  FLOW_PAUSED: 'The flow is paused: runs cannot start until it is resumed.',
  FLOW_ARCHIVED: 'The flow is archived.',
  RUN_FINISHED: 'The run already ended.',
  RUN_NOT_FINISHED: 'Only a finished run is replayed or forked.',
  JOURNAL_PRUNED: 'The run’s journal was pruned by retention.',
  ALREADY_DECIDED: 'You already decided this approval.',
  // Step errors: a failed step's journal row and the run's `error` carry one of these.
  STEP_FAILED: 'Step error: a step failed for good.',
  STEP_ERROR: 'Step error: an unexpected error (retried by the step’s policy).',
  STEP_TIMEOUT: 'Step error: no answer within the step’s timeout.',
  EXPRESSION_FAILED: 'Step error: an expression of the step could not be evaluated.',
  FOR_EACH_NOT_A_LIST: 'Step error: a for_each’s items are not a list.',
  FOR_EACH_TOO_MANY: 'Step error: more items than the for_each’s limit (100 unless set, at most 10 000).',
  UNHANDLED_BRANCH: 'Step error: the step ended on an error branch (rejected, failed, timeout) that no step follows.',
  TIMEOUT: 'Step error: a wait passed its deadline and no step follows its timeout branch.',
  RUN_TIMEOUT: 'Run error: the run passed its time limit.',
  COMPENSATION_FAILED: 'Run error: a compensation failed; the run needs a person.',
  CANCELLED: 'Run error: the run was cancelled.',
  CHANGE_HELD: 'Step error: a rule held the step’s command for approval (flows do not wait on rule approvals yet).',
  NO_GATEWAY: 'Step error: this build has no AI gateway.',
  BAD_INSTANT: 'Step error: a wait’s `until` is not an instant.',
  CIRCUIT_OPEN: 'Step error: calls to this target are paused after repeated failures (5 in 60 s); retried after the cooldown.',
  HTTP_UNREACHABLE: 'Step error: the http step’s target did not answer.',
  HTTP_ERROR: 'Step error: the http step’s target answered an error status (5xx, 408 and 429 are retried).',
  OUTPUT_MISMATCH: 'Step error: the step’s output does not match its output schema.',
  STARTER_EXCLUDED: 'The run’s starter may not decide its approval.',
} as const;

type Needs = { ledger: Ledger; identity: Pick<Identity, 'directory'>; ai: Pick<Ai, 'complete'> };

const BREAKER = { threshold: 5, cooldownMs: 30_000, counting: { withinMs: 60_000 } } as const;

export function createOrchestration(p: Platform, { ledger, identity, ai }: Needs) {
  const versions = new Versions();
  // Per http target, shared by every process (5 failures within 60 s open it for all).
  const breakers = new SharedBreakers({ db: p.db, hub: p.hub, log: p.log, clock: p.now, channel: FLOW_CHANNEL, options: BREAKER });
  const breakerFor = (target: string) => breakers.of(target);
  let stopBreakers: (() => void) | null = null;
  const llm: LlmCall = (source, input) => ai.complete(source, { alias: input.alias, prompt: input.prompt, ...(input.system && { system: input.system }), ...(input.schema && { schema: input.schema }), ...(input.max_tokens && { max_tokens: input.max_tokens }), feature: input.feature });
  const commands: CommandRegistry = p.commands;

  const startChild: StepDeps['startChild'] = async (ctx, flowKey, version, input, parent) => {
    const flow = await findFlow(ctx, flowKey);
    const owner = executor.running ? executor.owner : null;
    const started = await startRun({ ledger, versions }, ctx, { flow, ...(version && { version }), input, trigger: 'sub_flow', scopes: ['write'], parent, leaseOwner: owner, leaseMs: p.config.flowLeaseMs });
    ctx.onCommit(() => executor.announce());
    return started.run.id;
  };
  const urlCheck = (url: string): string | null => {
    try {
      assertSafeUrl(url, { allowPrivate: p.config.flowHttpAllowPrivate }, 'url');
      return null;
    } catch (err) {
      return (err as Error).message;
    }
  };
  const steps: StepDeps = { commands, llm, urlPolicy: { allowPrivate: p.config.flowHttpAllowPrivate }, breakerFor, startChild };
  const executor = new Executor({ db: p.db, ledger, hub: p.hub, log: p.log, versions, steps, slots: p.config.flowSlots, leaseMs: p.config.flowLeaseMs });
  const announce = () => executor.announce();
  const adopt = (run: RunRow) => executor.adopt(run);
  const roleOf = async (ctx: Ctx, userId: string) => (await identity.directory(ctx.tx)).find((x) => x.user_id === userId)?.role ?? null;
  registerOrchestrationCommands(commands, { urlCheck, ledger, versions, executorOwner: () => (executor.running ? executor.owner : null), leaseMs: p.config.flowLeaseMs, announce, adopt, roleOf });

  let subscription: Subscription | null = null;
  const timers: NodeJS.Timeout[] = [];

  /** `start_flow`: a matched rule starts a run; its input is rendered from the trigger. */
  const startFlowAction = ruleAction({
    type: 'start_flow', summary: 'Start a run of a flow (orchestration), with input rendered from the change',
    schema: z.strictObject({ flow: z.string().min(1).max(100), input: z.record(z.string(), z.string().max(2000)).default({}) }),
    check: async (ctx, a, at) => {
      const f = await ctx.tx.selectFrom('flows').select('status').where((eb) => eb.or([eb('id', '=', a.flow), eb('key', '=', a.flow)])).executeTakeFirst();
      return f ? [] : [{ path: `${at}.flow`, message: `no flow "${a.flow}"` }];
    },
    run: async (ctx, a, t) => {
      const flow = await findFlow(ctx, a.flow);
      const input = Object.fromEntries(Object.entries(a.input).map(([k, v]) => [k, t.render(v)]));
      const started = await startRun({ ledger, versions }, ctx, { flow, input, trigger: 'rule', idempotencyKey: `rule:${t.rule.id}:${t.diff.id}`, scopes: ['write'] });
      ctx.onCommit(announce);
      return { effect: { run_id: started.run.id, flow: flow.key }, diffId: started.run.started_diff_id };
    },
    describe: (_ctx, a, t) => ({ flow: a.flow, input: Object.fromEntries(Object.entries(a.input).map(([k, v]) => [k, t.render(v)])) }),
  });

  return {
    executor,
    versions,
    /** Breakers per http target (`http:<host:port>`), shared through the database. */
    breakers,
    /** Starts a run for another module (agents) in its transaction, as its actor (the same key → the same run). */
    startRun: async (ctx: Ctx, flowRef: string, input: Json, opts: { idempotencyKey?: string } = {}) => {
      const flow = await findFlow(ctx, flowRef);
      const started = await startRun({ ledger, versions }, ctx, { flow, input, trigger: 'api', scopes: ['write'], ...(opts.idempotencyKey && { idempotencyKey: opts.idempotencyKey }) });
      ctx.onCommit(announce);
      return started.run;
    },
    /**
     * Makes sure a flow another module runs (the agents' work loop) exists at this version or a
     * later one, in the caller's transaction: created, or the new version published.
     */
    async ensureFlow(ctx: Ctx, definition: FlowDefinition): Promise<void> {
      const known = await ctx.tx.selectFrom('flows').select(['id', 'latest_version']).where('key', '=', definition.key).executeTakeFirst();
      if (!known) await commands.run(ctx, 'orchestration.create_flow', { definition });
      else if (semverAbove(definition.version, known.latest_version)) await commands.run(ctx, 'orchestration.publish_version', { flow: known.id, definition });
    },
    /** Runs started by an actor (an agent's loops), newest first. */
    runsBy: async (tx: Tx, actor: { type: string; id: string }, limit: number) => {
      const rows = await tx.selectFrom('flow_runs').selectAll().where('actor_type', '=', actor.type).where('actor_id', '=', actor.id).orderBy('created_at', 'desc').limit(limit).execute();
      return rows.map((r) => runView(r));
    },
    /** A run's status (null for an unknown run). */
    runStatus: async (tx: Tx, runId: string) => (await tx.selectFrom('flow_runs').select('status').where('id', '=', runId).executeTakeFirst())?.status ?? null,
    /** Approval steps waiting for a decision that this person may take (the one inbox). */
    pendingApprovalsFor: (tx: Tx, p: { userId: string | null; role: string | null }) => pendingApprovals(tx, p),
    ruleActions: [startFlowAction],
    registerRoutes(r: RouteRegistry): void {
      registerOrchestrationRoutes(r, { db: p.db, commands, versions, urlCheck });
    },
    async start(role: 'serve' | 'worker' | 'all'): Promise<void> {
      if (role === 'serve') return;
      await executor.start();
      stopBreakers = await breakers.start();
      subscription = ledger.subscribe('orchestration', onDiffs({ db: p.db, ledger, versions, announce }), { batchSize: 500, pollMs: 200, minIntervalMs: 20 });
      await subscription.start();
      const tick = setInterval(() => {
        void fireSchedules({ db: p.db, ledger, versions, announce }, p.now()).then((n) => { if (n > 0) announce(); }).catch((err: unknown) => p.log.warn({ err }, 'flow schedules not fired'));
      }, 1000);
      const prune = setInterval(() => void pruneJournals(p.db, p.now()).catch((err: unknown) => p.log.warn({ err }, 'flow journals not pruned')), 3_600_000);
      tick.unref(); prune.unref();
      timers.push(tick, prune);
    },
    async stop(): Promise<void> {
      for (const t of timers) clearInterval(t);
      await subscription?.stop();
      await executor.stop();
      stopBreakers?.();
      await breakers.settled();
    },
    /** The sweeps, for tests and the CLI: fire due schedules, prune old journals. */
    fireSchedules: (now: Date) => fireSchedules({ db: p.db, ledger, versions, announce }, now),
    pruneJournals: (now: Date) => pruneJournals(p.db, now),
  };
}

export type Orchestration = ReturnType<typeof createOrchestration>;

function semverAbove(a: string, b: string): boolean {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! > y[i]!;
  return false;
}

export const orchestrationModule = defineModule({
  id: 'orchestration', namespace: 'orchestration', deps: ['ledger', 'identity', 'ai'],
  tables: ['flows', 'flow_versions', 'flow_runs', 'flow_steps', 'flow_waits', 'flow_triggers', 'flow_settings'],
  errors: ORCHESTRATION_ERRORS, events: ORCHESTRATION_EVENTS, config: ORCHESTRATION_CONFIG,
  create: (p, needs: Needs) => createOrchestration(p, needs),
});
