// Reflex Arc (module rules, namespace rules): SENSE every committed diff (evaluator over a
// durable commit-order cursor), REACT through durable jobs (runner) or before commit
// (guards, approvals), REMEMBER every run and effect (rule_runs + diffs with causation).
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Db } from '../../platform/db/index.js';
import type { RouteRegistry } from '../../platform/http/route.js';
import type { Jobs } from '../../platform/jobs.js';
import type { RealtimeHub } from '../../platform/realtime.js';
import type { SecretBox } from '../../platform/secrets.js';
import type { Identity } from '../identity/index.js';
import type { Ledger } from '../ledger/index.js';
import type { Notifications } from '../notifications/index.js';
import type { CommandRegistry } from '../../platform/commands.js';
import type { RuleActionRegistry } from '../../platform/rule-actions.js';
import { ownActions } from './own-actions.js';
import { createApprovals } from './approvals.js';
import { createEvaluator } from './evaluator.js';
import { precommitHook } from './precommit.js';
import { registerRuleRoutes } from './routes.js';
import { registerRuleCommands } from './commands.js';
import type { RuleCache } from './ruleset.js';
import { ACT_QUEUE, createRunner, type ActJob } from './runner.js';
import { sweep, SWEEP_QUEUE } from './sweep.js';
import { RULE_PACKS } from './packs.js';
import { createRule } from './store.js';
import type { Ctx } from '../../platform/context.js';
import { errors } from '../../platform/errors.js';
import { retryWhileUnavailable } from '../../platform/db/unavailable.js';
import { defineModule } from '../../platform/module.js';
import { TenantCache } from '../../platform/tenant-cache.js';
import { RULES_EVENTS } from './events.js';
import { RULES_CONFIG, type RulesConfig } from './config.js';
export type { RulesConfig } from './config.js';
// Its tables (schema.ts adds them to the one Database type): exported so any program that uses the module sees them.
export type { RulesTables } from './schema.js';

export { RULE_PACKS } from './packs.js';
export { OPERATORS, compileCondition, type Condition } from '../../platform/conditions.js';

export const RULES_CHANNEL = 'atrium_rules';

export type RulesDeps = {
  db: Db; jobs: Jobs; hub: RealtimeHub; ledger: Ledger; log: Logger; commands: CommandRegistry; notifications: Notifications;
  /** Every module's rule actions (this module's own among them): what rules validate against and run. */
  ruleActions: RuleActionRegistry;
  identity: Pick<Identity, 'directory' | 'isMember' | 'requireFreshStepUp' | 'secrets'>;
  config: RulesConfig & { jobs: boolean };
  now?: () => Date;
};

