// The agents module's commands: agents (create — by hand or from the gallery —, update with
// versioned persona and manual, archive, wake now), memory edits, dialogue and handoffs, and
// requests for work (the wake_agent rule action). Each runs in the caller's transaction.
import { z } from 'zod';
import type { CommandRegistry } from '../../platform/commands.js';
import type { Ctx } from '../../platform/context.js';
import { errors } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { Json } from '../../platform/schema.js';
import type { Identity } from '../identity/index.js';
import type { Ledger } from '../ledger/index.js';
import { editMemory, memoryView, NS, resolveContradiction, writeFact, type MemoryDeps } from './memory.js';
import { agentFacts, agentView, nextWake, toolSchema, type AgentRow, type Tool } from './model.js';
import { checkTools, loadAgent, scopesOf } from './store.js';
import { templateOf } from './templates.js';
import { wake, type WakeDeps } from './wake.js';

export type CommandDeps = MemoryDeps & WakeDeps & { ledger: Ledger; identity: Pick<Identity, 'directory'> };

const id = z.string().min(1).max(100);
const why = z.string().trim().min(1).max(5000);
const fields = {
  name: z.string().trim().min(1).max(100),
  colour: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a colour like #0ea5e9'),
  avatar: z.string().max(8),
  department: z.string().trim().max(100).nullable(),
  persona: z.string().max(20_000, 'at most 20 000 characters'),
  manual: z.string().max(40_000, 'at most 40 000 characters'),
  model_alias: z.string().regex(/^[a-z0-9_-]{1,50}$/),
  tools: z.array(toolSchema).max(50),
  reviewer_id: id.nullable(),
  /** 0 is allowed: the agent is paused until a person raises it. */
  monthly_tokens: z.number().int().min(0).max(1e12).nullable(),
  monthly_cost_usd: z.number().min(0).max(1e6).nullable(),
  every_minutes: z.number().int().min(1, 'a heartbeat at most once a minute').max(10_080),
  enabled: z.boolean(),
};
export const createAgentInput = z.strictObject({ template: z.string().max(50).optional(), ...Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v.optional()])) as { [K in keyof typeof fields]: z.ZodOptional<(typeof fields)[K]> } });
export const updateAgentInput = z.strictObject({ id, ...Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v.optional()])) as { [K in keyof typeof fields]: z.ZodOptional<(typeof fields)[K]> }, status: z.enum(['idle', 'sleeping', 'paused']).optional(), why: why.optional() });

export const AGENT_COMMANDS = {
  create: 'agents.create_agent', update: 'agents.update_agent', archive: 'agents.archive_agent', wake: 'agents.wake_agent',
  remember: 'agents.remember_fact', editMemory: 'agents.edit_memory', resolveMemory: 'agents.resolve_memory',
  send: 'agents.send_message', handoff: 'agents.handoff_task', request: 'agents.request_work',
} as const;

const personOf = (ctx: Ctx) => {
  if (ctx.actor.type !== 'user') throw errors.forbidden('A person configures agents.');
  return ctx.actor.id;
};

async function reviewerOk(ctx: Ctx, reviewerId: string | null | undefined, self?: string) {
  if (!reviewerId) return;
  if (reviewerId === self) throw errors.validation([{ path: 'body.reviewer_id', message: 'an agent cannot review itself' }]);
  const r = await ctx.tx.selectFrom('agents').select('id').where('id', '=', reviewerId).where('archived_at', 'is', null).executeTakeFirst();
  if (!r) throw errors.validation([{ path: 'body.reviewer_id', message: 'no such agent' }]);
}

