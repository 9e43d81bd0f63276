// The AI gateway's commands: the workspace's changes to how it uses models — settings
// (providers and their keys, alias chains, prices), the monthly budget, prompt templates. Any
// of them is a diff a require_approval rule may hold ("a new provider key needs the CFO"), so
// each runs as a command: held as one, approved by running it again. Completions and
// embeddings stay routes: what they record is a fact already paid for (`observed`, metering.ts).
import { z } from 'zod';
import type { CommandRegistry } from '../../platform/commands.js';
import type { Ctx } from '../../platform/context.js';
import type { SecretBox } from '../../platform/secrets.js';
import type { Ledger } from '../ledger/index.js';
import { putBudget } from './budget.js';
import { addVersion, createPrompt, getPrompt, pinVersion } from './prompts.js';
import { budgetBody, settingsBody, templateBody, why } from './schemas.js';
import { settingsView, updateSettings } from './settings.js';

export const AI_COMMANDS = {
  setBudget: 'ai.set_budget', updateSettings: 'ai.update_settings',
  createPrompt: 'ai.create_prompt', addPromptVersion: 'ai.add_prompt_version', pinPromptVersion: 'ai.pin_prompt_version',
} as const;

const id = z.string().min(1).max(100);
/** The bodies of the prompt routes (they validate with these too). */
export const newPromptInput = z.strictObject({ name: z.string().trim().min(1).max(200), description: z.string().max(5000).optional(), ...templateBody, ...why });
export const promptVersionInput = z.strictObject({ ...templateBody, ...why });
export const pinInput = z.strictObject({ version: z.number().int().min(1).nullable(), ...why });

export type AiCommandDeps = {
  ledger: Ledger; secrets: () => SecretBox; now: () => Date;
  /** The workspace's settings or budget change in ctx: every process forgets its view once it commits. */
  changed: (ctx: Ctx) => void;
};

export function registerAiCommands(commands: CommandRegistry, d: AiCommandDeps): void {
  const c = AI_COMMANDS;
  // Where prompts are sent and how much may be spent: a person with 2FA confirms it is them.
  commands.register({
    name: c.setBudget, scope: 'admin', stepUp: true, summary: 'Set the monthly AI budget (tokens and/or USD; null removes a limit) and whether offline stays available beyond it',
    input: budgetBody,
    run: (ctx, input) => {
      d.changed(ctx);
      return putBudget(ctx, d.ledger, input, d.now());
    },
  });
  commands.register({
    name: c.updateSettings, scope: 'admin', stepUp: true, summary: 'Change AI providers (keys sealed at rest), alias chains, prices, cache TTL, prompt storage',
    input: settingsBody,
    secrets: ['providers.*.api_key'],
    run: async (ctx, input) => {
      d.changed(ctx);
      return settingsView(await updateSettings(ctx, d.ledger, d.secrets(), input));
    },
  });
  commands.register({
    name: c.createPrompt, scope: 'write', summary: 'Create a prompt template (version 1); {{variables}} are found in it',
    input: newPromptInput,
    run: async (ctx, input) => getPrompt(ctx.tx, await createPrompt(ctx, d.ledger, input)),
  });
  commands.register({
    name: c.addPromptVersion, scope: 'write', summary: 'Add a version to a prompt template (the latest; calls use it unless a version is pinned)',
    input: promptVersionInput.extend({ id }),
    run: (ctx, { id: promptId, ...input }) => addVersion(ctx, d.ledger, promptId, input),
  });
  commands.register({
    name: c.pinPromptVersion, scope: 'write', summary: 'Pin a version of a prompt template (null follows the latest again)',
    input: pinInput.extend({ id }),
    run: async (ctx, input) => {
      await pinVersion(ctx, d.ledger, input.id, input.version, input.why);
      return getPrompt(ctx.tx, input.id);
    },
  });
}
