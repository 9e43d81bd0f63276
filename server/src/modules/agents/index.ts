// Agents (module agents, namespace agents): personas with an operating manual and tools picked
// from the command registry; staggered heartbeats; a work loop (plan → act → critique, at most
// 5 iterations) that runs as an orchestration run; a memory stack; peer review by a reviewer
// agent; dialogue and handoffs; and the one inbox where people decide everything held for them.
// Everything an agent does is a diff with actor `{type: 'agent', id}`: see docs/agents.md.
import { z } from 'zod';
import { defineModule, type Platform } from '../../platform/module.js';
import type { RouteRegistry } from '../../platform/http/route.js';
import { ruleAction } from '../../platform/rule-actions.js';
import type { Identity } from '../identity/index.js';
import type { Ledger } from '../ledger/index.js';
import type { Orchestration } from '../orchestration/index.js';
import type { Rules } from '../rules/index.js';
import { AGENT_COMMANDS, registerAgentCommands } from './commands.js';
import { AGENT_EVENTS } from './events.js';
import { registerLoopCommands } from './loop.js';
import type { Recall } from './memory.js';
import { forgetMemories, indexMemories, recall } from './recall.js';
import type { Ai } from '../ai/index.js';
import type { Ctx } from '../../platform/context.js';
import { registerAgentRoutes } from './routes.js';
import { wakeDue } from './wake.js';
import { onMentions } from './mentions.js';
import type { Subscription } from '../ledger/index.js';
export type { AgentsTables } from './schema.js';
export { TEMPLATES as AGENT_TEMPLATES } from './templates.js';

export const AGENT_ERRORS = {
  UNKNOWN_TOOL: 'An agent’s tool must be a command of the registry (GET /v1/agents/tools); `details` names each unknown one.',
  TOOL_BEYOND_RIGHTS: 'An agent never has more rights than the person who configures it: you may not give it this tool.',
  AGENT_ARCHIVED: 'The agent is archived.',
  PROPOSAL_DECIDED: 'This proposal was already approved or rejected.',
  PROPOSAL_NOT_READY: 'The proposal is not waiting for a person (its reviewer agent has it, or it is being revised).',
  PROPOSAL_STALE: 'What the proposal is about changed since the agent proposed it; `details.current` is the new state.',
  NOT_CONTRADICTED: 'This memory is not a contradiction waiting for a person.',
  NEEDS_A_BUDGET: 'A budget item is decided by setting a new budget on the agent, not by approving it.',
} as const;

type Needs = { ledger: Ledger; identity: Pick<Identity, 'directory' | 'requireFreshStepUp'>; rules: Pick<Rules, 'approvals'>; orchestration: Orchestration; ai: Pick<Ai, 'embed'> };

/** How often a worker looks for due heartbeats (a wake is due to the second). */
const TICK_MS = 1000;

/** Semantic recall over an agent's facts: embeddings through the gateway's `embed` alias (offline by default). */
function semanticRecall(ai: Pick<Ai, 'embed'>): Recall {
  const vectors = async (ctx: Ctx, texts: string[]) => (await ai.embed(ctx, texts, { feature: 'agent_memory' })).embeddings;
  return {
    async index(ctx, items) {
      const embeddings = await vectors(ctx, items.map((i) => i.text));
      await indexMemories(ctx, items.map((i, n) => ({ ...i, embedding: embeddings[n]! })));
    },
    forget: (ctx, ids) => forgetMemories(ctx, ids),
    async search(ctx, agentId, query, k) {
      const [q] = await vectors(ctx, [query.slice(0, 4000)]);
      return q ? recall(ctx, agentId, q, k) : [];
    },
  };
}

export function createAgents(p: Platform, { ledger, identity, rules, orchestration, ai }: Needs) {
  const now = p.now;
  const base = { db: p.db, ledger, commands: p.commands, identity, orchestration, now, log: p.log, recall: semanticRecall(ai) };
  registerLoopCommands(p.commands, base);
  registerAgentCommands(p.commands, base);
  let tick: NodeJS.Timeout | null = null;
  let mentions: Subscription | null = null;
  let sweeping: Promise<unknown> | null = null;

  const wakeAgentAction = ruleAction({
    type: 'wake_agent', summary: 'Wake an agent with a request (rendered from the change): it works on it at once',
    schema: z.strictObject({ agent: z.string().min(1).max(100), text: z.string().min(1).max(2000) }),
    check: async (ctx, a, at) => {
      const found = await ctx.tx.selectFrom('agents').select('id').where('id', '=', a.agent).where('archived_at', 'is', null).executeTakeFirst();
      return found ? [] : [{ path: `${at}.agent`, message: `no agent "${a.agent}"` }];
    },
    run: async (ctx, a, t) => {
      const out = await p.commands.run<{ wake_id: string }>(ctx, AGENT_COMMANDS.request, { agent_id: a.agent, text: t.render(a.text) });
      return { effect: { agent_id: a.agent, wake_id: out.wake_id }, diffId: null };
    },
    describe: (_ctx, a, t) => ({ agent: a.agent, text: t.render(a.text) }),
  });

  /** Wakes the due agents now (the worker's tick; tests and the bench call it with their clock). */
  const sweep = (at: Date = now()) => wakeDue(base, at);

  return {
    sweep,
    ruleActions: [wakeAgentAction],
    registerRoutes(r: RouteRegistry): void {
      registerAgentRoutes(r, { ...base, rules });
    },
    async start(role: 'serve' | 'worker' | 'all'): Promise<void> {
      if (role === 'serve') return;
      // Only diffs with a why can mention anyone; the subscription reads whys in its own batch.
      mentions = ledger.subscribe('agents-mentions', onMentions(ledger, now), { batchSize: 500, pollMs: 500, minIntervalMs: 100 });
      await mentions.start();
      tick = setInterval(() => {
        if (sweeping) return;
        sweeping = sweep().catch((err: unknown) => p.log.warn({ err }, 'agent heartbeats not swept')).finally(() => { sweeping = null; });
      }, TICK_MS);
      tick.unref();
    },
    async stop(): Promise<void> {
      if (tick) clearInterval(tick);
      await mentions?.stop();
      await sweeping;
    },
  };
}

export type Agents = ReturnType<typeof createAgents>;

export const agentsModule = defineModule({
  id: 'agents', namespace: 'agents', deps: ['ledger', 'identity', 'rules', 'orchestration', 'ai'],
  tables: ['agents', 'agent_versions', 'agent_memories', 'agent_log', 'agent_proposals', 'agent_messages', 'agent_wakes', 'agent_recall'],
  errors: AGENT_ERRORS, events: AGENT_EVENTS,
  create: (p, needs: Needs) => createAgents(p, needs),
});
