// Every write of orchestration is a command (routes, the CLI, rule actions and — next — agents
// call them through the registry, so a require_approval rule can hold a flow's publication or
// a run's start as it holds any other change).
import { AsyncLocalStorage } from 'node:async_hooks';
import { z } from 'zod';
import type { Ctx } from '../../platform/context.js';
import type { CommandRegistry } from '../../platform/commands.js';
import { errors } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { Json } from '../../platform/schema.js';
import type { Ledger } from '../ledger/index.js';
import { nextFire, parseDefinition, type FlowDefinition, type UrlCheck } from './definition.js';
import { NS, resolveWait, startRun, type FlowRow, type RunRow, type StartDeps } from './runs.js';

export const ORCHESTRATION_COMMANDS = {
  createFlow: 'orchestration.create_flow', publishVersion: 'orchestration.publish_version', updateFlow: 'orchestration.update_flow',
  startRun: 'orchestration.start_run', cancelRun: 'orchestration.cancel_run', decide: 'orchestration.decide',
  replayRun: 'orchestration.replay_run', forkRun: 'orchestration.fork_run', updateSettings: 'orchestration.update_settings',
} as const;

/**
 * The scopes of whoever starts a run over HTTP (an API key may hold fewer than its creator):
 * the run's command steps are checked against them. A start from elsewhere (a rule, a
 * schedule, an approved hold) acts with `write`.
 */
export const callerScopes = new AsyncLocalStorage<readonly string[]>();

export type CommandDeps = StartDeps & {
  ledger: Pick<Ledger, 'record'>;
  /** This process executes runs: the ones it starts are leased to it in their own transaction. */
  executorOwner: () => string | null;
  leaseMs: number;
  /** After a commit that made runs claimable. */
  announce: () => void;
  adopt: (run: RunRow) => void;
  /** A member's role, from identity's directory (orchestration reads no identity table); null for a non-member. */
  roleOf: (ctx: Ctx, userId: string) => Promise<string | null>;
  /** Literal http step URLs are checked on save (the platform's URL guard, this build's policy). */
  urlCheck: UrlCheck;
};

const flowRef = z.string().min(1).max(100);
const why = z.string().trim().min(1).max(5000);
const semver = (v: string) => v.split('.').map(Number) as [number, number, number];
const newer = (a: string, b: string) => { const x = semver(a); const y = semver(b); return x[0] !== y[0] ? x[0] > y[0] : x[1] !== y[1] ? x[1] > y[1] : x[2] > y[2]; };

export async function findFlow(ctx: Pick<Ctx, 'tx'>, ref: string, opts: { lock?: boolean } = {}): Promise<FlowRow> {
  let q = ctx.tx.selectFrom('flows').selectAll().where((eb) => eb.or([eb('id', '=', ref), eb('key', '=', ref)]));
  if (opts.lock) q = q.forUpdate();
  const flow = await q.executeTakeFirst();
  if (!flow) throw errors.notFound('Flow');
  return flow;
}

const flowAfter = (f: Pick<FlowRow, 'key' | 'name' | 'status' | 'latest_version'>) => ({ key: f.key, name: f.name, status: f.status, latest_version: f.latest_version });

/** The triggers of a flow's latest version, rewritten (schedules get their next fire time). */
async function writeTriggers(ctx: Ctx, flowId: string, def: FlowDefinition, active: boolean): Promise<void> {
  await ctx.tx.deleteFrom('flow_triggers').where('flow_id', '=', flowId).execute();
  if (!active || def.triggers.length === 0) return;
  const now = new Date();
  await ctx.tx.insertInto('flow_triggers').values(def.triggers.map((t, idx) => ({
    tenant_id: ctx.tenantId, flow_id: flowId, idx,
    kind: 'schedule' in t ? 'schedule' as const : 'event' as const,
    spec: JSON.stringify('schedule' in t ? t.schedule : t.event) as unknown as Json,
    next_at: 'schedule' in t ? nextFire(t.schedule.cron, t.schedule.timezone, now) : null,
  }))).execute();
}

