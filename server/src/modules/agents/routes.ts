// HTTP surface of agents: the gallery and roster, an agent's page (versions, memory, daily log,
// dialogue, runs), proposals, the one inbox, and "My day". Writes run as the module's commands.
import { z } from 'zod';
import type { CommandRegistry } from '../../platform/commands.js';
import type { Db } from '../../platform/db/index.js';
import { errors } from '../../platform/errors.js';
import type { RouteRegistry } from '../../platform/http/route.js';
import { hasScope } from '../../platform/http/route.js';
import type { Orchestration } from '../orchestration/index.js';
import { rankTasks, type TaskFacts } from './behaviours.js';
import { AGENT_COMMANDS as C, createAgentInput } from './commands.js';
import { decideBatch, decideItem, inbox, INBOX_KINDS, type InboxDeps } from './inbox.js';
import { memoryView } from './memory.js';
import { agentView, dayOf, NOT_TOOLS } from './model.js';
import { proposalView } from './proposals.js';
import { loadAgent } from './store.js';
import { TEMPLATES } from './templates.js';

export type AgentRouteDeps = InboxDeps & { db: Db; commands: CommandRegistry; orchestration: Pick<Orchestration, 'runsBy' | 'pendingApprovalsFor'>; now: () => Date };

const idParam = z.strictObject({ id: z.string().min(1).max(100) });
const why = z.string().trim().min(1).max(5000);
const loose = z.object({}).loose();
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD');

