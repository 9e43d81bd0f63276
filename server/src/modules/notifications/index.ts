// In-app notifications (and email when SMTP is configured). Rules (through the `notify` rule
// action), the AI budget and later agents call `notify`; people read them at /v1/notifications.
// Each one sent is a diff in namespace `notifications`, so it streams live on /v1/stream.
import { z } from 'zod';
import type { Ctx } from '../../platform/context.js';
import { actingAs, inTenant } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import { errors } from '../../platform/errors.js';
import type { RouteRegistry } from '../../platform/http/route.js';
import { newId } from '../../platform/ids.js';
import type { Mailer } from '../../platform/mail.js';
import type { JsonObject } from '../../platform/schema.js';
import type { Identity } from '../identity/index.js';
import type { Ledger } from '../ledger/index.js';
import { defineModule } from '../../platform/module.js';
import { NOTIFICATION_EVENTS } from './events.js';
import { notifyAction } from './rule-action.js';
import type { CommandRegistry } from '../../platform/commands.js';
// Its tables (schema.ts adds them to the one Database type): exported so any program that uses the module sees them.
export type { NotificationTables } from './schema.js';

export type Notice = {
  /** `user:<id>` or `role:<owner|admin|member|viewer>` (a role reaches everyone with it or above). */
  to: readonly string[];
  title: string;
  body?: string;
  link?: string | null;
  entity?: { type: string; id: string } | null;
  causationId?: number | null;
  metadata?: JsonObject;
  email?: boolean;
};

const ROLE_REACH: Record<string, readonly string[]> = {
  owner: ['owner'],
  admin: ['owner', 'admin'],
  member: ['owner', 'admin', 'member'],
  viewer: ['owner', 'admin', 'member', 'viewer'],
};

type Deps = { db: Db; ledger: Ledger; identity: Pick<Identity, 'directory'>; mailer: Mailer; commands?: CommandRegistry };

const view = (n: { id: string; title: string; body: string; link: string | null; entity_type: string | null; entity_id: string | null; read_at: Date | null; created_at: Date }) => ({
  id: n.id, title: n.title, body: n.body, link: n.link,
  entity: n.entity_type && n.entity_id ? { type: n.entity_type, id: n.entity_id } : null,
  read: n.read_at !== null, read_at: n.read_at?.toISOString() ?? null, created_at: n.created_at.toISOString(),
});
const notificationSchema = z.object({
  id: z.string(), title: z.string(), body: z.string(), link: z.string().nullable(),
  entity: z.object({ type: z.string(), id: z.string() }).nullable(), read: z.boolean(), read_at: z.string().nullable(), created_at: z.string(),
});

