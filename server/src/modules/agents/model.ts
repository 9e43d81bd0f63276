// An agent as the API shows it, its tools and budget, and the staggered heartbeat schedule.
import { z } from 'zod';
import type { Json } from '../../platform/schema.js';
import type { AgentsTables, ToolMode } from './schema.js';

export type AgentRow = import('kysely').Selectable<AgentsTables['agents']>;
export type Tool = { command: string; mode: ToolMode; review?: boolean };

export const toolSchema = z.strictObject({
  command: z.string().regex(/^[a-z_]+\.[a-z_]+$/, '<module>.<command>'),
  mode: z.enum(['direct', 'approval']),
  /** Whether its proposals go to the reviewer agent first (default: yes when the agent has one). */
  review: z.boolean().optional(),
});

/** Commands an agent can never be given: its own loop, and what only people decide. */
export const NOT_TOOLS = /^(agents\.loop_|identity\.(change_member_role|create_api_key|revoke_api_key|update_tenant|remove_member)|ai\.(update_settings|set_budget)|rules\.|orchestration\.update_settings)/;

export const monthOf = (d: Date) => d.toISOString().slice(0, 7);
export const dayOf = (d: Date) => d.toISOString().slice(0, 10);

/** Rough token count (4 characters a token): what a prompt's memory budget is counted in. */
export const tokensOf = (s: string) => Math.ceil(s.length / 4);

/**
 * The next heartbeat strictly after `now`: every `every` minutes, shifted by `offset` minutes
 * from the hour grid, so agents of a workspace wake staggered instead of all at once.
 */
export function nextWake(now: Date, everyMinutes: number, offsetMinutes: number): Date {
  const period = everyMinutes * 60_000;
  const shift = (offsetMinutes % everyMinutes) * 60_000;
  const t = now.getTime();
  const k = Math.floor((t - shift) / period) + 1;
  return new Date(k * period + shift);
}

export type Budget = { monthly_tokens: number | null; monthly_cost_usd: number | null; used_tokens: number; used_cost_usd: number; percent: number | null; month: string };

export function budgetOf(a: AgentRow, now: Date): Budget {
  const month = monthOf(now);
  const current = a.used_month === month;
  const usedTokens = current ? Number(a.used_tokens) : 0;
  const usedCost = current ? Number(a.used_cost_usd) : 0;
  const tokens = a.monthly_tokens === null ? null : Number(a.monthly_tokens);
  const cost = a.monthly_cost_usd === null ? null : Number(a.monthly_cost_usd);
  const ratios = [tokens === null ? null : tokens === 0 ? 1 : usedTokens / tokens, cost === null ? null : cost === 0 ? 1 : usedCost / cost].filter((r): r is number => r !== null);
  return { monthly_tokens: tokens, monthly_cost_usd: cost, used_tokens: usedTokens, used_cost_usd: usedCost, percent: ratios.length ? Math.round(Math.max(...ratios) * 100) : null, month };
}

/** A budget of 0, or one used up, stops the agent (hard stop: no model call). */
export const overBudget = (b: Budget) => b.percent !== null && b.percent >= 100;

export function agentView(a: AgentRow, now: Date, extra: { proposals_waiting?: number } = {}) {
  return {
    id: a.id, template: a.template, name: a.name, colour: a.colour, avatar: a.avatar, department: a.department,
    persona: a.persona, manual: a.manual, version: a.version, model_alias: a.model_alias, tools: a.tools as Tool[],
    reviewer_id: a.reviewer_id, budget: budgetOf(a, now), status: a.status, enabled: a.enabled,
    heartbeat: {
      every_minutes: a.every_minutes, offset_minutes: a.offset_minutes,
      next_wake_at: a.next_wake_at?.toISOString() ?? null, last_wake_at: a.last_wake_at?.toISOString() ?? null,
      last_outcome: (a.last_outcome ?? null) as Json,
    },
    configured_by: a.configured_by, archived: a.archived_at !== null, proposals_waiting: extra.proposals_waiting ?? 0,
    created_at: a.created_at.toISOString(), updated_at: a.updated_at.toISOString(),
  };
}
export type AgentView = ReturnType<typeof agentView>;

/** What the ledger records of an agent (settings, not the persona/manual text: their versions hold it). */
export const agentFacts = (a: AgentRow): Json => ({ name: a.name, status: a.status, version: a.version, model_alias: a.model_alias, enabled: a.enabled, tools: a.tools, reviewer_id: a.reviewer_id, every_minutes: a.every_minutes, monthly_tokens: a.monthly_tokens === null ? null : Number(a.monthly_tokens), monthly_cost_usd: a.monthly_cost_usd === null ? null : Number(a.monthly_cost_usd) });
