// Helpers for the work module's HTTP tests: the resource shapes as a client sees them,
// typed calls through the SDK's generic `request`, calendar dates, members, owner SQL.
import type { AtriumClient } from '../../../sdk/src/index.js';
import type { TestApp, TestTenant } from './harness.js';
import { newEmail, newPassword } from './identity.js';

export type { Health, TaskStatus, Priority, Task, Workflow, TemplateTask, Template, Body, WorkApi } from '../../../sdk/src/work.js';
export { workApi } from '../../../sdk/src/work.js';

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