export function createNotifications({ db, ledger, identity, mailer, commands }: Deps) {
  type Person = Awaited<ReturnType<Identity['directory']>>[number];
  /** Members the targets reach (unknown users are dropped: notifications go to members only). */
  function recipients(people: readonly Person[], to: readonly string[]): Person[] {
    const chosen = new Map<string, (typeof people)[number]>();
    for (const t of to) {
      const [kind, value] = t.split(':') as [string, string];
      for (const p of people) {
        if ((kind === 'user' && p.user_id === value) || (kind === 'role' && ROLE_REACH[value]?.includes(p.role))) chosen.set(p.user_id, p);
      }
    }
    return [...chosen.values()];
  }

  type Sent = { ids: string[]; userIds: string[]; /** the `notification.sent` diffs, one per id */ diffIds: number[] };

  /** Sends in the caller's transaction; returns the ids (one per recipient). */
  async function notify(ctx: Ctx, n: Notice): Promise<Sent> {
    return (await notifyMany(ctx, [n]))[0]!;
  }

  /**
   * Many notices in the caller's transaction with one directory read, one INSERT and one ledger
   * batch (the rule worker sends a batch of actions this way). A notice's source diff is its
   * `causationId`, else the Ctx's cause (a rule's effect is caused by its trigger).
   */
  async function notifyMany(ctx: Ctx, notices: readonly Notice[]): Promise<Sent[]> {
    const directory = notices.length > 0 ? await identity.directory(ctx.tx) : [];
    const per = notices.map((n) => {
      const source = n.causationId ?? ctx.cause?.diffId ?? null;
      const people = recipients(directory, n.to);
      const rows = people.map((p) => ({
        id: newId('ntf'), tenant_id: ctx.tenantId, user_id: p.user_id, title: n.title.slice(0, 200), body: (n.body ?? '').slice(0, 4000),
        link: n.link ?? null, entity_type: n.entity?.type ?? null, entity_id: n.entity?.id ?? null, source_diff_id: source,
      }));
      return { n, people, rows, source };
    });
    const all = per.flatMap((p) => p.rows.map((r) => ({ r, p })));
    if (all.length === 0) return notices.map(() => ({ ids: [], userIds: [], diffIds: [] }));
    await ctx.tx.insertInto('notifications').values(all.map(({ r }) => r)).execute();
    const diffs = await ledger.recordBatch(ctx, all.map(({ r, p }) => ({
      namespace: 'notifications', entityType: 'notification', entityId: r.id, event: 'notification.sent',
      after: { user_id: r.user_id, title: r.title, body: r.body, link: r.link, entity_type: r.entity_type, entity_id: r.entity_id },
      metadata: p.n.metadata ?? {}, causationId: p.source,
    })));
    const mails = per.filter((p) => p.n.email && p.people.length > 0);
    if (mails.length > 0 && mailer.configured) {
      ctx.onCommit(() => {
        for (const { n, people } of mails) {
          for (const p of people) void mailer.send({ to: p.email, subject: n.title, text: `${n.body ?? ''}${n.link ? `\n\n${n.link}` : ''}` });
        }
      });
    }
    let i = 0;
    return per.map((p) => {
      const diffIds = p.rows.map(() => diffs[i++]!.id);
      return { ids: p.rows.map((r) => r.id), userIds: p.rows.map((r) => r.user_id), diffIds };
    });
  }

  commands?.register({
    name: 'notifications.notify', scope: 'write', summary: 'Notify people of the workspace (`user:<id>` or `role:<role>`, which reaches that role and above)',
    input: z.strictObject({
      to: z.array(z.string().regex(/^(user:[A-Za-z0-9_]{1,100}|role:(owner|admin|member|viewer))$/, 'user:<id> or role:<owner|admin|member|viewer>')).min(1).max(20),
      title: z.string().trim().min(1).max(200), body: z.string().max(4000).optional(), link: z.string().max(2000).nullable().optional(),
      entity: z.strictObject({ type: z.string().min(1).max(100), id: z.string().min(1).max(200) }).nullable().optional(),
    }),
    run: async (ctx, input) => {
      const sent = await notify(ctx, input);
      return { notified: sent.userIds, notifications: sent.ids };
    },
  });

  function registerRoutes(r: RouteRegistry): void {
    r.add({
      method: 'GET', url: '/v1/notifications', tags: ['notifications'], scope: 'read',
      summary: 'My notifications, newest first (`unread=true` for unread only); meta.unread_count',
      query: z.strictObject({
        unread: z.enum(['true', 'false']).optional(),
        limit: z.coerce.number().int().min(1).max(200).default(50),
        before: z.string().max(100).optional(),
      }),
      response: z.array(notificationSchema),
      handler: async ({ principal, query }) => {
        if (!principal.userId) return { data: [], meta: { unread_count: 0 } };
        const userId = principal.userId;
        return db.tenantTx(principal.tenantId, async (tx) => {
          let q = tx.selectFrom('notifications').selectAll().where('user_id', '=', userId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit);
          if (query.unread === 'true') q = q.where('read_at', 'is', null);
          if (query.before) {
            const pivot = await tx.selectFrom('notifications').select(['created_at', 'id']).where('id', '=', query.before).executeTakeFirst();
            if (!pivot) throw errors.badRequest('BAD_CURSOR', 'Unknown `before` notification id.', [{ path: 'query.before', message: 'unknown id' }]);
            q = q.where((eb) => eb.or([eb('created_at', '<', pivot.created_at), eb.and([eb('created_at', '=', pivot.created_at), eb('id', '<', pivot.id)])]));
          }
          const rows = await q.execute();
          const unread = await tx.selectFrom('notifications').select((eb) => eb.fn.countAll<string>().as('n')).where('user_id', '=', userId).where('read_at', 'is', null).executeTakeFirstOrThrow();
          return { data: rows.map(view), meta: { unread_count: Number(unread.n) } };
        });
      },
    });

    r.add({
      method: 'POST', url: '/v1/notifications/:id/read', tags: ['notifications'], scope: 'read', summary: 'Mark one of my notifications read',
      params: z.strictObject({ id: z.string().min(1).max(100) }), response: notificationSchema,
      handler: async ({ principal, params }) => {
        const userId = principal.userId;
        if (!userId) throw errors.notFound('Notification');
        // Reading one's own inbox is no change to the workspace: nothing a rule holds (context.ts).
        const row = await inTenant(db, { ...actingAs(principal), holdable: false }, async (ctx) => {
          const before = await ctx.tx.selectFrom('notifications').selectAll().where('id', '=', params.id).where('user_id', '=', userId).forUpdate().executeTakeFirst();
          if (!before) throw errors.notFound('Notification');
          if (before.read_at) return before;
          const after = await ctx.tx.updateTable('notifications').set({ read_at: new Date() }).where('id', '=', params.id).returningAll().executeTakeFirstOrThrow();
          await ledger.record(ctx, { namespace: 'notifications', entityType: 'notification', entityId: params.id, event: 'notification.read', before: { read_at: null }, after: { read_at: after.read_at!.toISOString() } });
          return after;
        });
        return { data: view(row) };
      },
    });

    r.add({
      method: 'POST', url: '/v1/notifications/read-all', tags: ['notifications'], scope: 'read', summary: 'Mark all my notifications read',
      response: z.object({ marked: z.number() }),
      handler: async ({ principal }) => {
        const userId = principal.userId;
        if (!userId) return { data: { marked: 0 } };
        const marked = await inTenant(db, { ...actingAs(principal), holdable: false }, async (ctx) => {
          const rows = await ctx.tx.updateTable('notifications').set({ read_at: new Date() }).where('user_id', '=', userId).where('read_at', 'is', null).returning('id').execute();
          if (rows.length > 0) {
            await ledger.recordBatch(ctx, rows.map((r) => ({ namespace: 'notifications', entityType: 'notification', entityId: r.id, event: 'notification.read', before: { read_at: null }, after: { read_at: new Date().toISOString() } })));
          }
          return rows.length;
        });
        return { data: { marked } };
      },
    });
  }

  return { notify, notifyMany, registerRoutes, ruleActions: [notifyAction({ notifyMany })] };
}

export type Notifications = ReturnType<typeof createNotifications>;

export const notificationsModule = defineModule({
  id: 'notifications', namespace: 'notifications', deps: ['ledger', 'identity'], tables: ['notifications'], events: NOTIFICATION_EVENTS,
  create: (p, { ledger, identity }: { ledger: Ledger; identity: Pick<Identity, 'directory'> }) => createNotifications({ db: p.db, ledger, identity, mailer: p.mailer, commands: p.commands }),
});
