// The work (Flow OS) part of the SDK: workflows, tasks, templates, the Pulse dashboard.
import type { AtriumClient } from './client.js';
import type { Diff } from './types.js';

export type Health = 'green' | 'yellow' | 'red';
export type TaskStatus = 'todo' | 'in_progress' | 'blocked' | 'done' | 'failed';
export type Priority = 'low' | 'normal' | 'high' | 'urgent';

export type Task = {
  id: string; workflow_id: string; name: string; description: string; status: TaskStatus; assignee_id: string | null;
  due_date: string | null; priority: Priority; position: number; rank: string; tags: string[]; overdue: boolean;
  blocked_at: string | null; completed_at: string | null; created_at: string; updated_at: string; version: number;
};

export type Workflow = {
  id: string; name: string; description: string; status: 'active' | 'archived'; department: string; owner_id: string | null;
  health: { status: Health; reasons: string[] }; progress: { done: number; total: number }; template_id: string | null;
  template_version: string | null; cloned_from: string | null; started_from: string | null; settings: Record<string, unknown>;
  start_date: string | null; archived_at: string | null; created_at: string; updated_at: string; version: number; tasks?: Task[];
};

export type TemplateTask = { name: string; description: string; day: number; priority: Priority; tags?: string[] };
export type Template = { id: string; name: string; description: string; department: string; version: string; builtin: boolean; tasks: TemplateTask[] };

export type Body = Record<string, unknown>;
export type WorkflowQuery = {
  status?: 'active' | 'archived'; health?: Health; owner_id?: string; department?: string;
  sort?: 'updated_at' | 'status' | 'owner' | 'name'; order?: 'asc' | 'desc'; limit?: number; cursor?: string;
};

/** Typed calls of the work API for one client; errors surface as AtriumError. */
export function workApi(client: AtriumClient) {
  const req = async <T>(method: string, path: string, body?: Body, headers?: Record<string, string>) =>
    (await client.request<T>(method, path, { body, headers })).data;
  return {
    /** Workflows with health and progress (filters and sort as GET /v1/workflows). */
    list: async (query: WorkflowQuery = {}) => {
      const res = await client.request<Workflow[]>('GET', '/v1/workflows', { query });
      return { items: res.data, nextCursor: typeof res.meta.next_cursor === 'string' ? res.meta.next_cursor : undefined, total: Number(res.meta.total ?? res.data.length) };
    },
    create: (body: Body) => req<Workflow>('POST', '/v1/workflows', body),
    get: (id: string) => req<Workflow>('GET', `/v1/workflows/${id}`),
    update: (id: string, body: Body, headers?: Record<string, string>) => req<Workflow>('PATCH', `/v1/workflows/${id}`, body, headers),
    archive: (id: string, why: string) => req<Workflow>('DELETE', `/v1/workflows/${id}`, { why }),
    restore: (id: string, body?: Body) => req<Workflow>('POST', `/v1/workflows/${id}/restore`, body),
    clone: (id: string, body?: Body) => req<Workflow>('POST', `/v1/workflows/${id}/clone`, body),
    tasks: (id: string) => req<Task[]>('GET', `/v1/workflows/${id}/tasks`),
    addTask: (workflowId: string, body: Body) => req<Task>('POST', `/v1/workflows/${workflowId}/tasks`, body),
    task: (id: string) => req<Task>('GET', `/v1/tasks/${id}`),
    patchTask: (id: string, body: Body, headers?: Record<string, string>) => req<Task>('PATCH', `/v1/tasks/${id}`, body, headers),
    versions: async (id: string, query: { limit?: number; cursor?: string } = {}) => {
      const res = await client.request<Diff[]>('GET', `/v1/workflows/${id}/versions`, { query });
      return { items: res.data, nextCursor: typeof res.meta.next_cursor === 'string' ? res.meta.next_cursor : undefined };
    },
    templates: () => req<Template[]>('GET', '/v1/templates'),
    template: (id: string) => req<Template>('GET', `/v1/templates/${id}`),
    saveAsTemplate: (workflowId: string, body?: Body) => req<Template>('POST', `/v1/workflows/${workflowId}/save-as-template`, body),
    deleteTask: (id: string, why?: string) => client.request<{ deleted: true }>('DELETE', `/v1/tasks/${id}`, { query: { why } }).then((r) => r.data),
    annotateTask: (id: string, why: string, sentiment?: -1 | 0 | 1) => req<{ id: string; diff_id: string; why: string; sentiment: number }>('POST', `/v1/tasks/${id}/annotations`, { why, sentiment }),
    dashboard: (department?: string) => client.request<Record<string, unknown>>('GET', '/v1/dashboard', { query: { department } }).then((r) => r.data),
    departments: () => req<Record<string, unknown>>('GET', '/v1/departments'),
    exportCsv: async () => (await client.raw('GET', '/v1/export/workflows.csv')).text(),
  };
}

export type WorkApi = ReturnType<typeof workApi>;