// The Reflex Arc's commands: what routes (and later agents and flows) do to rules and packs. A
// change to the rules is a diff a require_approval rule may hold ("new rules need a second
// pair of eyes"), so each runs as a command: held as one, approved by running it again. Each
// returns what its route answers.
import { z } from 'zod';
import type { CommandRegistry } from '../../platform/commands.js';
import type { Ctx } from '../../platform/context.js';
import { errors } from '../../platform/errors.js';
import { ruleSchemas } from './model.js';
import { RULE_PACKS } from './packs.js';
import { createRule, deleteRule, unmatchedWarnings, updateRule, type StoreDeps } from './store.js';

/** `rulesChanged(ctx)`: every process forgets the tenant's rules once ctx commits. */
export type RuleCommandDeps = StoreDeps & { rulesChanged: (ctx: Ctx) => void };

const id = z.string().min(1).max(100);
const why = z.string().trim().min(1).max(5000).optional();

export const RULE_COMMANDS = {
  createRule: 'rules.create_rule', updateRule: 'rules.update_rule', enableRule: 'rules.enable_rule', disableRule: 'rules.disable_rule',
  deleteRule: 'rules.delete_rule', enablePack: 'rules.enable_pack', disablePack: 'rules.disable_pack',
} as const;

export function registerRuleCommands(commands: CommandRegistry, d: RuleCommandDeps): void {
  const c = RULE_COMMANDS;
  // Built from every module's rule actions (read lazily: the registry closes once all modules exist).
  const { ruleInput, rulePatch } = ruleSchemas(d.actions);
  commands.register({
    name: c.createRule, scope: 'admin', summary: 'Create a rule (trigger, actions); warnings say when its filters matched nothing yet, secrets shows generated webhook secrets once',
    input: ruleInput,
    // A webhook action's signing secret, when the caller gives one.
    secrets: ['actions.*.secret'],
    run: async (ctx, input) => {
      d.rulesChanged(ctx);
      const made = await createRule(ctx, d, input);
      return { rule: made.rule, warnings: await unmatchedWarnings(ctx.tx, d.ledger, input.trigger), secrets: made.secrets };
    },
  });
  commands.register({
    name: c.updateRule, scope: 'admin', summary: 'Change a rule (name, trigger, actions, enabled); `version` guards concurrent edits',
    input: rulePatch.extend({ id, why }),
    secrets: ['actions.*.secret'],
    run: async (ctx, { id: ruleId, ...patch }) => {
      d.rulesChanged(ctx);
      const made = await updateRule(ctx, d, ruleId, patch);
      return { rule: made.rule, warnings: patch.trigger ? await unmatchedWarnings(ctx.tx, d.ledger, patch.trigger) : [], secrets: made.secrets };
    },
  });
  for (const [name, enabled] of [[c.enableRule, true], [c.disableRule, false]] as const) {
    commands.register({
      name, scope: 'admin', summary: enabled ? 'Switch a rule on' : 'Switch a rule off',
      input: z.strictObject({ id, why }),
      run: async (ctx, input) => {
        d.rulesChanged(ctx);
        const made = await updateRule(ctx, d, input.id, { enabled, why: input.why });
        return { rule: made.rule, warnings: [] as string[], secrets: {} };
      },
    });
  }
  commands.register({
    name: c.deleteRule, scope: 'admin', summary: 'Delete a rule (its runs and diffs stay)',
    input: z.strictObject({ id, why }),
    run: async (ctx, input) => {
      d.rulesChanged(ctx);
      await deleteRule(ctx, d, input.id, input.why);
      return { deleted: true as const };
    },
  });
  commands.register({
    name: c.enablePack, scope: 'admin', summary: 'Switch a built-in rule pack on (creates its rule, or re-enables it)',
    input: z.strictObject({ id }),
    run: async (ctx, input) => {
      const pack = RULE_PACKS.find((p) => p.id === input.id);
      if (!pack) throw errors.notFound('Rule pack');
      d.rulesChanged(ctx);
      const existing = await ctx.tx.selectFrom('rules').select('id').where('pack_id', '=', pack.id).where('deleted_at', 'is', null).executeTakeFirst();
      if (existing) return (await updateRule(ctx, d, existing.id, { enabled: true })).rule;
      return (await createRule(ctx, d, { ...pack.rule, pack_id: pack.id })).rule;
    },
  });
  commands.register({
    name: c.disablePack, scope: 'admin', summary: 'Switch a built-in rule pack off (its rule is disabled, history kept)',
    input: z.strictObject({ id }),
    run: async (ctx, input) => {
      if (!RULE_PACKS.some((p) => p.id === input.id)) throw errors.notFound('Rule pack');
      d.rulesChanged(ctx);
      const existing = await ctx.tx.selectFrom('rules').select(['id', 'enabled']).where('pack_id', '=', input.id).where('deleted_at', 'is', null).executeTakeFirst();
      if (existing?.enabled) await updateRule(ctx, d, existing.id, { enabled: false });
      return { enabled: false as const };
    },
  });
}
