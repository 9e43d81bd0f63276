// A run's journal: the rows of `flow_steps` (one per step attempt, and per compensation) and
// the `step.*` diffs that go with them, gathered per transaction into one batch and written
// with one statement per kind; and what the executor reads back (the latest attempt per step).
import type { Insertable } from 'kysely';
import type { Ctx } from '../../platform/context.js';
import type { Json, JsonObject } from '../../platform/schema.js';
import type { DiffInput, Ledger } from '../ledger/index.js';
import type { InnerStep, StepDef } from './definition.js';
import type { States, Unit } from './plan.js';
import { NS } from './runs.js';
import type { OrchestrationTables, StepStatus } from './schema.js';
import type { Outcome } from './steps.js';

/** The columns a pass reads of a journal. */
export const JOURNAL_COLUMNS = ['step_key', 'attempt', 'step_type', 'status', 'branch', 'input', 'output', 'error', 'retry_at', 'seq'] as const;
export type JournalRow = { step_key: string; attempt: number; step_type: string; status: StepStatus; branch: string | null; input: Json | null; output: Json | null; error: Json | null; retry_at: Date | null; seq: string | number };

/** A step settled without effects, journalled with the next commit. */
export type Pending = { key: string; step: StepDef; status: 'completed' | 'skipped'; output: Json | null; branch: string | null };

export type Batch = {
  rows: Insertable<OrchestrationTables['flow_steps']>[];
  waits: Insertable<OrchestrationTables['flow_waits']>[];
  diffs: DiffInput[];
};
export const newBatch = (): Batch => ({ rows: [], waits: [], diffs: [] });

/** The state of each step: its latest attempt. */
export function statesOf(rows: readonly JournalRow[]): States {
  const states: States = new Map();
  for (const r of rows) {
    const prev = states.get(r.step_key);
    if (prev && prev.attempt > r.attempt) continue;
    states.set(r.step_key, { status: r.status, attempt: r.attempt, output: r.output, branch: r.branch, dueAt: r.retry_at, error: r.error, seq: Number(r.seq) });
  }
  return states;
}

/** Exponential backoff (× factor, capped), jittered in [0.5, 1.5); a receiver's longer Retry-After wins, within the cap. */
export function retryDelayMs(policy: { initial_ms: number; max_ms: number; factor: number; jitter: boolean }, attempt: number, retryAfterMs?: number, random: () => number = Math.random): number {
  const base = Math.min(policy.max_ms, policy.initial_ms * policy.factor ** (attempt - 1));
  const jittered = policy.jitter ? base * (0.5 + random()) : base;
  return Math.min(policy.max_ms, Math.max(jittered, retryAfterMs ?? 0));
}

type RunIds = { tenant_id: string; id: string; flow_id: string; started_diff_id: number | null };
const json = (v: unknown) => (v === undefined ? null : (JSON.stringify(v) as unknown as Json));

/** Builds one run's journal rows and diffs (a run's ids never change, so it keeps them). */
export class JournalWriter {
  readonly #run: RunIds;

  constructor(run: RunIds, private readonly replayed: boolean, private readonly now: () => Date, private readonly ledger: Pick<Ledger, 'recordBatch'>) {
    this.#run = { tenant_id: run.tenant_id, id: run.id, flow_id: run.flow_id, started_diff_id: run.started_diff_id };
  }

  stepDiff(event: string, key: string, type: string, attempt: number, status: string, branch: string | null, extra: JsonObject = {}): DiffInput {
    const r = this.#run;
    return {
      namespace: NS, entityType: 'run', entityId: r.id, event, scopeId: r.flow_id, causationId: r.started_diff_id,
      after: { step: key, type, attempt, status, branch, ...extra }, metadata: { step: key, flow_id: r.flow_id, ...(this.replayed && { replayed: true }) }, observed: true,
    };
  }

  /** The rows and diffs of steps settled without effects. */
  addPending(b: Batch, pending: readonly Pending[]): void {
    const now = this.now();
    for (const p of pending) {
      b.rows.push({
        tenant_id: this.#run.tenant_id, run_id: this.#run.id, step_key: p.key, attempt: 1, step_type: p.step.type, status: p.status,
        branch: p.branch, input: null, output: json(p.output), error: null, retry_at: null, started_at: now, finished_at: now,
      });
      if (p.status === 'completed') b.diffs.push(this.stepDiff('step.completed', p.key, p.step.type, 1, 'completed', p.branch));
    }
  }

  /** An executed unit's row (its wait, if it waits) and diff; `retryAt` when a failed attempt is retried. */
  addUnit(b: Batch, u: Unit, step: StepDef | InnerStep, o: Outcome, startedAt: Date, retryAt: Date | null): void {
    const now = this.now();
    const r = this.#run;
    const base = { tenant_id: r.tenant_id, run_id: r.id, step_key: u.key, attempt: u.attempt, step_type: step.type, started_at: startedAt };
    if (o.kind === 'completed') {
      const branch = o.branch ?? null;
      b.rows.push({ ...base, status: 'completed', branch, input: json(o.input), output: json(o.output), error: null, retry_at: null, finished_at: now });
      b.diffs.push(this.stepDiff('step.completed', u.key, step.type, u.attempt, 'completed', branch));
    } else if (o.kind === 'waiting') {
      b.rows.push({ ...base, status: 'waiting', branch: null, input: json(o.input), output: json(o.output), error: null, retry_at: o.dueAt, finished_at: null });
      if (o.wait) {
        b.waits.push({
          tenant_id: r.tenant_id, run_id: r.id, step_key: u.key, kind: o.wait.kind, namespace: o.wait.namespace ?? null, event: o.wait.event ?? null,
          entity_id: o.wait.entity_id ?? null, spec: json(o.wait.spec)!, until: o.wait.until,
        });
      }
    } else {
      b.rows.push({ ...base, status: 'failed', branch: null, input: json(o.input), output: null, error: json(o.error), retry_at: retryAt, finished_at: now });
      b.diffs.push(this.stepDiff(retryAt ? 'step.retried' : 'step.failed', u.key, step.type, u.attempt, 'failed', null, { error: o.error as unknown as Json, ...(retryAt && { retry_at: retryAt.toISOString() }) }));
    }
  }

  /** Writes a transaction's batch: its journal rows, waits and diffs, one statement each. */
  async flush(ctx: Ctx, b: Batch): Promise<void> {
    if (b.rows.length > 0) await ctx.tx.insertInto('flow_steps').values(b.rows).execute();
    if (b.waits.length > 0) await ctx.tx.insertInto('flow_waits').values(b.waits).execute();
    if (b.diffs.length > 0) await this.ledger.recordBatch(ctx, b.diffs);
    b.rows = []; b.waits = []; b.diffs = [];
  }

  /** Writes pending rows now (in a transaction of their own kind: a wait, a sleep, a failure). */
  async writePending(ctx: Ctx, pending: readonly Pending[]): Promise<void> {
    const b = newBatch();
    this.addPending(b, pending);
    await this.flush(ctx, b);
  }
}
