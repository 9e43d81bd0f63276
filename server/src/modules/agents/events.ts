// The events of agents (namespace agents): agents and their versions, wakes, memory, the daily
// log, proposals and their reviews, and dialogue. Everything an agent does elsewhere is that
// module's own diff with actor `{type: 'agent', id}`.
import { z } from 'zod';
import { fields, type EventCatalogue } from '../../platform/events.js';

const agent = fields({ name: z.string(), status: z.string(), version: z.number(), model_alias: z.string(), enabled: z.boolean() });
const memory = fields({ agent_id: z.string(), tier: z.string(), key: z.string(), value: z.string(), confidence: z.number(), status: z.string() });
const proposal = fields({ agent_id: z.string(), command: z.string(), status: z.string(), summary: z.string() });
const wake = fields({ agent_id: z.string(), reason: z.string(), outcome: z.string() });

export const AGENT_EVENTS: EventCatalogue = {
  'agent.created': { entity: 'agent', summary: 'An agent was created (by hand or from the gallery)', after: agent },
  'agent.updated': { entity: 'agent', summary: 'An agent’s settings, persona or manual changed (a new version for persona/manual)', before: agent, after: agent },
  'agent.archived': { entity: 'agent', summary: 'An agent was archived', before: agent, after: agent },
  'agent.woke': { entity: 'agent', summary: 'An agent woke and found work (a run of its work loop started) or nothing (it slept again, no model call)', after: wake },
  'agent.budget_warning': { entity: 'agent', summary: 'An agent used 80 % of its monthly budget', after: fields({ percent: z.number() }) },
  'agent.budget_exhausted': { entity: 'agent', summary: 'An agent used its monthly budget: it is paused until a person raises it', after: fields({ percent: z.number() }) },
  'agent.escalated': { entity: 'agent', summary: 'An agent gave a piece of work to a person after its iterations, with what it tried', after: fields({ run_id: z.string(), reason: z.string() }) },
  'memory.written': { entity: 'agent_memory', summary: 'A memory (working or long-term fact) was written or merged', before: memory, after: memory },
  'memory.contradicted': { entity: 'agent_memory', summary: 'A new fact contradicts a known one: a person chooses', before: memory, after: memory },
  'memory.forgotten': { entity: 'agent_memory', summary: 'A memory was archived (forgotten), or the working buffer cleared', before: memory, after: memory },
  'proposal.created': { entity: 'agent_proposal', summary: 'An agent proposed a tool call that needs approval', after: proposal },
  'proposal.reviewed': { entity: 'agent_proposal', summary: 'The reviewer agent praised or refuted a proposal, with reasons and a confidence', before: proposal, after: proposal },
  'proposal.edited': { entity: 'agent_proposal', summary: 'A person edited a proposal before deciding (a correction the agent learns)', before: proposal, after: proposal },
  'proposal.approved': { entity: 'agent_proposal', summary: 'A person approved a proposal: its tool call ran as the agent', before: proposal, after: proposal },
  'proposal.rejected': { entity: 'agent_proposal', summary: 'A person rejected a proposal with a reason (fed back to the agent)', before: proposal, after: proposal },
  'proposal.superseded': { entity: 'agent_proposal', summary: 'A refuted proposal was replaced by its revision', before: proposal, after: proposal },
  'message.sent': { entity: 'agent_message', summary: 'A message between agents and people, in a thread tied to a task, run or agent', after: fields({ thread: z.string(), kind: z.string(), body: z.string() }) },
};
