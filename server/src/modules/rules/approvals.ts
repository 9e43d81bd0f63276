// The human-in-the-loop queue: changes held by a require_approval rule. A held change is
// stored as the command it came from — `{command, input}` and who asked — and approving runs
// that command again through the command registry, as the requester, with the approval
// granted; the pre-commit hook then marks it approved in that same transaction. So a person
// over HTTP, an agent or a flow step are held and approved the same way. Rows stored before
// holds were commands keep the HTTP request: approving maps it to its command (legacy-holds.ts).
// Secrets a command declares in its input (a provider key, a webhook secret) are stored sealed
// and opened only to run it. Rejecting needs a reason. Both decisions are diffs.
import { sql } from 'kysely';
import { inTenant, type Actor, type ApprovalGrant, type CtxSource, type Principal } from '../../platform/context.js';
import type { Db, Tx } from '../../platform/db/index.js';
import { AppError, errors } from '../../platform/errors.js';
import { ChangeHeld, type Envelope, type HeldRequest, type HttpMethod } from '../../platform/http/route.js';
import type { CommandRegistry, HeldCommand } from '../../platform/commands.js';
import { openSecrets, sealSecrets, type SecretPath } from '../../platform/held-secrets.js';
import { newId } from '../../platform/ids.js';
import type { Json, JsonObject } from '../../platform/schema.js';
import type { Identity } from '../identity/index.js';
import type { Ledger } from '../ledger/index.js';
import type { Notifications } from '../notifications/index.js';
import { legacyCommand } from './legacy-holds.js';
import type { Hold } from './precommit.js';

export type ApprovalsDeps = {
  db: Db; ledger: Ledger; notifications: Notifications;
  identity: Pick<Identity, 'directory' | 'requireFreshStepUp' | 'secrets'>;
  commands: Pick<CommandRegistry, 'execute' | 'secretPaths'>;
};

/**
 * What an approval row stores of the held change: the command and the requester's access, and
 * where it was asked (method, url: shown, never replayed). Rows held before commands have
 * `method`, `url` and `body` instead of `command` and `input`. `sealed`: where `input` holds a
 * sealed secret (absent in rows stored before secrets were sealed: their input runs as stored).
 */
type HeldChange = {
  command?: string; input?: Json; sealed?: SecretPath[]; method?: HttpMethod; url?: string; body?: Json | null;
  role?: string | null; scopes?: string[]; kind?: 'session' | 'api_key';
};

type ApprovalRow = {
  id: string; rule_id: string; status: 'pending' | 'approved' | 'rejected'; requested_by: string; requester_type: string;
  namespace: string; entity_type: string; entity_id: string; event: string; proposed_before: Json | null; proposed_after: Json | null;
  request: JsonObject; summary: string; decided_by: string | null; decision_why: string | null; decided_at: Date | null; created_at: Date;
};

export function approvalView(a: ApprovalRow, rule?: { name: string; actions: Json[] }) {
  const action = (rule?.actions[0] ?? {}) as { approvers?: string; not_by_requester?: boolean };
  const req = a.request as { method?: string; url?: string; command?: string; input?: { why?: unknown } };
  return {
    id: a.id, status: a.status, summary: a.summary,
    /** The why the requester gave with the change (approvers decide on it), null without one. */
    requested_why: typeof req.input?.why === 'string' ? req.input.why : null,
    rule: { id: a.rule_id, name: rule?.name ?? null, approvers: action.approvers ?? 'role:admin', not_by_requester: action.not_by_requester ?? false },
    requested_by: { type: a.requester_type, id: a.requested_by },
    change: { namespace: a.namespace, entity_type: a.entity_type, entity_id: a.entity_id, event: a.event, before: a.proposed_before, after: a.proposed_after },
    request: { method: req.method ?? null, url: req.url ?? null },
    /** The command approving runs (null for changes held before commands existed). */
    command: req.command ?? null,
    decided_by: a.decided_by, decision_why: a.decision_why, decided_at: a.decided_at?.toISOString() ?? null, created_at: a.created_at.toISOString(),
  };
}
export type ApprovalView = ReturnType<typeof approvalView>;

const APPROVER_ROLES: Record<string, readonly string[]> = { 'role:admin': ['owner', 'admin'], 'role:member': ['owner', 'admin', 'member'] };

