// Rule commands: create, update, enable/disable, delete — each a diff in namespace `rules`.
// Webhook secrets are sealed before they are stored and never leave in a response.
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Ctx } from '../../platform/context.js';
import type { Tx } from '../../platform/db/index.js';
import { errors, type ErrorDetail } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { Json, JsonObject } from '../../platform/schema.js';
import type { SecretBox } from '../../platform/secrets.js';
import type { RuleActionRegistry } from '../../platform/rule-actions.js';
import type { Identity } from '../identity/index.js';
import type { Ledger } from '../ledger/index.js';
import { targetList } from './actions.js';
import { conditionProblems } from '../../platform/conditions.js';
import type { WebhookAction } from './own-actions.js';
import { kindOf, LIMITS, normaliseTrigger, PRECOMMIT_ACTIONS, publicAction, triggerBytes, type Action, type RuleInput, type RuleView, type StoredAction, type Trigger } from './model.js';
import { NOT_ACTIVE_YET_SQL } from './ruleset.js';

export type StoreDeps = {
  ledger: Ledger; actions: RuleActionRegistry; identity: Pick<Identity, 'isMember'>; secrets: () => SecretBox;
};

type RuleRecord = {
  id: string; name: string; description: string; enabled: boolean; kind: RuleView['kind']; trigger: JsonObject; actions: Json[];
  pack_id: string | null; created_by: string; created_at: Date; updated_at: Date; version: number;
};

/** The columns a rule is read with. */
const RECORD_COLUMNS = ['id', 'name', 'description', 'enabled', 'kind', 'trigger', 'actions', 'pack_id', 'created_by', 'created_at', 'updated_at', 'version'] as const;

export function ruleView(r: RuleRecord): RuleView {
  return {
    id: r.id, name: r.name, description: r.description, enabled: r.enabled, kind: r.kind, trigger: r.trigger,
    actions: (r.actions as StoredAction[]).map(publicAction), pack_id: r.pack_id, created_by: r.created_by,
    created_at: r.created_at.toISOString(), updated_at: r.updated_at.toISOString(), version: r.version,
  };
}

/** What a diff of a rule shows: its definition without any secret. */
const auditState = (r: RuleRecord): JsonObject => ({ name: r.name, enabled: r.enabled, kind: r.kind, trigger: r.trigger, actions: (r.actions as StoredAction[]).map(publicAction) });

/** Validation beyond the schema: condition semantics, sizes, action mixes, each action's own checks, people named. */
export async function checkRule(ctx: Ctx, d: StoreDeps, input: { trigger: Trigger; actions: readonly Action[] }): Promise<void> {
  const problems: ErrorDetail[] = [];
  if (triggerBytes(input.trigger) > LIMITS.triggerBytes) problems.push({ path: 'body.trigger', message: `larger than ${LIMITS.triggerBytes} bytes` });
  const trigger = normaliseTrigger(input.trigger);
  if (trigger.when) problems.push(...conditionProblems(trigger.when, ['body', 'trigger', 'when']));
  const pre = input.actions.filter((a) => PRECOMMIT_ACTIONS.has(a.type));
  if (pre.length > 0 && input.actions.length > 1) problems.push({ path: 'body.actions', message: 'guard and require_approval act before commit: a rule has exactly one of them and no other action' });
  if (pre.length > 0 && trigger.stale_for_hours) problems.push({ path: 'body.trigger.stale_for_hours', message: 'a scheduled rule cannot guard or hold a change' });
  if (trigger.stale_for_hours && !trigger.entity_type) problems.push({ path: 'body.trigger.entity_type', message: 'a scheduled rule names the entity type it watches' });
  // The owning module's checks (references must exist in this tenant: another tenant's id is simply not found).
  for (const [i, a] of input.actions.entries()) problems.push(...(await d.actions.get(a.type).check?.(ctx, a, `body.actions.${i}`) ?? []));
  problems.push(...(await strangers(ctx.tx, d, input.actions)));
  if (problems.length > 0) throw errors.validation(problems);
}

/** `user:<id>` targets that are not members of this workspace (another tenant's people among them). */
async function strangers(tx: Tx, d: StoreDeps, actions: readonly Action[]): Promise<ErrorDetail[]> {
  const named: { path: string; userId: string }[] = [];
  actions.forEach((a, i) => {
    for (const field of d.actions.get(a.type).targets ?? []) {
      const at = `body.actions.${i}.${field}`;
      targetList(a[field]).forEach((t, j) => void (t.startsWith('user:') && named.push({ path: Array.isArray(a[field]) ? `${at}.${j}` : at, userId: t.slice(5) })));
    }
  });
  const out: ErrorDetail[] = [];
  for (const n of named) if (!(await d.identity.isMember(tx, n.userId))) out.push({ path: n.path, message: 'not a member of this workspace', user_id: n.userId });
  return out;
}

