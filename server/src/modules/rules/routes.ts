// HTTP surface of the Reflex Arc: rules, simulation, runs, packs and approvals.
import { sql } from 'kysely';
import { z } from 'zod';
import { actingAs, inTenant } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import { errors } from '../../platform/errors.js';
import type { RouteRegistry } from '../../platform/http/route.js';
import type { Json } from '../../platform/schema.js';
import type { EffectDeps } from './actions.js';
import type { Approvals } from './approvals.js';
import { ruleSchemas, ruleViewSchema, kindOf } from './model.js';
import { RULE_PACKS } from './packs.js';
import { simulate } from './simulate.js';
import { checkRule, listRules, loadRule, ruleStats, ruleView, type StoreDeps } from './store.js';
import { RULE_COMMANDS } from './commands.js';
import type { CommandRegistry } from '../../platform/commands.js';
import { diffPublicId, parseDiffId } from '../ledger/index.js';
import type { RuleRow } from './ruleset.js';

/** Writes run as the module's commands (commands.ts): a require_approval rule holds them as such. */
export type RuleRoutesDeps = StoreDeps & { db: Db; effects: EffectDeps; approvals: Approvals; commands: CommandRegistry };

const idParam = z.strictObject({ id: z.string().min(1).max(100) });
const why = z.string().trim().min(1).max(5000);
const sentiment = z.union([z.literal(-1), z.literal(0), z.literal(1)]);
const windowQuery = {
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  limit: z.number().int().min(1).max(500).default(100),
};
const DAY = 86_400_000;

function window(w: { since?: string; until?: string; limit: number }) {
  const until = w.until ? new Date(w.until) : new Date();
  const since = w.since ? new Date(w.since) : new Date(until.getTime() - 7 * DAY);
  if (since >= until) throw errors.validation([{ path: 'body.since', message: 'must be before until' }]);
  if (until.getTime() - since.getTime() > 366 * DAY) throw errors.validation([{ path: 'body.since', message: 'a window is at most 366 days' }]);
  return { since, until, limit: w.limit };
}

const ruleWithStats = ruleViewSchema.extend({ stats: z.object({ runs_7d: z.number(), failed_7d: z.number(), last_run_at: z.string().nullable() }) });
const ruleResult = z.object({ rule: ruleViewSchema, warnings: z.array(z.string()), secrets: z.record(z.string(), z.string()) });

type RuleResult = z.input<typeof ruleResult>;

