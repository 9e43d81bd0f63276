// Shapes the web app reads beyond the SDK's typed ones (GET /v1/dashboard, /v1/departments).
import type { Diff, Health, Task } from '../../../sdk/src/index.js';

export type Dot = { id: string; name: string; department: string; owner_id: string | null; health: Health; reasons: string[]; progress: { done: number; total: number } };
export type Workload = { user_id: string; name: string; role: string; open_tasks: number; overdue: number; blocked: number };
export type Dashboard = {
  health: Record<Health, number>;
  workflows: Dot[];
  overdue_tasks: { count: number; items: Task[] };
  blocked_tasks: { count: number; items: Task[] };
  workload: Workload[];
  unassigned_open_tasks: number;
  recent_diffs: Diff[];
  annotation_count: number;
  generated_at: string;
};
export type DepartmentNode = { id: string; custom: boolean; health: Health; workflows: number; counts: Record<Health, number> };
export type Handoff = { from: string; to: string; count: number; workflows: Array<{ id: string; name: string; started_from: string }> };
export type Departments = { departments: DepartmentNode[]; handoffs: Handoff[] };