/** Seals webhook secrets (generating one when absent); returns the actions to store and secrets to show once. */
function sealActions(d: StoreDeps, actions: readonly Action[], previous: readonly StoredAction[] = []): { stored: StoredAction[]; shown: Record<number, string> } {
  const shown: Record<number, string> = {};
  const stored = actions.map((a, i): StoredAction => {
    if (a.type !== 'webhook') return a;
    const { secret, ...rest } = a as WebhookAction;
    const prev = previous[i];
    if (!secret && prev?.type === 'webhook' && prev.secret_sealed) return { ...rest, secret_sealed: prev.secret_sealed };
    const plain = secret ?? `whsec_${randomBytes(24).toString('base64url')}`;
    if (!secret) shown[i] = plain;
    return { ...rest, secret_sealed: d.secrets().seal(plain) };
  });
  return { stored, shown };
}

/** Warnings for filters nothing in this tenant has produced yet (allowed: rules may come first). */
export async function unmatchedWarnings(tx: Tx, ledger: Pick<Ledger, 'anyDiff'>, trigger: Trigger): Promise<string[]> {
  const t = normaliseTrigger(trigger);
  const warnings: string[] = [];
  if ((t.namespace || t.entity_type || t.event) && !(await ledger.anyDiff(tx, { namespace: t.namespace, entity_type: t.entity_type, event: t.event }))) {
    const what = [t.namespace && `namespace "${t.namespace}"`, t.entity_type && `entity type "${t.entity_type}"`, t.event && `event "${t.event}"`].filter(Boolean).join(', ');
    warnings.push(`Nothing with ${what} has been recorded in this workspace yet, so this rule has not matched anything so far.`);
  }
  return warnings;
}

export type RuleStats = { runs_7d: number; failed_7d: number; last_run_at: string | null };

/** Live rules, newest first, with their recent activity: two queries whatever their number. */
export async function listRules(tx: Tx, f: { enabled?: boolean; kind?: RuleView['kind'] }): Promise<(RuleView & { stats: RuleStats })[]> {
  let q = tx.selectFrom('rules').select([...RECORD_COLUMNS]).where('deleted_at', 'is', null).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1000);
  if (f.enabled !== undefined) q = q.where('enabled', '=', f.enabled);
  if (f.kind) q = q.where('kind', '=', f.kind);
  const rows = await q.execute();
  const stats = await ruleStats(tx, rows.map((r) => r.id));
  return rows.map((r) => ({ ...ruleView(r), stats: stats.get(r.id) ?? { runs_7d: 0, failed_7d: 0, last_run_at: null } }));
}

/** Runs in the last 7 days, failed ones among them, and the latest run, per rule. */
export async function ruleStats(tx: Tx, ruleIds: readonly string[]): Promise<Map<string, RuleStats>> {
  if (ruleIds.length === 0) return new Map();
  const rows = await tx.selectFrom('rule_runs').where('rule_id', 'in', ruleIds).groupBy('rule_id')
    .select(['rule_id', sql<number>`count(*) filter (where created_at > now() - interval '7 days')::int`.as('runs'),
      sql<number>`count(*) filter (where created_at > now() - interval '7 days' and status = 'failed')::int`.as('failed'),
      sql<Date | null>`max(created_at)`.as('last')]).execute();
  return new Map(rows.map((s) => [s.rule_id, { runs_7d: s.runs, failed_7d: s.failed, last_run_at: s.last ? new Date(s.last).toISOString() : null }]));
}

export async function loadRule(tx: Tx, id: string, lock = false): Promise<RuleRecord> {
  let q = tx.selectFrom('rules').select([...RECORD_COLUMNS]).where('id', '=', id).where('deleted_at', 'is', null);
  if (lock) q = q.forUpdate();
  const r = await q.executeTakeFirst();
  if (!r) throw errors.notFound('Rule');
  return r;
}

