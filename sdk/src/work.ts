// The work (Flow OS) part of the SDK: workflows, tasks, templates, the Pulse dashboard.
import type { AtriumClient } from './client.js';
import type { Item, QueryParams, ResponseData } from './contract.js';
import type { Diff } from './types.js';

// Resources are read out of the generated OpenAPI types (the work module's zod schemas).
export type Task = ResponseData<'/v1/tasks/{id}', 'get'>;
/** A workflow; `tasks` is present when read one at a time (GET /v1/workflows/:id). */
export type Workflow = ResponseData<'/v1/workflows/{id}', 'get'>;
export type Template = ResponseData<'/v1/templates/{id}', 'get'>;
export type TemplateTask = Item<Template['tasks']>;
export type Health = Workflow['health']['status'];
export type TaskStatus = Task['status'];
export type Priority = Task['priority'];

export type Body = Record<string, unknown>;
export type WorkflowQuery = QueryParams<'/v1/workflows', 'get'>;

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
    deleteTask: (id: string, why?: string) => client.request<ResponseData<'/v1/tasks/{id}', 'delete'>>('DELETE', `/v1/tasks/${id}`, { query: { why } }).then((r) => r.data),
    annotateTask: (id: string, why: string, sentiment?: -1 | 0 | 1) => req<ResponseData<'/v1/tasks/{id}/annotations', 'post'>>('POST', `/v1/tasks/${id}/annotations`, { why, sentiment }),
    dashboard: (department?: string) => client.request<Record<string, unknown>>('GET', '/v1/dashboard', { query: { department } }).then((r) => r.data),
    departments: () => req<Record<string, unknown>>('GET', '/v1/departments'),
    exportCsv: async () => (await client.raw('GET', '/v1/export/workflows.csv')).text(),
  };
}

export type WorkApi = ReturnType<typeof workApi>;