export function registerAgentCommands(commands: CommandRegistry, d: CommandDeps): void {
  const c = AGENT_COMMANDS;

  async function create(ctx: Ctx, input: z.output<typeof createAgentInput>): Promise<AgentRow> {
    const person = personOf(ctx);
    const t = input.template ? templateOf(input.template) : undefined;
    if (input.template && !t) throw errors.validation([{ path: 'body.template', message: `no template "${input.template}" (GET /v1/agents/gallery)` }]);
    const tools: Tool[] = input.tools ?? t?.tools ?? [];
    checkTools(d, tools, await scopesOf(ctx.tx, d, person));
    let reviewer = input.reviewer_id ?? null;
    // The gallery's agents get the Reviewer as their peer reviewer (created with the first one).
    if (t && input.reviewer_id === undefined && t.key !== 'reviewer' && tools.some((x) => x.mode === 'approval')) {
      const known = await ctx.tx.selectFrom('agents').select('id').where('template', '=', 'reviewer').where('archived_at', 'is', null).executeTakeFirst();
      reviewer = known?.id ?? (await create(ctx, { template: 'reviewer' })).id;
    }
    await reviewerOk(ctx, reviewer);
    const count = await ctx.tx.selectFrom('agents').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    const every = input.every_minutes ?? t?.every_minutes ?? 15;
    const offset = (Number(count.n) * 2) % every;
    const now = d.now();
    const zeroBudget = input.monthly_tokens === 0 || input.monthly_cost_usd === 0;
    const row = await ctx.tx.insertInto('agents').values({
      id: newId('agt'), tenant_id: ctx.tenantId, template: t?.key ?? null, name: input.name ?? t?.name ?? 'Agent', colour: input.colour ?? t?.colour ?? '#6366f1',
      avatar: input.avatar ?? t?.avatar ?? '', department: input.department !== undefined ? input.department : t?.department ?? null,
      persona: input.persona ?? t?.persona ?? '', manual: input.manual ?? t?.manual ?? '', model_alias: input.model_alias ?? 'smart', tools: JSON.stringify(tools),
      reviewer_id: reviewer, monthly_tokens: input.monthly_tokens ?? null, monthly_cost_usd: input.monthly_cost_usd ?? null,
      status: zeroBudget ? 'paused' : 'idle', enabled: input.enabled ?? true, every_minutes: every, offset_minutes: offset,
      next_wake_at: nextWake(now, every, offset), configured_by: person,
    }).returningAll().executeTakeFirstOrThrow();
    await ctx.tx.insertInto('agent_versions').values({ tenant_id: ctx.tenantId, agent_id: row.id, version: 1, persona: row.persona, manual: row.manual, created_by: person }).execute();
    await d.ledger.record(ctx, { namespace: NS, entityType: 'agent', entityId: row.id, event: 'agent.created', after: agentFacts(row), scopeId: row.id });
    return row;
  }

  commands.register({
    name: c.create, scope: 'write', summary: 'Create an agent, by hand or from the gallery (`template`); its tools never exceed your rights',
    input: createAgentInput, run: async (ctx, input) => agentView(await create(ctx, input), d.now()),
  });

  commands.register({
    name: c.update, scope: 'write', summary: 'Change an agent (a new persona or manual is a new version); a budget of 0 pauses it',
    input: updateAgentInput,
    run: async (ctx, { id: agentId, why: reason, ...patch }) => {
      const person = personOf(ctx);
      const before = await loadAgent(ctx.tx, agentId, { lock: true });
      if (before.archived_at) throw errors.conflict('AGENT_ARCHIVED', 'The agent is archived.');
      if (patch.tools) checkTools(d, patch.tools, await scopesOf(ctx.tx, d, person));
      if (patch.reviewer_id !== undefined) await reviewerOk(ctx, patch.reviewer_id, agentId);
      const textChanged = (patch.persona !== undefined && patch.persona !== before.persona) || (patch.manual !== undefined && patch.manual !== before.manual);
      const version = textChanged ? before.version + 1 : before.version;
      const now = d.now();
      const every = patch.every_minutes ?? before.every_minutes;
      const zero = patch.monthly_tokens === 0 || patch.monthly_cost_usd === 0;
      const raised = (patch.monthly_tokens !== undefined && patch.monthly_tokens !== 0) || (patch.monthly_cost_usd !== undefined && patch.monthly_cost_usd !== 0);
      const { tools, ...rest } = patch;
      const status = patch.status ?? (zero ? 'paused' : raised && before.status === 'paused' ? 'idle' : undefined);
      const after = await ctx.tx.updateTable('agents').set({
        ...rest, ...(tools && { tools: JSON.stringify(tools) }), ...(status && { status }), version, updated_at: now,
        // Who configured it last bounds its rights from now on.
        configured_by: person,
        ...(patch.every_minutes !== undefined && { next_wake_at: nextWake(now, every, before.offset_minutes % every) }),
      }).where('id', '=', agentId).returningAll().executeTakeFirstOrThrow();
      if (textChanged) await ctx.tx.insertInto('agent_versions').values({ tenant_id: ctx.tenantId, agent_id: agentId, version, persona: after.persona, manual: after.manual, created_by: person }).execute();
      await d.ledger.record(ctx, { namespace: NS, entityType: 'agent', entityId: agentId, event: 'agent.updated', before: agentFacts(before), after: agentFacts(after), why: reason ?? null, scopeId: agentId });
      return agentView(after, now);
    },
  });

  commands.register({
    name: c.archive, scope: 'write', summary: 'Archive an agent (it stops waking; its history stays)',
    input: z.strictObject({ id, why: why.optional() }),
    run: async (ctx, input) => {
      personOf(ctx);
      const before = await loadAgent(ctx.tx, input.id, { lock: true });
      if (before.archived_at) throw errors.conflict('AGENT_ARCHIVED', 'The agent is already archived.');
      const after = await ctx.tx.updateTable('agents').set({ archived_at: d.now(), enabled: false, updated_at: d.now() }).where('id', '=', input.id).returningAll().executeTakeFirstOrThrow();
      await d.ledger.record(ctx, { namespace: NS, entityType: 'agent', entityId: input.id, event: 'agent.archived', before: agentFacts(before), after: agentFacts(after), why: input.why ?? null, scopeId: input.id });
      return agentView(after, d.now());
    },
  });

  commands.register({
    name: c.wake, scope: 'write', summary: 'Wake an agent now ("wake now"): it looks for work; none → it sleeps again without a model call',
    input: z.strictObject({ id, text: z.string().trim().min(1).max(2000).optional() }),
    run: async (ctx, input) => {
      const agent = await loadAgent(ctx.tx, input.id, { lock: true });
      if (input.text) await ctx.tx.insertInto('agent_wakes').values({ id: newId('wake'), tenant_id: ctx.tenantId, agent_id: agent.id, reason: 'manual', detail: JSON.stringify({ text: input.text, from: ctx.actor }) }).execute();
      return wake(ctx, d, agent, 'manual');
    },
  });

  /** Work for an agent's next wake, which is brought forward to now (the sweep takes it within a second). */
  async function request(ctx: Ctx, agentId: string, reason: 'rule' | 'mention' | 'handoff' | 'message', detail: Json, causeDiffId: number | null) {
    const agent = await loadAgent(ctx.tx, agentId);
    if (agent.archived_at) throw errors.conflict('AGENT_ARCHIVED', 'The agent is archived.');
    const wakeId = newId('wake');
    await ctx.tx.insertInto('agent_wakes').values({ id: wakeId, tenant_id: ctx.tenantId, agent_id: agentId, reason, detail: JSON.stringify(detail), cause_diff_id: causeDiffId }).execute();
    await ctx.tx.updateTable('agents').set({ next_wake_at: d.now() }).where('id', '=', agentId).where('enabled', '=', true).execute();
    return { wake_id: wakeId, agent_id: agentId };
  }

  commands.register({
    name: c.request, scope: 'write', summary: 'Ask an agent to do something at its next wake (brought forward to now)',
    input: z.strictObject({ agent_id: id, text: z.string().trim().min(1).max(2000) }),
    run: (ctx, input) => request(ctx, input.agent_id, 'rule', { text: input.text, from: ctx.actor }, ctx.cause?.diffId ?? null),
  });

  commands.register({
    name: c.send, scope: 'write', summary: 'Send a message in a thread tied to a task, run or agent, to an agent or a person (an agent is woken by it)',
    input: z.strictObject({ thread: z.string().regex(/^(task|run|agent):[A-Za-z0-9_-]{1,100}$/, 'task:<id>, run:<id> or agent:<id>'), to: z.strictObject({ type: z.enum(['agent', 'user']), id }), body: z.string().trim().min(1).max(8000) }),
    run: async (ctx, input) => {
      if (input.to.type === 'agent') await loadAgent(ctx.tx, input.to.id);
      const msgId = newId('msg');
      const diff = await d.ledger.record(ctx, { namespace: NS, entityType: 'agent_message', entityId: msgId, event: 'message.sent', after: { thread: input.thread, kind: 'message', body: input.body, to: input.to }, scopeId: input.to.type === 'agent' ? input.to.id : ctx.actor.id });
      await ctx.tx.insertInto('agent_messages').values({ id: msgId, tenant_id: ctx.tenantId, thread: input.thread, from_type: ctx.actor.type, from_id: ctx.actor.id, to_type: input.to.type, to_id: input.to.id, kind: 'message', body: input.body, diff_id: diff.id }).execute();
      if (input.to.type === 'agent' && !(ctx.actor.type === 'agent' && ctx.actor.id === input.to.id)) await request(ctx, input.to.id, 'message', { text: input.body, from: ctx.actor, thread: input.thread }, diff.id);
      return { id: msgId, diff_id: String(diff.id) };
    },
  });

  commands.register({
    name: c.handoff, scope: 'write', summary: 'Hand a task to another agent with the working context (state preserved); it is woken with it',
    input: z.strictObject({ task_id: id, to_agent_id: id, note: z.string().trim().min(1).max(4000) }),
    run: async (ctx, input) => {
      await loadAgent(ctx.tx, input.to_agent_id);
      const context = ctx.actor.type === 'agent'
        ? (await ctx.tx.selectFrom('agent_memories').select(['key', 'value']).where('agent_id', '=', ctx.actor.id).where('tier', '=', 'working').execute()) : [];
      const msgId = newId('msg');
      const diff = await d.ledger.record(ctx, { namespace: NS, entityType: 'agent_message', entityId: msgId, event: 'message.sent', after: { thread: `task:${input.task_id}`, kind: 'handoff', body: input.note, to: { type: 'agent', id: input.to_agent_id } }, scopeId: input.to_agent_id });
      await ctx.tx.insertInto('agent_messages').values({ id: msgId, tenant_id: ctx.tenantId, thread: `task:${input.task_id}`, from_type: ctx.actor.type, from_id: ctx.actor.id, to_type: 'agent', to_id: input.to_agent_id, kind: 'handoff', body: input.note, context: JSON.stringify(context), diff_id: diff.id }).execute();
      // The receiver starts with the sender's working buffer: the handoff keeps the state.
      for (const m of context) await ctx.tx.insertInto('agent_memories').values({ id: newId('mem'), tenant_id: ctx.tenantId, agent_id: input.to_agent_id, tier: 'working', key: `handoff: ${m.key}`.slice(0, 200), value: m.value, confidence: 1, tokens: Math.ceil(m.value.length / 4) })
        .onConflict((oc) => oc.doNothing()).execute();
      return request(ctx, input.to_agent_id, 'handoff', { text: `Handoff of task ${input.task_id}: ${input.note}`, from: ctx.actor, task_id: input.task_id }, diff.id);
    },
  });

  commands.register({
    name: c.remember, scope: 'write', summary: 'Teach an agent a long-term fact (merged when known; a contradiction is flagged for a person)',
    input: z.strictObject({ agent_id: id, key: z.string().trim().min(1).max(200), value: z.string().trim().min(1).max(8000), confidence: z.number().min(0).max(1).optional(), why: why.optional() }),
    run: async (ctx, input) => {
      await loadAgent(ctx.tx, input.agent_id);
      const r = await writeFact(ctx, d, input.agent_id, { key: input.key, value: input.value, ...(input.confidence !== undefined && { confidence: input.confidence }), sourceDiffId: ctx.cause?.diffId ?? null, ...(input.why && { why: input.why }) });
      return { memory: memoryView(r.memory), outcome: r.outcome };
    },
  });

  commands.register({
    name: c.editMemory, scope: 'write', summary: 'Edit or forget one of an agent’s memories (a diff: reviewable, revertible)',
    input: z.strictObject({ memory_id: id, value: z.string().trim().min(1).max(8000).optional(), confidence: z.number().min(0).max(1).optional(), forget: z.boolean().optional(), why: why.optional() }),
    run: async (ctx, input) => memoryView(await editMemory(ctx, d, input.memory_id, { ...(input.value !== undefined && { value: input.value }), ...(input.confidence !== undefined && { confidence: input.confidence }), ...(input.forget && { forget: true }) }, input.why ?? null)),
  });

  commands.register({
    name: c.resolveMemory, scope: 'write', summary: 'Resolve a contradicted memory: keep the known fact, or take the new one',
    input: z.strictObject({ memory_id: id, keep: z.enum(['known', 'new']), why }),
    run: async (ctx, input) => memoryView(await resolveContradiction(ctx, d, input.memory_id, input.keep, input.why)),
  });
}