export function registerRuleRoutes(r: RouteRegistry, d: RuleRoutesDeps): void {
  const c = RULE_COMMANDS;
  const { ruleInput, rulePatch } = ruleSchemas(d.actions);

  r.add({
    method: 'GET', url: '/v1/rules', tags: ['rules'], scope: 'read', summary: 'Rules of the workspace, each with its recent activity',
    query: z.strictObject({ enabled: z.enum(['true', 'false']).optional(), kind: z.enum(['reactive', 'precommit', 'scheduled']).optional() }),
    response: z.array(ruleWithStats),
    handler: async ({ principal, query }) => ({
      data: await d.db.tenantTx(principal.tenantId, (tx) => listRules(tx, { enabled: query.enabled === undefined ? undefined : query.enabled === 'true', kind: query.kind })),
    }),
  });

  r.add({
    method: 'POST', url: '/v1/rules', tags: ['rules'], scope: 'admin', successStatus: 201,
    summary: 'Create a rule; `warnings` say when its filters have matched nothing yet; `secrets` shows generated webhook secrets once',
    body: ruleInput, response: ruleResult,
    handler: async ({ principal, body, requestId }) => ({ data: await d.commands.execute<RuleResult>(principal, c.createRule, body, { requestId }) }),
  });

  r.add({
    method: 'GET', url: '/v1/rules/:id', tags: ['rules'], scope: 'read', summary: 'One rule with its recent activity', params: idParam,
    response: ruleWithStats,
    handler: async ({ principal, params }) => d.db.tenantTx(principal.tenantId, async (tx) => {
      const rule = ruleView(await loadRule(tx, params.id));
      const stats = (await ruleStats(tx, [rule.id])).get(rule.id) ?? { runs_7d: 0, failed_7d: 0, last_run_at: null };
      return { data: { ...rule, stats } };
    }),
  });

  r.add({
    method: 'PATCH', url: '/v1/rules/:id', tags: ['rules'], scope: 'admin', summary: 'Change a rule (name, trigger, actions, enabled); `version` guards concurrent edits',
    params: idParam, body: rulePatch.extend({ why: why.optional() }), response: ruleResult,
    handler: async ({ principal, params, body, requestId }) => ({ data: await d.commands.execute<RuleResult>(principal, c.updateRule, { ...body, id: params.id }, { requestId }) }),
  });

  for (const [verb, command] of [['enable', c.enableRule], ['disable', c.disableRule]] as const) {
    r.add({
      method: 'POST', url: `/v1/rules/:id/${verb}`, tags: ['rules'], scope: 'admin', summary: `${verb === 'enable' ? 'Switch on' : 'Switch off'} a rule`,
      params: idParam, body: z.strictObject({ why: why.optional() }).optional(), response: ruleResult,
      handler: async ({ principal, params, body, requestId }) => ({ data: await d.commands.execute<RuleResult>(principal, command, { why: body?.why, id: params.id }, { requestId }) }),
    });
  }

  r.add({
    method: 'DELETE', url: '/v1/rules/:id', tags: ['rules'], scope: 'admin', summary: 'Delete a rule (its runs and diffs stay)', params: idParam,
    body: z.strictObject({ why: why.optional() }).optional(), response: z.object({ deleted: z.literal(true) }),
    handler: async ({ principal, params, body, requestId }) => ({ data: await d.commands.execute<{ deleted: true }>(principal, c.deleteRule, { why: body?.why, id: params.id }, { requestId }) }),
  });

  const simulationSchema = z.object({
    window: z.object({ since: z.string(), until: z.string() }), scanned: z.number(), scan_truncated: z.boolean(), matched: z.number(),
    matches: z.array(z.unknown()), warnings: z.array(z.string()).optional(),
  });
  r.add({
    method: 'POST', url: '/v1/rules/:id/simulate', tags: ['rules'], scope: 'read',
    summary: 'What-if: which past diffs this rule would have matched and what it would have done (writes nothing)',
    params: idParam, body: z.strictObject(windowQuery).optional(), response: simulationSchema,
    handler: async ({ principal, params, body }) => {
      const w = window(body ?? { limit: 100 });
      const row = await d.db.tenantTx(principal.tenantId, (tx) => tx.selectFrom('rules').select(['id', 'tenant_id', 'name', 'kind', 'enabled', 'trigger', 'actions', 'active_after_diff'])
        .where('id', '=', params.id).where('deleted_at', 'is', null).executeTakeFirst());
      if (!row) throw errors.notFound('Rule');
      return { data: await simulate(d.db, d.effects, principal.tenantId, row as RuleRow, w) };
    },
  });

  r.add({
    method: 'POST', url: '/v1/rules/simulate', tags: ['rules'], scope: 'read', summary: 'What-if for a draft rule (not saved) over a past window',
    body: z.strictObject({ rule: ruleInput, ...windowQuery }), response: simulationSchema,
    handler: async ({ principal, body }) => {
      const w = window(body);
      await inTenant(d.db, actingAs(principal), (ctx) => checkRule(ctx, d, body.rule));
      const row: RuleRow = {
        id: 'draft', tenant_id: principal.tenantId, name: body.rule.name, kind: kindOf(body.rule), enabled: true,
        trigger: body.rule.trigger as RuleRow['trigger'], actions: body.rule.actions as unknown as Json[], active_after_diff: 0,
      };
      return { data: await simulate(d.db, d.effects, principal.tenantId, row, w) };
    },
  });

  const runSchema = z.object({
    id: z.string(), rule_id: z.string(), diff_id: z.string(), action_index: z.number(), action_type: z.string(), entity_type: z.string(), entity_id: z.string(),
    status: z.string(), effect: z.unknown(), effect_diff_id: z.string().nullable(), error: z.string().nullable(), attempts: z.number(),
    duration_ms: z.number().nullable(), created_at: z.string(), finished_at: z.string().nullable(),
  });
  type RunRow = { id: string; rule_id: string; diff_id: number; action_index: number; action_type: string; entity_type: string; entity_id: string; status: string; effect: Json | null; effect_diff_id: number | null; error: string | null; attempts: number; duration_ms: number | null; created_at: Date; finished_at: Date | null };
  const runView = (x: RunRow) => ({
    ...x, diff_id: diffPublicId(x.diff_id), effect_diff_id: x.effect_diff_id === null ? null : diffPublicId(x.effect_diff_id),
    duration_ms: x.duration_ms === null ? null : Math.round(x.duration_ms * 100) / 100, created_at: x.created_at.toISOString(), finished_at: x.finished_at?.toISOString() ?? null,
  });

  r.add({
    method: 'GET', url: '/v1/rule-runs', tags: ['rules'], scope: 'read', summary: 'What fired, on which diff, with what effect (newest first)',
    query: z.strictObject({
      rule_id: z.string().max(100).optional(), entity_type: z.string().max(40).optional(), entity_id: z.string().max(100).optional(),
      diff_id: z.string().max(40).optional(), status: z.enum(['queued', 'succeeded', 'failed', 'loop_cut', 'skipped']).optional(),
      limit: z.coerce.number().int().min(1).max(500).default(100), before: z.string().max(100).optional(),
    }),
    response: z.array(runSchema),
    handler: async ({ principal, query }) => d.db.tenantTx(principal.tenantId, async (tx) => {
      let q = tx.selectFrom('rule_runs').select(['id', 'rule_id', 'diff_id', 'action_index', 'action_type', 'entity_type', 'entity_id', 'status', 'effect', 'effect_diff_id', 'error', 'attempts', 'duration_ms', 'created_at', 'finished_at'])
        .orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit);
      if (query.rule_id) q = q.where('rule_id', '=', query.rule_id);
      if (query.entity_type) q = q.where('entity_type', '=', query.entity_type);
      if (query.entity_id) q = q.where('entity_id', '=', query.entity_id);
      if (query.status) q = q.where('status', '=', query.status);
      if (query.diff_id) q = q.where('diff_id', '=', parseDiffId(query.diff_id) ?? -1);
      if (query.before) {
        const pivot = await tx.selectFrom('rule_runs').select(['id']).where('id', '=', query.before).executeTakeFirst();
        if (!pivot) throw errors.badRequest('BAD_CURSOR', 'Unknown `before` run id.', [{ path: 'query.before', message: 'unknown id' }]);
        // Compared in SQL: created_at has microseconds, which a JS Date would round away (skipping rows).
        q = q.where(sql<boolean>`(created_at, id) < (select p.created_at, p.id from rule_runs p where p.id = ${pivot.id})`);
      }
      const rows = await q.execute();
      return { data: rows.map(runView), meta: rows.length === query.limit ? { next_before: rows.at(-1)!.id } : {} };
    }),
  });

  r.add({
    method: 'GET', url: '/v1/rule-runs/:id', tags: ['rules'], scope: 'read', summary: 'One run, with its webhook delivery log', params: idParam,
    response: runSchema.extend({ deliveries: z.array(z.object({ attempt: z.number(), status_code: z.number().nullable(), error: z.string().nullable(), duration_ms: z.number(), next_retry_at: z.string().nullable(), created_at: z.string() })) }),
    handler: async ({ principal, params }) => d.db.tenantTx(principal.tenantId, async (tx) => {
      const run = await tx.selectFrom('rule_runs').select(['id', 'rule_id', 'diff_id', 'action_index', 'action_type', 'entity_type', 'entity_id', 'status', 'effect', 'effect_diff_id', 'error', 'attempts', 'duration_ms', 'created_at', 'finished_at'])
        .where('id', '=', params.id).executeTakeFirst();
      if (!run) throw errors.notFound('Rule run');
      const deliveries = await tx.selectFrom('webhook_deliveries').select(['attempt', 'status_code', 'error', 'duration_ms', 'next_retry_at', 'created_at']).where('run_id', '=', params.id).orderBy('attempt').execute();
      return { data: { ...runView(run), deliveries: deliveries.map((x) => ({ ...x, next_retry_at: x.next_retry_at?.toISOString() ?? null, created_at: x.created_at.toISOString() })) } };
    }),
  });

  const packSchema = z.object({ id: z.string(), name: z.string(), description: z.string(), enabled: z.boolean(), rule_id: z.string().nullable(), rule: z.unknown() });
  r.add({
    method: 'GET', url: '/v1/rule-packs', tags: ['rules'], scope: 'read', summary: 'Built-in rule packs and whether each is on', response: z.array(packSchema),
    handler: async ({ principal }) => d.db.tenantTx(principal.tenantId, async (tx) => {
      const on = await tx.selectFrom('rules').select(['id', 'pack_id', 'enabled']).where('pack_id', 'is not', null).where('deleted_at', 'is', null).execute();
      return { data: RULE_PACKS.map((p) => { const r = on.find((x) => x.pack_id === p.id); return { id: p.id, name: p.name, description: p.description, enabled: !!r?.enabled, rule_id: r?.id ?? null, rule: p.rule }; }) };
    }),
  });
  r.add({
    method: 'POST', url: '/v1/rule-packs/:id/enable', tags: ['rules'], scope: 'admin', summary: 'Switch a pack on (creates its rule, or re-enables it)', params: idParam,
    response: ruleViewSchema,
    handler: async ({ principal, params, requestId }) => ({ data: await d.commands.execute(principal, c.enablePack, { id: params.id }, { requestId }), status: 201 }),
  });
  r.add({
    method: 'POST', url: '/v1/rule-packs/:id/disable', tags: ['rules'], scope: 'admin', summary: 'Switch a pack off (its rule is disabled, history kept)', params: idParam,
    response: z.object({ enabled: z.literal(false) }),
    handler: async ({ principal, params, requestId }) => ({ data: await d.commands.execute<{ enabled: false }>(principal, c.disablePack, { id: params.id }, { requestId }) }),
  });

  // Approvals: the human-in-the-loop queue. Deciding stays a route, not a command: no rule holds
  // the queue's own records (approvals.ts: `holdable: false`, or a hold would wait for itself),
  // and an approver is a person in a session (role, four eyes, 2FA step-up).
  const approvalSchema = z.object({ id: z.string(), status: z.enum(['pending', 'approved', 'rejected']), summary: z.string() }).passthrough();
  r.add({
    method: 'GET', url: '/v1/approvals', tags: ['rules'], scope: 'read', summary: 'Held changes (default: pending first, newest first)',
    query: z.strictObject({ status: z.enum(['pending', 'approved', 'rejected']).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }),
    response: z.array(approvalSchema),
    handler: async ({ principal, query }) => ({ data: await d.approvals.list(principal, query) }),
  });
  r.add({
    method: 'GET', url: '/v1/approvals/:id', tags: ['rules'], scope: 'read', summary: 'One held change with the proposed before/after', params: idParam, response: approvalSchema,
    handler: async ({ principal, params }) => ({ data: await d.approvals.get(principal, params.id) }),
  });
  r.add({
    method: 'POST', url: '/v1/approvals/:id/approve', tags: ['rules'], scope: 'write',
    summary: 'Approve with a why: the change is applied exactly as proposed (needs 2FA step-up when the approver has 2FA)',
    params: idParam, body: z.strictObject({ why, sentiment: sentiment.optional() }), response: z.object({ approval: approvalSchema, result: z.unknown() }),
    handler: async ({ principal, params, body }) => ({ data: await d.approvals.approve(principal, params.id, body) }),
  });
  r.add({
    method: 'POST', url: '/v1/approvals/:id/reject', tags: ['rules'], scope: 'write', summary: 'Reject with a reason (the requester may withdraw their own)',
    params: idParam, body: z.strictObject({ reason: why, sentiment: sentiment.optional() }), response: approvalSchema,
    handler: async ({ principal, params, body }) => ({ data: await d.approvals.reject(principal, params.id, body) }),
  });
  r.add({
    method: 'POST', url: '/v1/approvals/approve', tags: ['rules'], scope: 'write', summary: 'Approve several with one why; each result says applied or why not',
    body: z.strictObject({ ids: z.array(z.string().min(1).max(100)).min(1).max(50), why, sentiment: sentiment.optional() }),
    response: z.array(z.object({ id: z.string(), ok: z.boolean(), error: z.object({ code: z.string(), message: z.string() }).nullable() })),
    handler: async ({ principal, body }) => {
      const out: { id: string; ok: boolean; error: { code: string; message: string } | null }[] = [];
      for (const id of body.ids) {
        try {
          await d.approvals.approve(principal, id, body);
          out.push({ id, ok: true, error: null });
        } catch (err) {
          const e = err as { code?: string; message?: string };
          if (!e.code) throw err;
          out.push({ id, ok: false, error: { code: e.code, message: e.message ?? '' } });
        }
      }
      return { data: out };
    },
  });
}
