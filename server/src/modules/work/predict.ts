// The `predict` rule action's models: deterministic estimates from the tenant's own track record
// (history.ts) — no model, no randomness: the same data gives the same answer, and the evidence
// used is written with it (the rule records both as its `<entity>.predicted` diff).
import type { Tx } from '../../platform/db/index.js';
import type { Json, JsonObject } from '../../platform/schema.js';
import { assigneeRecord, finishedWorkflows } from './history.js';

export type Prediction = { prediction: JsonObject; evidence: JsonObject };
type DiffLike = { entity_type: string; entity_id: string; created_at: Date };

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}
const round1 = (n: number) => Math.round(n * 10) / 10;

export const PREDICTION_MODELS = ['workflow_completion', 'task_slip'] as const;

/** `today` (YYYY-MM-DD) decides which open tasks are overdue. */
export async function predict(tx: Tx, model: (typeof PREDICTION_MODELS)[number], diff: DiffLike, entity: JsonObject | null, today: string): Promise<Prediction> {
  return model === 'workflow_completion' ? completion(tx, diff, entity) : slip(tx, entity, today);
}

async function completion(tx: Tx, diff: DiffLike, entity: JsonObject | null): Promise<Prediction> {
  if (diff.entity_type !== 'workflow') return { prediction: { days_to_complete: null, reason: 'not a workflow' }, evidence: {} };
  const finished = (await finishedWorkflows(tx)).filter((w) => w.id !== diff.entity_id);
  const template = typeof entity?.template_id === 'string' ? entity.template_id : null;
  const department = typeof entity?.department === 'string' ? entity.department : null;
  const byTemplate = template ? finished.filter((w) => w.template_id === template) : [];
  const byDepartment = department ? finished.filter((w) => w.department === department) : [];
  const [basis, samples] = byTemplate.length > 0 ? ['template', byTemplate] as const : byDepartment.length > 0 ? ['department', byDepartment] as const : ['all', finished] as const;
  if (samples.length === 0) {
    return { prediction: { days_to_complete: null, expected_on: null, reason: 'no finished workflow to learn from yet' }, evidence: { samples: 0 } };
  }
  const days = samples.map((s) => s.days).sort((a, b) => a - b);
  const median = percentile(days, 50);
  const start = diff.created_at.getTime();
  return {
    prediction: {
      days_to_complete: round1(median),
      expected_on: new Date(start + median * 86_400_000).toISOString().slice(0, 10),
      range_days: [round1(percentile(days, 25)), round1(percentile(days, 75))],
      confidence: samples.length >= 10 ? 'high' : samples.length >= 3 ? 'medium' : 'low',
    },
    evidence: { basis, samples: samples.length, workflow_ids: samples.slice(0, 10).map((s) => s.id) as Json[], template_id: template, department },
  };
}

async function slip(tx: Tx, entity: JsonObject | null, today: string): Promise<Prediction> {
  const assignee = typeof entity?.assignee_id === 'string' ? entity.assignee_id : null;
  if (!assignee) return { prediction: { slip_probability: null, reason: 'the task has no assignee' }, evidence: {} };
  const r = await assigneeRecord(tx, assignee, today);
  const bad = r.late + r.open_overdue;
  const total = r.on_time + bad;
  // Laplace's rule of succession: with no record the estimate is 0.5, and it moves with evidence.
  const probability = (bad + 1) / (total + 2);
  return {
    prediction: { slip_probability: Math.round(probability * 100) / 100, confidence: total >= 10 ? 'high' : total >= 3 ? 'medium' : 'low' },
    evidence: { assignee_id: assignee, on_time: r.on_time, late: r.late, open_overdue: r.open_overdue, method: 'laplace' },
  };
}
