// Helpers for the work module's HTTP tests: the resource shapes as a client sees them,
// typed calls through the SDK's generic `request`, calendar dates, members, owner SQL, and
// the usual set-up of a test file (a server, two tenants, a member).
import { afterAll, beforeAll } from 'vitest';
import type { AtriumClient } from '../../../../sdk/src/index.js';
import { workApi, type WorkApi } from '../../../../sdk/src/work.js';
import { startTestApp, type TestApp, type TestTenant } from '../../testing/harness.js';
import { newEmail, newPassword } from '../identity/testing.js';

export type { Health, TaskStatus, Priority, Task, Workflow, TemplateTask, Template, Body, WorkApi } from '../../../../sdk/src/work.js';
export { workApi } from '../../../../sdk/src/work.js';

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

/** A member invited into a tenant, with a client signed in as them. */
export type Member = { userId: string; client: AtriumClient };

/** Invites someone into the tenant and accepts as them; returns the new member. */
export async function addMember(t: TestApp, owner: TestTenant, name: string, role: 'admin' | 'member' | 'viewer' = 'member'): Promise<Member> {
  const invite = await owner.client.members.invite(newEmail(name.toLowerCase().replace(/\W+/g, '-')), role);
  const accepted = await t.client().members.accept({ token: invite.token!, name, password: newPassword() });
  return { userId: accepted.user.id, client: t.client(accepted.token ?? undefined) };
}

/** SQL as the database owner (no RLS): facts the API does not let a client set, e.g. an old blocked_at. */
export async function ownerQuery<T>(t: TestApp, text: string, values: unknown[] = []): Promise<T[]> {
  return (await t.app.db.ownerExecutor.executeSql(text, values)).rows as T[];
}

/** What `workSuite` sets up: the server `t`; tenant `a`, whose owner the tests act as through
 * `api`; tenant `b`, the stranger whose ids and calls must not reach `a`'s data. */
export type WorkSuite = { readonly t: TestApp; readonly a: TestTenant; readonly b: TestTenant; readonly api: WorkApi };

/**
 * Registers the file's beforeAll (a fresh server, tenants named `a` and `b`, and with `member`
 * a member of `a` by that name) and afterAll (stops the server). The fields are there once
 * beforeAll has run: read them inside tests and hooks, never at the top of the file.
 */
export function workSuite(names: { a: string; b: string }): WorkSuite;
export function workSuite(names: { a: string; b: string; member: string }): WorkSuite & { readonly member: Member };
export function workSuite(names: { a: string; b: string; member?: string }): WorkSuite & { readonly member: Member } {
  let server: TestApp | undefined;
  let ready: (WorkSuite & { member?: Member }) | undefined;
  beforeAll(async () => {
    server = await startTestApp();
    const a = await server.tenant(names.a);
    const b = await server.tenant(names.b);
    const api = workApi(a.client);
    const member = names.member === undefined ? undefined : await addMember(server, a, names.member);
    ready = { t: server, a, b, api, member };
  });
  afterAll(() => server?.stop());
  const get = (): WorkSuite & { member?: Member } => {
    if (!ready) throw new Error('workSuite: read before its beforeAll ran');
    return ready;
  };
  return {
    get t() { return get().t; },
    get a() { return get().a; },
    get b() { return get().b; },
    get api() { return get().api; },
    get member() {
      const { member } = get();
      if (!member) throw new Error('workSuite: no member was asked for');
      return member;
    },
  };
}
