// Helpers for the work module's HTTP tests: the resource shapes as a client sees them,
// typed calls through the SDK's generic `request`, calendar dates, members, owner SQL.
import type { AtriumClient, Diff } from '../../../sdk/src/index.js';
import type { TestApp, TestTenant } from './harness.js';
import { newEmail, newPassword } from './identity.js';

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

const DAY_MS = 86_400_000;

/** The UTC calendar day `offset` days from `from` (default: the real now), as YYYY-MM-DD. */
export function day(offset: number, from: Date = new Date()): string {
  return new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()) + offset * DAY_MS).toISOString().slice(0, 10);
}

/** YYYY-MM-DD plus `days`, computed independently of the server. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** Typed calls of the work API for one client; errors surface as the SDK's AtriumError. */
export function workApi(client: AtriumClient) {
  const req = async <T>(method: string, path: string, body?: Body, headers?: Record<string, string>) =>
    (await client.request<T>(method, path, { body, headers })).data;
  return {
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
  };
}

export type WorkApi = ReturnType<typeof workApi>;

/** Invites someone into the tenant and accepts as them; returns the new member. */
export async function addMember(t: TestApp, owner: TestTenant, name: string, role: 'admin' | 'member' | 'viewer' = 'member'): Promise<{ userId: string; client: AtriumClient }> {
  const invite = await owner.client.members.invite(newEmail(name.toLowerCase().replace(/\W+/g, '-')), role);
  const accepted = await t.client().members.accept({ token: invite.token!, name, password: newPassword() });
  return { userId: accepted.user.id, client: t.client(accepted.token ?? undefined) };
}

/** SQL as the database owner (no RLS): facts the API does not let a client set, e.g. an old blocked_at. */
export async function ownerQuery<T>(t: TestApp, text: string, values: unknown[] = []): Promise<T[]> {
  return (await t.app.db.ownerExecutor.executeSql(text, values)).rows as T[];
}
