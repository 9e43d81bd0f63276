// Typed calls of the agents API (gallery, roster, an agent's page, proposals, the one inbox, my day).
import { api } from '../../api';

export type Tool = { command: string; mode: 'direct' | 'approval' };
export type Budget = { monthly_tokens: number | null; monthly_cost_usd: number | null; used_tokens: number; used_cost_usd: number; percent: number | null; month: string };
export type Outcome = { kind?: string; summary?: string; run_id?: string | null; at?: string } | null;
export type Agent = {
  id: string; template: string | null; name: string; colour: string; avatar: string; department: string | null; persona: string; manual: string;
  version: number; model_alias: string; tools: Tool[]; reviewer_id: string | null; budget: Budget; status: string; enabled: boolean;
  heartbeat: { every_minutes: number; next_wake_at: string | null; last_wake_at: string | null; last_outcome: Outcome };
  archived: boolean; proposals_waiting: number; created_at: string; updated_at: string;
};
export type GalleryItem = { key: string; name: string; colour: string; avatar: string; department: string | null; summary: string; tools: Tool[]; slot: boolean; every_minutes: number };
export type ToolChoice = { command: string; module: string; summary: string; scope: string; allowed: boolean };
export type Memory = { id: string; tier: 'working' | 'fact'; key: string; value: string; confidence: number; status: string; conflicts_with: string | null; updated_at: string };
export type LogEntry = { at: string; kind: string; text: string; run_id: string | null; diff_id: string | null };
export type Message = { id: string; kind: string; from: { type: string; id: string }; to: { type: string; id: string }; body: string; created_at: string };
export type Version = { version: number; persona: string; manual: string; created_by: string; created_at: string };
export type Review = { verdict: 'praise' | 'refute'; reasons: string[]; confidence?: number; reviewer?: string };
export type Proposal = {
  id: string; agent_id: string; agent: { name: string } | null; run_id: string | null; command: string; input: Record<string, unknown>;
  edited_input: Record<string, unknown> | null; summary: string; why: string; status: string; reviews: Review[]; disputed: boolean; created_at: string;
};
export type InboxKind = 'proposal' | 'rule_approval' | 'flow_step' | 'budget' | 'memory';
export const INBOX_KINDS: readonly InboxKind[] = ['proposal', 'rule_approval', 'flow_step', 'budget', 'memory'];
export type InboxItem = {
  kind: InboxKind; id: string; title: string; summary: string; priority: number; created_at: string; link: string;
  agent: { id: string; name: string; colour: string; avatar: string } | null; department: string | null; detail: unknown;
};
export type WakeResult = { kind: 'slept' | 'working' | 'paused' | 'over_budget' | 'busy'; summary: string; run_id: string | null };
export type RankedTask = { task: { id: string; name: string; workflow_id?: string; due_date?: string | null; status?: string }; score: number; reasons: string[] };

const enc = encodeURIComponent;
const req = async <T>(method: string, path: string, body?: unknown, query?: Record<string, string | undefined>): Promise<T> =>
  (await api.request<T>(method, path, { body, query })).data;

export const agents = {
  gallery: () => req<GalleryItem[]>('GET', '/v1/agents/gallery'),
  tools: () => req<ToolChoice[]>('GET', '/v1/agents/tools'),
  list: () => req<Agent[]>('GET', '/v1/agents'),
  enable: (template: string) => req<Agent>('POST', '/v1/agents', { template }),
  get: (id: string) => req<Agent>('GET', `/v1/agents/${enc(id)}`),
  update: (id: string, patch: Record<string, unknown>) => req<Agent>('PATCH', `/v1/agents/${enc(id)}`, patch),
  wake: (id: string) => req<WakeResult>('POST', `/v1/agents/${enc(id)}/wake`, {}),
  versions: (id: string) => req<Version[]>('GET', `/v1/agents/${enc(id)}/versions`),
  memory: (id: string, q: { tier?: string; status?: string; q?: string }) => req<Memory[]>('GET', `/v1/agents/${enc(id)}/memory`, undefined, { tier: q.tier, status: q.status, q: q.q || undefined }),
  editMemory: (id: string, body: { value?: string; forget?: boolean; why?: string }) => req<Memory>('PATCH', `/v1/agent-memories/${enc(id)}`, body),
  log: (id: string, day?: string) => req<{ day: string; days: string[]; entries: LogEntry[]; markdown: string }>('GET', `/v1/agents/${enc(id)}/log`, undefined, { day }),
  messages: (id: string) => req<Message[]>('GET', `/v1/agents/${enc(id)}/messages`),
  send: (id: string, body: string) => req<unknown>('POST', `/v1/agents/${enc(id)}/messages`, { body }),
  runs: (id: string) => req<Array<{ id: string; status: string; created_at: string; flow_key?: string }>>('GET', `/v1/agents/${enc(id)}/runs`),
};

export const inbox = {
  list: (q: { kind?: string; agent?: string; department?: string }) => req<InboxItem[]>('GET', '/v1/inbox', undefined, { kind: q.kind || undefined, agent: q.agent || undefined, department: q.department || undefined }),
  decide: (items: Array<{ kind: InboxKind; id: string }>, decision: 'approve' | 'reject', why: string) =>
    req<Array<{ kind: InboxKind; id: string; ok: boolean; error: { code: string; message: string } | null }>>('POST', '/v1/inbox/decide', { items, decision, why }),
  proposal: (id: string) => req<Proposal>('GET', `/v1/proposals/${enc(id)}`),
  decideProposal: (id: string, body: { decision: 'approve' | 'reject'; why: string; input?: Record<string, unknown> }) => req<unknown>('POST', `/v1/proposals/${enc(id)}/decide`, body),
  myDay: () => req<{ day: string; tasks: RankedTask[] }>('GET', '/v1/my-day'),
};

/** The percentage of the budget used, 0..100 for the bar (null: no budget). */
export const budgetPercent = (b: Budget): number | null => (b.percent === null ? null : Math.min(100, Math.max(0, b.percent)));
