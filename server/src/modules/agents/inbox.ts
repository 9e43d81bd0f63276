// One inbox for everything a person must decide: agents' proposals, changes held by rules,
// approval steps of flow runs, agents paused by their budget and contradicted memories.
// Sorted by priority, then age (oldest first); filtered by kind, agent and department; decided
// one by one or in a batch (each item says done or why not).
import type { Principal } from '../../platform/context.js';
import type { CommandRegistry } from '../../platform/commands.js';
import type { Db } from '../../platform/db/index.js';
import { AppError } from '../../platform/errors.js';
import type { Orchestration } from '../orchestration/index.js';
import type { Rules } from '../rules/index.js';
import { decideProposal, type DecideDeps } from './decide.js';
import { budgetOf, type AgentRow } from './model.js';
import { proposalView } from './proposals.js';

export const INBOX_KINDS = ['proposal', 'rule_approval', 'flow_step', 'budget', 'memory'] as const;
export type InboxKind = (typeof INBOX_KINDS)[number];
export type InboxItem = {
  kind: InboxKind; id: string; title: string; summary: string; priority: number; created_at: string; link: string;
  agent: { id: string; name: string; colour: string; avatar: string } | null; department: string | null; detail: unknown;
};

export type InboxDeps = DecideDeps & { db: Db; commands: CommandRegistry; rules: Pick<Rules, 'approvals'>; orchestration: Pick<Orchestration, 'pendingApprovalsFor'> };

const agentRef = (a: AgentRow | undefined) => (a ? { id: a.id, name: a.name, colour: a.colour, avatar: a.avatar } : null);

export async function inbox(d: InboxDeps, p: Principal, q: { kind?: InboxKind; agent?: string; department?: string }): Promise<InboxItem[]> {
  const want = (k: InboxKind) => !q.kind || q.kind === k;
  const items: InboxItem[] = [];
  await d.db.tenantTx(p.tenantId, async (tx) => {
    const agents = await tx.selectFrom('agents').selectAll().execute();
    const byId = new Map(agents.map((a) => [a.id, a]));
    if (want('proposal')) {
      const rows = await tx.selectFrom('agent_proposals').selectAll().where('status', '=', 'pending').orderBy('created_at').limit(500).execute();
      for (const r of rows) {
        const a = byId.get(r.agent_id);
        items.push({ kind: 'proposal', id: r.id, title: r.summary, summary: r.why, priority: r.priority + (r.disputed ? 1 : 0), created_at: r.created_at.toISOString(), link: `/inbox/proposal/${r.id}`, agent: agentRef(a), department: a?.department ?? null, detail: proposalView(r) });
      }
    }
    if (want('flow_step')) {
      for (const w of (await d.orchestration.pendingApprovalsFor(tx, p)).filter((x) => x.can_decide)) {
        items.push({ kind: 'flow_step', id: `${w.run_id}:${w.step}`, title: w.title, summary: w.description || w.flow_name, priority: 2, created_at: w.created_at, link: `/runs/${w.run_id}`, agent: null, department: null, detail: w });
      }
    }
    const admin = p.role === 'owner' || p.role === 'admin';
    if (want('budget')) {
      const now = new Date();
      for (const a of agents) {
        if (a.archived_at || a.status !== 'paused') continue;
        const b = budgetOf(a, now);
        if (b.percent === null || b.percent < 100 || !(admin || a.configured_by === p.userId)) continue;
        items.push({ kind: 'budget', id: a.id, title: `${a.name} used its monthly budget`, summary: `Paused at ${b.percent} % — raise the budget to let it work again.`, priority: 3, created_at: a.updated_at.toISOString(), link: `/agents/${a.id}`, agent: agentRef(a), department: a.department, detail: b });
      }
    }
    if (want('memory')) {
      const rows = await tx.selectFrom('agent_memories').selectAll().where('status', '=', 'contradicted').orderBy('created_at').limit(200).execute();
      const knownIds = rows.map((r) => r.conflicts_with).filter((x): x is string => !!x);
      const known = knownIds.length ? await tx.selectFrom('agent_memories').select(['id', 'value']).where('id', 'in', knownIds).execute() : [];
      const kv = new Map(known.map((k) => [k.id, k.value]));
      for (const r of rows) {
        const a = byId.get(r.agent_id);
        items.push({ kind: 'memory', id: r.id, title: `${a?.name ?? 'An agent'}: which is right about “${r.key}”?`, summary: `Known: ${kv.get(r.conflicts_with ?? '') ?? '?'} · New: ${r.value}`, priority: 1, created_at: r.created_at.toISOString(), link: `/agents/${r.agent_id}`, agent: agentRef(a), department: a?.department ?? null, detail: { known: kv.get(r.conflicts_with ?? '') ?? null, new: r.value, key: r.key } });
      }
    }
  });
  if (want('rule_approval')) {
    for (const a of await d.rules.approvals.list(p, { status: 'pending', limit: 200 })) {
      items.push({ kind: 'rule_approval', id: a.id, title: a.summary, summary: a.rule.name ?? 'A rule held this change', priority: 2, created_at: a.created_at, link: `/approvals/${a.id}`, agent: null, department: null, detail: a });
    }
  }
  return items
    .filter((i) => (!q.agent || i.agent?.id === q.agent) && (!q.department || i.department === q.department))
    .sort((a, b) => b.priority - a.priority || a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
}

export type BatchItem = { kind: InboxKind; id: string };
export type BatchResult = { kind: InboxKind; id: string; ok: boolean; error: { code: string; message: string } | null };

/** Decides one item of any kind, as the person. */
export async function decideItem(d: InboxDeps, p: Principal, item: BatchItem, decision: 'approve' | 'reject', why: string, input?: Record<string, unknown>): Promise<unknown> {
  switch (item.kind) {
    case 'proposal': return decideProposal(d, p, item.id, { decision, why, ...(input && { input }) });
    case 'rule_approval': return decision === 'approve' ? d.rules.approvals.approve(p, item.id, { why }) : d.rules.approvals.reject(p, item.id, { reason: why });
    case 'flow_step': {
      const at = item.id.lastIndexOf(':');
      return d.commands.execute(p, 'orchestration.decide', { run_id: item.id.slice(0, at), step: item.id.slice(at + 1), decision, why });
    }
    case 'memory': return d.commands.execute(p, 'agents.resolve_memory', { memory_id: item.id, keep: decision === 'approve' ? 'new' : 'known', why });
    case 'budget': throw new AppError('NEEDS_A_BUDGET', 400, 'Raise the agent’s budget on its page (PATCH /v1/agents/:id): a budget is a number, not a yes.');
  }
}

export async function decideBatch(d: InboxDeps, p: Principal, items: readonly BatchItem[], decision: 'approve' | 'reject', why: string): Promise<BatchResult[]> {
  const out: BatchResult[] = [];
  for (const item of items) {
    try {
      await decideItem(d, p, item, decision, why);
      out.push({ ...item, ok: true, error: null });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      out.push({ ...item, ok: false, error: { code: err.code, message: err.message } });
    }
  }
  return out;
}
