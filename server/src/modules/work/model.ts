// Public shapes of workflows and tasks, and what the ledger records about them.
import type { Selectable } from 'kysely';
import type { JsonObject } from '../../platform/schema.js';
import { isOverdue, type HealthVerdict } from './health.js';
import type { WorkTables } from './schema.js';

export type WorkflowRow = Selectable<WorkTables['workflows']>;
export type TaskRow = Selectable<WorkTables['tasks']>;

/** Seed vocabulary (pending/in_progress/completed/failed) ↔ Atrium statuses. */
export const SEED_STATUS: Record<TaskRow['status'], string> = {
  todo: 'pending',
  in_progress: 'in_progress',
  blocked: 'in_progress (blocked)',
  done: 'completed',
  failed: 'failed',
};

export type TaskView = {
  id: string;
  workflow_id: string;
  name: string;
  description: string;
  status: TaskRow['status'];
  assignee_id: string | null;
  due_date: string | null;
  priority: TaskRow['priority'];
  position: number;
  rank: string;
  tags: string[];
  overdue: boolean;
  blocked_at: string | null;
  blocked_why?: string | null;
  completed_at: string | null;
  created_at: string;
  updated_at: string;
  version: number;
};

export type WorkflowView = {
  id: string;
  name: string;
  description: string;
  status: WorkflowRow['status'];
  department: string;
  owner_id: string | null;
  health: HealthVerdict;
  progress: { done: number; total: number };
  template_id: string | null;
  template_version: string | null;
  cloned_from: string | null;
  started_from: string | null;
  settings: JsonObject;
  start_date: string | null;
  archived_at: string | null;
  created_at: string;
  updated_at: string;
  version: number;
  tasks?: TaskView[];
};

export function taskView(t: TaskRow, position: number, now: Date): TaskView {
  return {
    id: t.id, workflow_id: t.workflow_id, name: t.name, description: t.description, status: t.status,
    assignee_id: t.assignee_id, due_date: t.due_date, priority: t.priority, position, rank: t.rank, tags: t.tags,
    overdue: isOverdue(t, now),
    blocked_at: t.blocked_at?.toISOString() ?? null, completed_at: t.completed_at?.toISOString() ?? null,
    created_at: t.created_at.toISOString(), updated_at: t.updated_at.toISOString(), version: t.version,
  };
}

export function workflowView(w: WorkflowRow, health: HealthVerdict, progress: { done: number; total: number }, tasks?: TaskView[]): WorkflowView {
  return {
    id: w.id, name: w.name, description: w.description, status: w.status, department: w.department, owner_id: w.owner_id,
    health, progress, template_id: w.template_id, template_version: w.template_version, cloned_from: w.cloned_from,
    started_from: w.started_from, settings: w.settings, start_date: w.start_date,
    archived_at: w.archived_at?.toISOString() ?? null, created_at: w.created_at.toISOString(), updated_at: w.updated_at.toISOString(),
    version: w.version, ...(tasks ? { tasks } : {}),
  };
}

/** The fields a diff records for a workflow (state, not derived values). */
export function workflowState(w: WorkflowRow): JsonObject {
  return {
    id: w.id, name: w.name, description: w.description, status: w.status, department: w.department, owner_id: w.owner_id,
    template_id: w.template_id, template_version: w.template_version, cloned_from: w.cloned_from, started_from: w.started_from,
    settings: w.settings, start_date: w.start_date, version: w.version,
  };
}

export function taskState(t: TaskRow): JsonObject {
  return {
    id: t.id, workflow_id: t.workflow_id, name: t.name, description: t.description, status: t.status, assignee_id: t.assignee_id,
    due_date: t.due_date, priority: t.priority, rank: t.rank, tags: t.tags, version: t.version,
  };
}

/** Only what changed, as before/after halves of a diff. */
export function changes(before: JsonObject, after: JsonObject): { before: JsonObject; after: JsonObject } {
  const b: JsonObject = {};
  const a: JsonObject = {};
  for (const key of Object.keys(after)) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) {
      b[key] = before[key] ?? null;
      a[key] = after[key] ?? null;
    }
  }
  return { before: b, after: a };
}