export function createRules(d: RulesDeps) {
  const now = d.now ?? (() => new Date());
  // Forgotten on a tenant's `atrium_rules` notice, entirely after a resync (0010).
  const cache: RuleCache = new TenantCache({ notices: { hub: d.hub, channel: RULES_CHANNEL } });
  const urlPolicy = { allowPrivate: d.config.webhookAllowPrivate };
  const secrets = (): SecretBox => d.identity.secrets();
  // What each action does is its module's (work, notifications, this one's own): rules import none of them.
  const actions = d.ruleActions;
  const effects = { ledger: d.ledger, actions, now };
  const store = { ledger: d.ledger, actions, identity: d.identity, secrets, rulesChanged: (ctx: Ctx) => cache.invalidate(ctx) };
  registerRuleCommands(d.commands, store);

  d.ledger.beforeRecord(precommitHook({ cache, ledger: d.ledger }));
  const runner = createRunner({ ...effects, db: d.db, jobs: d.jobs, log: d.log, secrets, urlPolicy, webhookBaseDelaySeconds: d.config.webhookRetryBaseSeconds });
  const evaluator = createEvaluator({ jobs: d.jobs, ledger: d.ledger, cache, log: d.log, maxChainDepth: d.config.maxChainDepth });
  const approvals = createApprovals({ db: d.db, ledger: d.ledger, notifications: d.notifications, identity: d.identity, commands: d.commands });
  // Holds raised outside HTTP (a flow's command step) become approvals the same way.
  d.commands.useHoldHandler((held, req) => approvals.hold(held, req));

  // A database restart mid-action: the action runs again as soon as the database is back (it is
  // idempotent by its run row), instead of waiting for its job to expire and spending a retry.
  // Fetched 100 at a time: a batch's notify actions of one tenant commit in one transaction (runner.actMany).
  d.jobs.defineBatch<ActJob>(ACT_QUEUE, { retryLimit: 3, retryDelaySeconds: 1, expireInSeconds: d.config.ruleActionTimeoutSeconds, batchSize: 100 }, (jobs) => {
    const deadline = Date.now() + d.config.ruleActionTimeoutSeconds * 1000 - 500;
    return runner.actMany(jobs, (fn) => retryWhileUnavailable(fn, { deadline }));
  });
  d.jobs.define<object>(SWEEP_QUEUE, { retryLimit: 0, policy: 'short' }, () => sweep({ db: d.db, jobs: d.jobs, ledger: d.ledger }, now()).then(() => undefined));

  return {
    approvals,
    /** Evaluates every diff committed before the call, waiting for the horizon up to `timeoutMs` (tests, bench). */
    drain: (timeoutMs?: number) => evaluator.drain(timeoutMs),
    /** Runs the scheduled-rule sweep now at the given time (the cron job does it every minute). */
    sweepNow: (at: Date = now()) => sweep({ db: d.db, jobs: d.jobs, ledger: d.ledger }, at),
    pendingApprovals: approvals.pendingCount,
    /** How far the evaluator is behind the ledger, in diff ids (a metric; cheap, approximate). */
    backlog: (): Promise<number> => evaluator.backlog(),
    /** Switches a built-in pack on in the caller's tenant (the demo seed; the API has its own route). */
    async enablePack(ctx: Ctx, packId: string) {
      const pack = RULE_PACKS.find((p) => p.id === packId);
      if (!pack) throw errors.notFound('Rule pack');
      const made = await createRule(ctx, store, { ...pack.rule, pack_id: pack.id });
      cache.invalidate(ctx);
      return made.rule;
    },

    async start(role: 'serve' | 'worker' | 'all'): Promise<void> {
      await cache.follow();
      if (role !== 'serve' && d.config.jobs) {
        await d.jobs.schedule(SWEEP_QUEUE, '* * * * *');
        await evaluator.start();
      }
    },
    async stop(): Promise<void> {
      await evaluator.stop();
    },
    /** webhook, guard and require_approval: the actions this module runs itself. */
    ruleActions: ownActions(urlPolicy),
    registerRoutes(r: RouteRegistry): void {
      r.onHeld((held, req) => approvals.hold(held, req));
      registerRuleRoutes(r, { ...store, db: d.db, effects, approvals, commands: d.commands });
    },
  };
}

export type Rules = ReturnType<typeof createRules>;

export const RULES_ERRORS = {
  APPROVAL_DECIDED: 'The held change was already approved or rejected.',
  APPROVAL_STALE: 'The entity changed since the change was held: approving would not do what was asked.',
  APPROVAL_FAILED: 'The approved change could not be applied; details carry the reason.',
  REQUESTER_GONE: 'The person who asked for the held change is no longer a member.',
} as const;

export const rulesModule = defineModule({
  id: 'rules', namespace: 'rules', deps: ['ledger', 'identity', 'notifications'],
  tables: ['rules', 'rule_runs', 'webhook_deliveries', 'approvals'],
  errors: RULES_ERRORS, events: RULES_EVENTS, config: RULES_CONFIG,
  create: (p, n: { ledger: Ledger; identity: RulesDeps['identity']; notifications: Notifications }) =>
    createRules({ db: p.db, jobs: p.jobs, hub: p.hub, log: p.log, config: p.config, now: p.now, commands: p.commands, ruleActions: p.ruleActions, ledger: n.ledger, identity: n.identity, notifications: n.notifications }),
});