export function registerOrchestrationCommands(commands: CommandRegistry, d: CommandDeps): void {
  const c = ORCHESTRATION_COMMANDS;
  const check = (raw: unknown) => parseDefinition(raw, (name) => commands.has(name), d.urlCheck);

  /** Sub-flows that start each other, through the latest versions of the flows they name. */
  async function subFlowCycle(ctx: Ctx, def: FlowDefinition): Promise<string | null> {
    const seen = new Set<string>([def.key]);
    const walk = async (d0: FlowDefinition, path: string[]): Promise<string | null> => {
      for (const s of d0.steps) {
        const key = s.type === 'sub_flow' ? s.flow : s.type === 'for_each' && s.step.type === 'sub_flow' ? s.step.flow : null;
        if (!key) continue;
        if (key === def.key) return [...path, key].join(' → ');
        if (seen.has(key)) continue;
        seen.add(key);
        const f = await ctx.tx.selectFrom('flows').select(['id', 'latest_version']).where('key', '=', key).executeTakeFirst();
        if (!f) continue;
        const next = await d.versions.get(ctx.tx, f.id, f.latest_version);
        const found = await walk(next, [...path, key]);
        if (found) return found;
      }
      return null;
    };
    return walk(def, [def.key]);
  }

  const definitionInput = z.strictObject({ definition: z.unknown() });

  commands.register({
    name: c.createFlow, scope: 'write', summary: 'Create a flow (a graph of steps) from its definition; its first version is published with it',
    input: definitionInput,
    run: async (ctx, { definition }) => {
      const def = check(definition);
      const cycle = await subFlowCycle(ctx, def);
      if (cycle) throw errors.badRequest('INVALID_FLOW', `Sub-flows start each other: ${cycle}.`, [{ path: 'steps', message: `cycle: ${cycle}` }]);
      const taken = await ctx.tx.selectFrom('flows').select('id').where('key', '=', def.key).executeTakeFirst();
      if (taken) throw errors.conflict('FLOW_KEY_TAKEN', `A flow with key "${def.key}" exists: publish a new version of it instead.`);
      const id = newId('flw');
      const row = { id, tenant_id: ctx.tenantId, key: def.key, name: def.name, description: def.description, latest_version: def.version, created_by: ctx.actor.id };
      const flow = await ctx.tx.insertInto('flows').values(row).returningAll().executeTakeFirstOrThrow();
      await ctx.tx.insertInto('flow_versions').values({ tenant_id: ctx.tenantId, flow_id: id, version: def.version, definition: JSON.stringify(def) as unknown as Json, created_by: ctx.actor.id }).execute();
      await writeTriggers(ctx, id, def, true);
      await d.ledger.record(ctx, { namespace: NS, entityType: 'flow', entityId: id, event: 'flow.created', after: { ...flowAfter(flow), steps: def.steps.length } });
      return { flow, definition: def };
    },
  });

  commands.register({
    name: c.publishVersion, scope: 'write', summary: 'Publish a new immutable version of a flow (runs in flight keep the version they started on)',
    input: z.strictObject({ flow: flowRef, definition: z.unknown() }),
    run: async (ctx, input) => {
      const flow = await findFlow(ctx, input.flow, { lock: true });
      if (flow.status === 'archived') throw errors.conflict('FLOW_ARCHIVED', 'An archived flow takes no new versions.');
      // Publishing "this definition as the flow's next version": the key may be left out.
      const raw = input.definition && typeof input.definition === 'object' && !Array.isArray(input.definition) && !('key' in input.definition) ? { ...input.definition, key: flow.key } : input.definition;
      const def = check(raw);
      if (def.key !== flow.key) throw errors.validation([{ path: 'input.definition.key', message: `this flow's key is "${flow.key}"` }]);
      if (!newer(def.version, flow.latest_version)) throw errors.conflict('VERSION_EXISTS', `Version ${def.version} is not newer than ${flow.latest_version}: versions are immutable, publish a higher one.`);
      const cycle = await subFlowCycle(ctx, def);
      if (cycle) throw errors.badRequest('INVALID_FLOW', `Sub-flows start each other: ${cycle}.`, [{ path: 'steps', message: `cycle: ${cycle}` }]);
      await ctx.tx.insertInto('flow_versions').values({ tenant_id: ctx.tenantId, flow_id: flow.id, version: def.version, definition: JSON.stringify(def) as unknown as Json, created_by: ctx.actor.id }).execute();
      const after = await ctx.tx.updateTable('flows').set({ latest_version: def.version, name: def.name, description: def.description, updated_at: new Date() }).where('id', '=', flow.id).returningAll().executeTakeFirstOrThrow();
      await writeTriggers(ctx, flow.id, def, after.status === 'active');
      await d.ledger.record(ctx, { namespace: NS, entityType: 'flow', entityId: flow.id, event: 'flow.version_published', before: flowAfter(flow), after: flowAfter(after) });
      return { flow: after, definition: def };
    },
  });

  commands.register({
    name: c.updateFlow, scope: 'write', summary: 'Pause, resume or archive a flow, or rename it',
    input: z.strictObject({ flow: flowRef, status: z.enum(['active', 'paused', 'archived']).optional(), name: z.string().trim().min(1).max(200).optional(), why: why.optional() }),
    run: async (ctx, input) => {
      const flow = await findFlow(ctx, input.flow, { lock: true });
      if (flow.status === 'archived' && input.status !== undefined && input.status !== 'archived') throw errors.conflict('FLOW_ARCHIVED', 'An archived flow stays archived.');
      const after = await ctx.tx.updateTable('flows').set({ ...(input.status && { status: input.status }), ...(input.name && { name: input.name }), updated_at: new Date() }).where('id', '=', flow.id).returningAll().executeTakeFirstOrThrow();
      if (input.status && input.status !== flow.status) {
        const def = await d.versions.get(ctx.tx, flow.id, flow.latest_version);
        await writeTriggers(ctx, flow.id, def, after.status === 'active');
        if (after.status === 'active') ctx.onCommit(d.announce);
      }
      await d.ledger.record(ctx, { namespace: NS, entityType: 'flow', entityId: flow.id, event: 'flow.updated', before: flowAfter(flow), after: flowAfter(after), why: input.why ?? null });
      return { flow: after };
    },
  });

  const startInput = z.strictObject({
    flow: flowRef,
    input: z.record(z.string(), z.unknown()).default({}),
    version: z.string().regex(/^\d+\.\d+\.\d+$/).optional(),
    idempotency_key: z.string().min(1).max(200).optional(),
    trigger: z.enum(['api', 'cli']).default('api'),
  });
  commands.register({
    name: c.startRun, scope: 'write', summary: 'Start a run of a flow (its latest version unless one is named); the same idempotency_key returns the same run',
    input: startInput,
    run: async (ctx, input) => {
      const flow = await findFlow(ctx, input.flow);
      if (input.version) {
        const v = await ctx.tx.selectFrom('flow_versions').select('version').where('flow_id', '=', flow.id).where('version', '=', input.version).executeTakeFirst();
        if (!v) throw errors.notFound('Flow version');
      }
      const owner = d.executorOwner();
      const started = await startRun(d, ctx, {
        flow, ...(input.version && { version: input.version }), input: input.input as Json, trigger: input.trigger, idempotencyKey: input.idempotency_key ?? null,
        scopes: callerScopes.getStore() ?? ['write'], leaseOwner: owner, leaseMs: d.leaseMs,
      });
      if (started.created) ctx.onCommit(() => (started.run.lease_owner === owner && owner ? d.adopt(started.run) : d.announce()));
      return { run: started.run, created: started.created, flow_key: flow.key };
    },
  });

  commands.register({
    name: c.cancelRun, scope: 'write', summary: 'Cancel a run (optionally compensating its completed steps in reverse order)',
    input: z.strictObject({ id: z.string().min(1).max(100), compensate: z.boolean().default(false), why: why.optional() }),
    run: async (ctx, input) => {
      const run = await ctx.tx.selectFrom('flow_runs').selectAll().where('id', '=', input.id).forUpdate().executeTakeFirst();
      if (!run) throw errors.notFound('Run');
      if (['completed', 'failed', 'compensated', 'compensation_failed', 'cancelled'].includes(run.status)) throw errors.conflict('RUN_FINISHED', `The run already ended (${run.status}).`);
      const status = input.compensate ? 'compensating' : 'cancelled';
      const after = await ctx.tx.updateTable('flow_runs').set((eb) => ({
        status, error: JSON.stringify({ code: 'CANCELLED', message: input.why ?? 'cancelled' }) as unknown as Json, wakes: eb('wakes', '+', 1), wake_at: null,
        ...(status === 'cancelled' && { finished_at: new Date(), lease_owner: null, lease_until: null }),
      })).where('id', '=', run.id).returningAll().executeTakeFirstOrThrow();
      await ctx.tx.deleteFrom('flow_waits').where('run_id', '=', run.id).execute();
      await d.ledger.record(ctx, { namespace: NS, entityType: 'run', entityId: run.id, event: 'run.cancelled', scopeId: run.flow_id, causationId: run.started_diff_id, before: { status: run.status }, after: { status, flow_id: run.flow_id, version: run.version }, why: input.why ?? null });
      if (status === 'compensating') ctx.onCommit(d.announce);
      return { run: after };
    },
  });

  commands.register({
    name: c.decide, scope: 'write', summary: 'Approve or reject an approval step of a run (as one of its approvers; the starter may not when the step says so)',
    input: z.strictObject({ run_id: z.string().min(1).max(100), step: z.string().min(1).max(200), decision: z.enum(['approve', 'reject']), why: why.optional() }),
    run: async (ctx, input) => {
      const wait = await ctx.tx.selectFrom('flow_waits').selectAll().where('run_id', '=', input.run_id).where('step_key', '=', input.step).where('kind', '=', 'approval').forUpdate().executeTakeFirst();
      if (!wait) throw errors.notFound('Pending approval');
      const spec = wait.spec as unknown as { approvers: string[]; required: number; exclude_starter: boolean; starter: string | null };
      const me = ctx.actor.type === 'user' ? ctx.actor.id : null;
      if (!me) throw errors.forbidden('Only a person decides an approval.');
      if (spec.exclude_starter && spec.starter === me) throw errors.forbidden('You started this run: someone else approves it.', [{ message: 'starter excluded', code: 'STARTER_EXCLUDED' }]);
      const role = await d.roleOf(ctx, me);
      const may = isApprover(spec.approvers, me, role);
      if (!may) throw errors.forbidden('You are not one of this approval’s approvers.');
      const decisions = (wait.decisions as { user_id: string; decision: string; why: string | null; at: string }[]);
      if (decisions.some((x) => x.user_id === me)) throw errors.conflict('ALREADY_DECIDED', 'You already decided this approval.');
      const next = [...decisions, { user_id: me, decision: input.decision, why: input.why ?? null, at: new Date().toISOString() }];
      const run = await ctx.tx.selectFrom('flow_runs').select(['flow_id', 'started_diff_id']).where('id', '=', input.run_id).executeTakeFirstOrThrow();
      await d.ledger.record(ctx, { namespace: NS, entityType: 'run', entityId: input.run_id, event: 'approval.decided', scopeId: run.flow_id, causationId: run.started_diff_id, after: { step: input.step, decision: input.decision }, why: input.why ?? null });
      const approvals = next.filter((x) => x.decision === 'approve').length;
      let outcome: 'pending' | 'approved' | 'rejected' = 'pending';
      if (input.decision === 'reject') outcome = 'rejected';
      else if (approvals >= spec.required) outcome = 'approved';
      if (outcome === 'pending') {
        await ctx.tx.updateTable('flow_waits').set({ decisions: JSON.stringify(next) as unknown as Json }).where('run_id', '=', input.run_id).where('step_key', '=', input.step).execute();
      } else {
        await resolveWait(d.ledger, ctx, input.run_id, input.step, { branch: outcome, output: { decision: outcome, decisions: next } });
        ctx.onCommit(d.announce);
      }
      return { outcome, approvals, required: spec.required, decisions: next };
    },
  });

  const sourceRun = async (ctx: Ctx, id: string) => {
    const run = await ctx.tx.selectFrom('flow_runs').selectAll().where('id', '=', id).executeTakeFirst();
    if (!run) throw errors.notFound('Run');
    if (!['completed', 'failed', 'compensated', 'compensation_failed', 'cancelled'].includes(run.status)) throw errors.conflict('RUN_NOT_FINISHED', 'Only a finished run is replayed or forked.');
    if (run.pruned_at) throw errors.conflict('JOURNAL_PRUNED', 'This run’s journal was pruned (retention): it cannot be replayed.');
    const flow = await ctx.tx.selectFrom('flows').selectAll().where('id', '=', run.flow_id).executeTakeFirstOrThrow();
    return { run, flow };
  };
  const begin = async (ctx: Ctx, flow: FlowRow, run: RunRow, input: Json, trigger: 'replay' | 'fork', forkStep: string | null) => {
    const owner = d.executorOwner();
    // A replay executes nothing anew; it must start even on a paused flow (it is a reading of the past).
    const started = await startRun(d, ctx, { flow: { ...flow, status: 'active' }, version: run.version, input, trigger, scopes: run.scopes, source: { runId: run.id, forkStep }, leaseOwner: owner, leaseMs: d.leaseMs });
    ctx.onCommit(() => (owner ? d.adopt(started.run) : d.announce()));
    return { run: started.run };
  };
  commands.register({
    name: c.replayRun, scope: 'write', summary: 'Replay a finished run: every step’s recorded output is served from its journal (no model, http or command is called again)',
    input: z.strictObject({ id: z.string().min(1).max(100) }),
    run: async (ctx, input) => {
      const { run, flow } = await sourceRun(ctx, input.id);
      return begin(ctx, flow, run, run.input, 'replay', null);
    },
  });
  commands.register({
    name: c.forkRun, scope: 'write', summary: 'Fork a finished run from a step: the steps before it come from the journal, that step and what follows it run anew (with new input if given)',
    input: z.strictObject({ id: z.string().min(1).max(100), step: z.string().min(1).max(64), input: z.record(z.string(), z.unknown()).optional() }),
    run: async (ctx, input) => {
      const { run, flow } = await sourceRun(ctx, input.id);
      const def = await d.versions.get(ctx.tx, flow.id, run.version);
      if (!def.steps.some((s) => s.id === input.step)) throw errors.validation([{ path: 'input.step', message: `no step "${input.step}" in version ${run.version}` }]);
      return begin(ctx, flow, run, (input.input as Json | undefined) ?? run.input, 'fork', input.step);
    },
  });

  commands.register({
    name: c.updateSettings, scope: 'admin', summary: 'Set how long run journals are kept (days, and/or the last N runs per flow)',
    input: z.strictObject({ retention_days: z.number().int().min(1).max(3650).optional(), keep_runs: z.number().int().min(1).max(1_000_000).nullable().optional() }),
    run: async (ctx, input) => {
      const before = await ctx.tx.selectFrom('flow_settings').selectAll().executeTakeFirst();
      const row = { tenant_id: ctx.tenantId, retention_days: input.retention_days ?? before?.retention_days ?? 30, keep_runs: input.keep_runs === undefined ? before?.keep_runs ?? null : input.keep_runs };
      const after = await ctx.tx.insertInto('flow_settings').values(row).onConflict((oc) => oc.column('tenant_id').doUpdateSet({ retention_days: row.retention_days, keep_runs: row.keep_runs, updated_at: new Date() })).returningAll().executeTakeFirstOrThrow();
      await d.ledger.record(ctx, { namespace: NS, entityType: 'flow_settings', entityId: ctx.tenantId, event: 'settings.updated', before: before ? { retention_days: before.retention_days, keep_runs: before.keep_runs } : null, after: { retention_days: after.retention_days, keep_runs: after.keep_runs } });
      return { retention_days: after.retention_days, keep_runs: after.keep_runs };
    },
  });
}

const RANK: Record<string, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };

/** Whether a person (with their role) is among an approval step's approvers (`user:<id>`, or `role:<r>` and above). */
export function isApprover(approvers: readonly string[], userId: string, role: string | null): boolean {
  return approvers.some((a) => a === `user:${userId}` || (a.startsWith('role:') && role !== null && (RANK[role] ?? -1) >= (RANK[a.slice(5)] ?? 99)));
}