export async function createRule(ctx: Ctx, d: StoreDeps, input: RuleInput & { pack_id?: string }): Promise<{ rule: RuleView; secrets: Record<number, string> }> {
  await checkRule(ctx, d, input);
  const { stored, shown } = sealActions(d, input.actions);
  const row = await ctx.tx.insertInto('rules').values({
    id: newId('rule'), tenant_id: ctx.tenantId, name: input.name, description: input.description ?? '', enabled: input.enabled ?? true,
    kind: kindOf(input), trigger: input.trigger as JsonObject, actions: JSON.stringify(stored), pack_id: input.pack_id ?? null, created_by: ctx.actor.id,
    active_after_diff: sql<number>`${sql.raw(NOT_ACTIVE_YET_SQL)}`,
  }).returning([...RECORD_COLUMNS]).executeTakeFirstOrThrow();
  const created = await d.ledger.record(ctx, { namespace: 'rules', entityType: 'rule', entityId: row.id, event: 'rule.created', after: auditState(row), metadata: input.pack_id ? { pack_id: input.pack_id } : {} });
  await activeFrom(ctx, row.id, created.id);
  return { rule: ruleView(row), secrets: shown };
}

export type RulePatch = Partial<RuleInput> & { version?: number; why?: string };

export async function updateRule(ctx: Ctx, d: StoreDeps, id: string, patch: RulePatch): Promise<{ rule: RuleView; secrets: Record<number, string> }> {
  const before = await loadRule(ctx.tx, id, true);
  if (patch.version !== undefined && patch.version !== before.version) {
    throw errors.conflict('VERSION_CONFLICT', `The rule is at version ${before.version}, not ${patch.version}.`, [{ path: 'version', message: 'stale', current: before.version }]);
  }
  const trigger = patch.trigger ?? (before.trigger as Trigger);
  const actions = patch.actions ?? (before.actions as StoredAction[]);
  let shown: Record<number, string> = {};
  let stored = before.actions as StoredAction[];
  if (patch.trigger || patch.actions) await checkRule(ctx, d, { trigger, actions });
  if (patch.actions) ({ stored, shown } = sealActions(d, patch.actions, before.actions as StoredAction[]));
  // Switched on, or now watching/doing something else: it applies from this change on (activeFrom below).
  const reactivated = (patch.enabled === true && !before.enabled) || Boolean(patch.trigger || patch.actions);
  const after = await ctx.tx.updateTable('rules').set({
    ...(reactivated && { active_after_diff: sql<number>`${sql.raw(NOT_ACTIVE_YET_SQL)}` }),
    name: patch.name ?? before.name, description: patch.description ?? before.description, enabled: patch.enabled ?? before.enabled,
    trigger: trigger as JsonObject, actions: JSON.stringify(stored), kind: kindOf({ trigger, actions }),
    version: sql`version + 1`, updated_at: sql`clock_timestamp()`,
  }).where('id', '=', id)
    .returning([...RECORD_COLUMNS]).executeTakeFirstOrThrow();
  const event = patch.enabled !== undefined && patch.enabled !== before.enabled && Object.keys(patch).every((k) => ['enabled', 'version', 'why'].includes(k))
    ? (patch.enabled ? 'rule.enabled' : 'rule.disabled') : 'rule.updated';
  const b = auditState(before);
  const a = auditState(after);
  const changedKeys = Object.keys(a).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
  const recorded = await d.ledger.record(ctx, {
    namespace: 'rules', entityType: 'rule', entityId: id, event,
    before: Object.fromEntries(changedKeys.map((k) => [k, b[k]!])), after: Object.fromEntries(changedKeys.map((k) => [k, a[k]!])), why: patch.why,
  });
  if (reactivated) await activeFrom(ctx, id, recorded.id);
  return { rule: ruleView(after), secrets: shown };
}

/** The rule applies only to diffs recorded after `diffId` (see migration 0012). */
async function activeFrom(ctx: Ctx, id: string, diffId: number): Promise<void> {
  await ctx.tx.updateTable('rules').set({ active_after_diff: diffId }).where('id', '=', id).execute();
}

export async function deleteRule(ctx: Ctx, d: StoreDeps, id: string, why?: string): Promise<void> {
  const before = await loadRule(ctx.tx, id, true);
  await ctx.tx.updateTable('rules').set({ deleted_at: sql`now()`, enabled: false, updated_at: sql`clock_timestamp()`, version: sql`version + 1` }).where('id', '=', id).execute();
  await d.ledger.record(ctx, { namespace: 'rules', entityType: 'rule', entityId: id, event: 'rule.deleted', before: auditState(before), after: null, why });
}