export function registerAgentRoutes(r: RouteRegistry, d: AgentRouteDeps): void {
  const tags = ['agents'];
  const exec = <O>(p: Parameters<CommandRegistry['execute']>[0], name: string, input: unknown, requestId: string) => d.commands.execute<O>(p, name, input, { requestId });

  r.add({
    method: 'GET', url: '/v1/agents/gallery', tags, scope: 'read', summary: 'Built-in agents to enable (Ops coordinator, Reviewer, Knowledge curator, value persona slots)',
    response: z.array(loose),
    handler: async () => ({ data: TEMPLATES.map((t) => ({ key: t.key, name: t.name, colour: t.colour, avatar: t.avatar, department: t.department, summary: t.summary, tools: t.tools, slot: t.slot ?? false, every_minutes: t.every_minutes })) }),
  });
  r.add({
    method: 'GET', url: '/v1/agents/tools', tags, scope: 'read', summary: 'Commands an agent can be given as tools, and whether you may give each (your rights bound the agent’s)',
    response: z.array(z.object({ command: z.string(), module: z.string(), summary: z.string(), scope: z.string(), allowed: z.boolean() })),
    handler: async ({ principal }) => ({ data: d.commands.list().filter((c) => !NOT_TOOLS.test(c.name)).map((c) => ({ command: c.name, module: c.module, summary: c.summary, scope: c.scope, allowed: principal.role !== null && hasScope(principal, c.scope, c.module) })) }),
  });
  r.add({
    method: 'GET', url: '/v1/agents', tags, scope: 'read', summary: 'The roster: agents with status, last and next heartbeat, budget used and proposals waiting',
    query: z.strictObject({ archived: z.enum(['true', 'false']).optional() }), response: z.array(loose),
    handler: async ({ principal, query }) => d.db.tenantTx(principal.tenantId, async (tx) => {
      let q = tx.selectFrom('agents').selectAll().orderBy('created_at');
      q = query.archived === 'true' ? q.where('archived_at', 'is not', null) : q.where('archived_at', 'is', null);
      const rows = await q.execute();
      const waiting = await tx.selectFrom('agent_proposals').select(['agent_id', (eb) => eb.fn.countAll<string>().as('n')]).where('status', '=', 'pending').groupBy('agent_id').execute();
      const by = new Map(waiting.map((w) => [w.agent_id, Number(w.n)]));
      return { data: rows.map((a) => agentView(a, d.now(), { proposals_waiting: by.get(a.id) ?? 0 })) };
    }),
  });
  r.add({
    method: 'POST', url: '/v1/agents', tags, scope: 'write', summary: 'Create an agent, by hand or from the gallery (`template`); 403 TOOL_BEYOND_RIGHTS for a tool you may not use',
    body: createAgentInput, successStatus: 201, response: loose,
    handler: async ({ principal, body, requestId }) => ({ data: await exec(principal, C.create, body, requestId), status: 201 }),
  });
  r.add({
    method: 'GET', url: '/v1/agents/:id', tags, scope: 'read', summary: 'One agent', params: idParam, response: loose,
    handler: async ({ principal, params }) => d.db.tenantTx(principal.tenantId, async (tx) => {
      const a = await loadAgent(tx, params.id);
      const w = await tx.selectFrom('agent_proposals').select((eb) => eb.fn.countAll<string>().as('n')).where('agent_id', '=', a.id).where('status', '=', 'pending').executeTakeFirstOrThrow();
      return { data: agentView(a, d.now(), { proposals_waiting: Number(w.n) }) };
    }),
  });
  r.add({
    method: 'PATCH', url: '/v1/agents/:id', tags, scope: 'write', summary: 'Change an agent: settings, tools, budget, heartbeat; a new persona or manual is a new version',
    params: idParam, body: z.object({}).loose(), response: loose,
    handler: async ({ principal, params, body, requestId }) => ({ data: await exec(principal, C.update, { ...(body as object), id: params.id }, requestId) }),
  });
  r.add({
    method: 'POST', url: '/v1/agents/:id/archive', tags, scope: 'write', summary: 'Archive an agent', params: idParam, body: z.strictObject({ why: why.optional() }), response: loose,
    handler: async ({ principal, params, body, requestId }) => ({ data: await exec(principal, C.archive, { id: params.id, ...body }, requestId) }),
  });
  r.add({
    method: 'POST', url: '/v1/agents/:id/wake', tags, scope: 'write', summary: '"Wake now": the agent looks for work (optionally given `text`); none → it sleeps again, no model call',
    params: idParam, body: z.strictObject({ text: z.string().trim().min(1).max(2000).optional() }), response: loose,
    handler: async ({ principal, params, body, requestId }) => ({ data: await exec(principal, C.wake, { id: params.id, ...body }, requestId) }),
  });
  r.add({
    method: 'GET', url: '/v1/agents/:id/versions', tags, scope: 'read', summary: 'Every version of the agent’s persona and manual, newest first', params: idParam, response: z.array(loose),
    handler: async ({ principal, params }) => d.db.tenantTx(principal.tenantId, async (tx) => {
      await loadAgent(tx, params.id);
      const rows = await tx.selectFrom('agent_versions').selectAll().where('agent_id', '=', params.id).orderBy('version', 'desc').execute();
      return { data: rows.map((v) => ({ version: v.version, persona: v.persona, manual: v.manual, created_by: v.created_by, created_at: v.created_at.toISOString() })) };
    }),
  });
  r.add({
    method: 'GET', url: '/v1/agents/:id/memory', tags, scope: 'read', summary: 'The agent’s memory: working buffer and long-term facts (`tier`, `status`, `q` searches)',
    params: idParam, query: z.strictObject({ tier: z.enum(['working', 'fact']).optional(), status: z.enum(['active', 'contradicted', 'archived']).optional(), q: z.string().max(200).optional() }), response: z.array(loose),
    handler: async ({ principal, params, query }) => d.db.tenantTx(principal.tenantId, async (tx) => {
      await loadAgent(tx, params.id);
      let q = tx.selectFrom('agent_memories').selectAll().where('agent_id', '=', params.id).orderBy('tier', 'desc').orderBy('updated_at', 'desc').limit(500);
      if (query.tier) q = q.where('tier', '=', query.tier);
      q = q.where('status', '=', query.status ?? 'active');
      if (query.q) { const like = `%${query.q.replace(/[%_\\]/g, '\\$&')}%`; q = q.where((eb) => eb.or([eb('key', 'ilike', like), eb('value', 'ilike', like)])); }
      return { data: (await q.execute()).map(memoryView) };
    }),
  });
  r.add({
    method: 'POST', url: '/v1/agents/:id/memory', tags, scope: 'write', summary: 'Teach the agent a fact (merged when known; a contradiction waits for a person in the inbox)',
    params: idParam, body: z.strictObject({ key: z.string().trim().min(1).max(200), value: z.string().trim().min(1).max(8000), confidence: z.number().min(0).max(1).optional(), why: why.optional() }), successStatus: 201, response: loose,
    handler: async ({ principal, params, body, requestId }) => ({ data: await exec(principal, C.remember, { agent_id: params.id, ...body }, requestId), status: 201 }),
  });
  r.add({
    method: 'PATCH', url: '/v1/agent-memories/:id', tags, scope: 'write', summary: 'Edit or forget a memory (a diff with the before: revertible)',
    params: idParam, body: z.strictObject({ value: z.string().trim().min(1).max(8000).optional(), confidence: z.number().min(0).max(1).optional(), forget: z.boolean().optional(), why: why.optional() }), response: loose,
    handler: async ({ principal, params, body, requestId }) => ({ data: await exec(principal, C.editMemory, { memory_id: params.id, ...body }, requestId) }),
  });
  r.add({
    method: 'GET', url: '/v1/agents/:id/log', tags, scope: 'read', summary: 'The agent’s daily log (`day`, default today) as entries and as markdown, with the days that have one',
    params: idParam, query: z.strictObject({ day: day.optional() }),
    response: z.object({ day: z.string(), days: z.array(z.string()), entries: z.array(loose), markdown: z.string() }),
    handler: async ({ principal, params, query }) => d.db.tenantTx(principal.tenantId, async (tx) => {
      const a = await loadAgent(tx, params.id);
      const wanted = query.day ?? dayOf(d.now());
      const rows = await tx.selectFrom('agent_log').selectAll().where('agent_id', '=', params.id).where('day', '=', wanted).orderBy('id').limit(2000).execute();
      const days = await tx.selectFrom('agent_log').select('day').distinct().where('agent_id', '=', params.id).orderBy('day', 'desc').limit(60).execute();
      const entries = rows.map((e) => ({ at: e.at.toISOString(), kind: e.kind, text: e.text, run_id: e.run_id, diff_id: e.diff_id === null ? null : String(e.diff_id) }));
      const markdown = [`# ${a.name} — ${wanted}`, '', ...entries.map((e) => `- **${e.at.slice(11, 16)}** _${e.kind}_ — ${e.text}`)].join('\n');
      return { data: { day: wanted, days: days.map((x) => String(x.day).slice(0, 10)), entries, markdown } };
    }),
  });
  r.add({
    method: 'GET', url: '/v1/agents/:id/messages', tags, scope: 'read', summary: 'The agent’s dialogue: messages and handoffs it sent or received, newest last',
    params: idParam, response: z.array(loose),
    handler: async ({ principal, params }) => d.db.tenantTx(principal.tenantId, async (tx) => {
      await loadAgent(tx, params.id);
      const rows = await tx.selectFrom('agent_messages').selectAll().where((eb) => eb.or([eb.and([eb('to_type', '=', 'agent'), eb('to_id', '=', params.id)]), eb.and([eb('from_type', '=', 'agent'), eb('from_id', '=', params.id)])]))
        .orderBy('created_at').limit(500).execute();
      return { data: rows.map((m) => ({ id: m.id, thread: m.thread, kind: m.kind, from: { type: m.from_type, id: m.from_id }, to: { type: m.to_type, id: m.to_id }, body: m.body, context: m.context, diff_id: m.diff_id === null ? null : String(m.diff_id), created_at: m.created_at.toISOString() })) };
    }),
  });
  r.add({
    method: 'POST', url: '/v1/agents/:id/messages', tags, scope: 'write', summary: 'Message an agent (it is woken by it); `thread` ties it to a task or run',
    params: idParam, body: z.strictObject({ body: z.string().trim().min(1).max(8000), thread: z.string().max(120).optional() }), successStatus: 201, response: loose,
    handler: async ({ principal, params, body, requestId }) => ({ data: await exec(principal, C.send, { to: { type: 'agent', id: params.id }, thread: body.thread ?? `agent:${params.id}`, body: body.body }, requestId), status: 201 }),
  });
  r.add({
    method: 'GET', url: '/v1/agents/:id/runs', tags, scope: 'read', summary: 'The agent’s work loops (orchestration runs), newest first', params: idParam, response: z.array(loose),
    handler: async ({ principal, params }) => d.db.tenantTx(principal.tenantId, async (tx) => {
      await loadAgent(tx, params.id);
      return { data: await d.orchestration.runsBy(tx, { type: 'agent', id: params.id }, 50) };
    }),
  });

  r.add({
    method: 'GET', url: '/v1/proposals', tags, scope: 'read', summary: 'Agents’ proposals (default: waiting for a person), oldest first',
    query: z.strictObject({ status: z.enum(['reviewing', 'pending', 'revising', 'approved', 'rejected', 'superseded']).optional(), agent: z.string().max(100).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }),
    response: z.array(loose),
    handler: async ({ principal, query }) => d.db.tenantTx(principal.tenantId, async (tx) => {
      let q = tx.selectFrom('agent_proposals').selectAll().where('status', '=', query.status ?? 'pending').orderBy('created_at').limit(query.limit);
      if (query.agent) q = q.where('agent_id', '=', query.agent);
      return { data: (await q.execute()).map((p) => proposalView(p)) };
    }),
  });
  r.add({
    method: 'GET', url: '/v1/proposals/:id', tags, scope: 'read', summary: 'One proposal with its reviews', params: idParam, response: loose,
    handler: async ({ principal, params }) => d.db.tenantTx(principal.tenantId, async (tx) => {
      const p = await tx.selectFrom('agent_proposals').selectAll().where('id', '=', params.id).executeTakeFirst();
      if (!p) throw errors.notFound('Proposal');
      const a = await loadAgent(tx, p.agent_id);
      return { data: proposalView(p, { name: a.name, colour: a.colour, avatar: a.avatar, department: a.department }) };
    }),
  });
  r.add({
    method: 'POST', url: '/v1/proposals/:id/decide', tags, scope: 'write',
    summary: 'Approve (optionally after editing `input`: the correction is learned) or reject with a reason; 409 ALREADY_DECIDED or PROPOSAL_STALE',
    params: idParam, body: z.strictObject({ decision: z.enum(['approve', 'reject']), why, input: z.record(z.string(), z.unknown()).optional() }), response: z.object({ proposal: loose, result: z.unknown() }),
    handler: async ({ principal, params, body }) => ({ data: await decideItem(d, principal, { kind: 'proposal', id: params.id }, body.decision, body.why, body.input) as { proposal: Record<string, unknown>; result: unknown } }),
  });

  r.add({
    method: 'GET', url: '/v1/inbox', tags, scope: 'read', summary: 'Everything waiting for my decision: proposals, rule-held changes, flow approval steps, budgets, memory conflicts — by priority, then age',
    query: z.strictObject({ kind: z.enum(INBOX_KINDS).optional(), agent: z.string().max(100).optional(), department: z.string().max(100).optional() }), response: z.array(loose),
    handler: async ({ principal, query }) => ({ data: await inbox(d, principal, query) }),
  });
  r.add({
    method: 'POST', url: '/v1/inbox/decide', tags, scope: 'write', summary: 'Approve or reject several items with one why; each result says done or why not',
    body: z.strictObject({ items: z.array(z.strictObject({ kind: z.enum(INBOX_KINDS), id: z.string().min(1).max(200) })).min(1).max(50), decision: z.enum(['approve', 'reject']), why }),
    response: z.array(loose),
    handler: async ({ principal, body }) => ({ data: await decideBatch(d, principal, body.items, body.decision, body.why) }),
  });

  r.add({
    method: 'GET', url: '/v1/my-day', tags, scope: 'read', summary: 'My open tasks ranked by deadline, priority and blockage, each with the reasons (the Ops coordinator’s ranking)',
    response: z.object({ day: z.string(), tasks: z.array(z.object({ task: loose, score: z.number(), reasons: z.array(z.string()) })) }),
    handler: async ({ principal }) => {
      if (!principal.userId) return { data: { day: dayOf(d.now()), tasks: [] } };
      const tasks = await d.commands.execute<TaskFacts[]>(principal, 'work.list_tasks', { assignee_id: principal.userId, open: true, limit: 500 });
      return { data: { day: dayOf(d.now()), tasks: rankTasks(tasks, dayOf(d.now())).slice(0, 50) } };
    },
  });
}