export function createApprovals(d: ApprovalsDeps) {
  async function load(tx: Tx, id: string, lock = false) {
    let q = tx.selectFrom('approvals').selectAll().where('id', '=', id);
    if (lock) q = q.forUpdate();
    const a = await q.executeTakeFirst();
    if (!a) throw errors.notFound('Approval');
    const rule = await tx.selectFrom('rules').select(['name', 'actions']).where('id', '=', a.rule_id).executeTakeFirstOrThrow();
    return { a: a as ApprovalRow, rule };
  }

  /** The queue's own records (the request, the decisions, who is told): never held themselves. */
  const asQueue = (p: Principal, requestId?: string): CtxSource => ({ tenantId: p.tenantId, actor: p.actor, requestId, holdable: false });

  /** The registry's hold handler: records the held command as a pending approval → 202. */
  async function hold(held: ChangeHeld, req: HeldRequest): Promise<Envelope> {
    // The command registry tags every hold raised inside a command; no other hold can be applied later.
    const command = held.command;
    if (!command) throw new Error('a change was held outside a command: there is nothing to run on approval');
    const h = held.hold as Hold;
    const p = req.principal;
    const box = d.identity.secrets();
    const { input, sealed } = sealSecrets(command.input as Json, d.commands.secretPaths(command.command), (s) => box.seal(s));
    const view = await inTenant(d.db, asQueue(p, req.requestId), async (ctx) => {
      const row = await ctx.tx.insertInto('approvals').values({
        id: newId('apr'), tenant_id: ctx.tenantId, rule_id: h.rule.id, requested_by: p.actor.id, requester_type: p.actor.type,
        namespace: h.diff.namespace, entity_type: h.diff.entityType, entity_id: h.diff.entityId, event: h.diff.event,
        proposed_before: JSON.stringify(h.diff.before ?? null), proposed_after: JSON.stringify(h.diff.after ?? null),
        request: JSON.stringify({
          command: command.command, input, ...(sealed.length > 0 && { sealed }), ...(req.method && { method: req.method, url: req.url }),
          role: p.role, scopes: [...p.scopes], kind: p.kind,
        } satisfies HeldChange),
        summary: h.message.slice(0, 500),
      }).returningAll().executeTakeFirstOrThrow();
      const diff = await d.ledger.record(ctx, {
        namespace: 'rules', entityType: 'approval', entityId: row.id, event: 'approval.requested',
        after: { status: 'pending', rule_id: h.rule.id, entity_type: h.diff.entityType, entity_id: h.diff.entityId, event: h.diff.event, summary: row.summary },
      });
      const action = h.rule.actions[0] as { approvers?: string };
      await d.notifications.notify(ctx, {
        to: action.approvers === 'role:member' ? ['role:member'] : ['role:admin'], title: `Approval needed: ${h.rule.name}`,
        body: row.summary, link: `/approvals/${row.id}`, entity: { type: 'approval', id: row.id }, causationId: diff.id,
      });
      return approvalView(row as ApprovalRow, { name: h.rule.name, actions: h.rule.actions as unknown as Json[] });
    });
    return { data: view, status: 202, meta: { held: true, message: view.summary } };
  }

  /** Rebuilds who asked, as they are now (a removed member's change is not applied). */
  async function requesterPrincipal(tx: Tx, approver: Principal, a: ApprovalRow, grant: ApprovalGrant): Promise<Principal> {
    const req = a.request as { role?: string | null; scopes?: string[]; kind?: 'session' | 'api_key' };
    let role: string | null = req.role ?? null;
    if (a.requester_type === 'user') {
      const member = (await d.identity.directory(tx)).find((m) => m.user_id === a.requested_by);
      if (!member) throw errors.conflict('REQUESTER_GONE', 'The person who asked for this change is no longer a member; reject it.');
      role = member.role;
    }
    return {
      tenantId: approver.tenantId, actor: { type: a.requester_type as Actor['type'], id: a.requested_by }, userId: a.requester_type === 'user' ? a.requested_by : null,
      tokenId: `approval:${a.id}`, kind: req.kind ?? 'session', role, scopes: req.scopes ?? [], plan: approver.plan, stepUpAt: null, platformRole: null, approval: grant,
    };
  }

  /** The command to run: as stored, or the command a legacy held HTTP request now maps to. */
  function heldCommandOf(held: HeldChange): HeldCommand {
    if (held.command) {
      const box = d.identity.secrets();
      return { command: held.command, input: openSecrets(held.input ?? null, held.sealed ?? [], (s) => box.open(s)) };
    }
    const mapped = legacyCommand(held);
    if (mapped) return mapped;
    throw new AppError('APPROVAL_FAILED', 409, `The held change could not be applied: ${held.method ?? '?'} ${held.url ?? '?'} was held before changes were commands, and no command replaces it. Reject it and ask again.`, [
      { message: 'no command for this held request', code: null },
    ]);
  }

  async function approve(p: Principal, id: string, input: { why: string; sentiment?: -1 | 0 | 1 }) {
    const { a, rule } = await d.db.tenantTx(p.tenantId, (tx) => load(tx, id));
    if (a.status !== 'pending') throw errors.conflict('APPROVAL_DECIDED', `This approval was already ${a.status}.`);
    const action = (rule.actions[0] ?? {}) as { approvers?: string; not_by_requester?: boolean };
    if (p.kind !== 'session' || !p.role || !(APPROVER_ROLES[action.approvers ?? 'role:admin'] ?? []).includes(p.role)) {
      throw errors.forbidden(`Only ${action.approvers === 'role:member' ? 'members, admins and owners' : 'admins and owners'} can decide this approval.`);
    }
    if (action.not_by_requester && a.requested_by === p.actor.id) {
      throw errors.forbidden(`Rule "${rule.name}" needs someone other than the requester to approve.`, [{ message: 'not by the requester', rule_id: a.rule_id }]);
    }
    await d.identity.requireFreshStepUp(p);
    const grant: ApprovalGrant = { id: a.id, ruleId: a.rule_id, approver: p.actor, why: input.why, sentiment: input.sentiment ?? 0 };
    const requester = await d.db.tenantTx(p.tenantId, (tx) => requesterPrincipal(tx, p, a, grant));
    const held = heldCommandOf(a.request as HeldChange);
    let result: Json;
    try {
      result = ((await d.commands.execute(requester, held.command, held.input)) ?? null) as Json;
    } catch (err) {
      if (err instanceof ChangeHeld && err.command) {
        // Another rule holds the same change: it waits for that rule's approvers, asked by the
        // requester (this approval is settled below: its own rule let the change pass).
        result = (await hold(err, { principal: { ...requester, approval: undefined } })).data as Json;
      } else {
        if (!(err instanceof AppError)) throw err;
        if (err.code === 'APPROVAL_DECIDED' || err.code === 'APPROVAL_STALE') throw err;
        throw new AppError('APPROVAL_FAILED', 409, `The held change could not be applied: ${err.message}`, [{ message: err.message, code: err.code }]);
      }
    }
    // The hook marked it approved in the command's transaction — unless the command recorded
    // another change than the one held (nothing to do any more, say): then it is settled here.
    const settled = await inTenant(d.db, asQueue(p), async (ctx) => {
      const updated = await ctx.tx.updateTable('approvals').set({ status: 'approved', decided_by: p.actor.id, decision_why: input.why, decided_at: sql`now()` })
        .where('id', '=', id).where('status', '=', 'pending').returning('id').executeTakeFirst();
      if (updated) {
        await d.ledger.record(ctx, { namespace: 'rules', entityType: 'approval', entityId: id, event: 'approval.approved', before: { status: 'pending' }, after: { status: 'approved' }, why: input.why, sentiment: input.sentiment });
      }
      return load(ctx.tx, id);
    });
    return { approval: approvalView(settled.a, settled.rule), result };
  }

  async function reject(p: Principal, id: string, input: { reason: string; sentiment?: -1 | 0 | 1 }) {
    return inTenant(d.db, asQueue(p), async (ctx) => {
      const { a, rule } = await load(ctx.tx, id, true);
      if (a.status !== 'pending') throw errors.conflict('APPROVAL_DECIDED', `This approval was already ${a.status}.`);
      const action = (rule.actions[0] ?? {}) as { approvers?: string };
      const mayDecide = p.role && (APPROVER_ROLES[action.approvers ?? 'role:admin'] ?? []).includes(p.role);
      // The requester may always withdraw their own request.
      if (!mayDecide && a.requested_by !== p.actor.id) throw errors.forbidden('Only the approvers of this rule (or the requester) can reject it.');
      const row = await ctx.tx.updateTable('approvals').set({ status: 'rejected', decided_by: p.actor.id, decision_why: input.reason, decided_at: sql`now()` })
        .where('id', '=', id).returningAll().executeTakeFirstOrThrow();
      const diff = await d.ledger.record(ctx, {
        namespace: 'rules', entityType: 'approval', entityId: id, event: 'approval.rejected', before: { status: 'pending' }, after: { status: 'rejected' },
        why: input.reason, sentiment: input.sentiment ?? -1,
      });
      if (a.requester_type === 'user' && a.requested_by !== p.actor.id) {
        await d.notifications.notify(ctx, { to: [`user:${a.requested_by}`], title: `Change rejected: ${rule.name}`, body: input.reason, link: `/approvals/${id}`, entity: { type: 'approval', id }, causationId: diff.id });
      }
      return approvalView(row as ApprovalRow, rule);
    });
  }

  async function list(p: Principal, q: { status?: 'pending' | 'approved' | 'rejected'; limit: number }) {
    return d.db.tenantTx(p.tenantId, async (tx) => {
      let query = tx.selectFrom('approvals as a').innerJoin('rules as r', 'r.id', 'a.rule_id').selectAll('a').select(['r.name as rule_name', 'r.actions as rule_actions'])
        .orderBy('a.created_at', 'desc').orderBy('a.id', 'desc').limit(q.limit);
      if (q.status) query = query.where('a.status', '=', q.status);
      const rows = await query.execute();
      return rows.map((r) => approvalView(r as unknown as ApprovalRow, { name: r.rule_name, actions: r.rule_actions }));
    });
  }

  const get = (p: Principal, id: string) => d.db.tenantTx(p.tenantId, async (tx) => { const { a, rule } = await load(tx, id); return approvalView(a, rule); });
  const pendingCount = (tx: Tx) => tx.selectFrom('approvals').select(sql<number>`count(*)::int`.as('n')).where('status', '=', 'pending').executeTakeFirstOrThrow().then((r) => r.n);

  return { hold, approve, reject, list, get, pendingCount };
}

export type Approvals = ReturnType<typeof createApprovals>;
