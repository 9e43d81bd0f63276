// The Reflex Arc part of the SDK: rules, simulation, runs, packs, approvals, notifications.
import type { AtriumClient } from './client.js';

export type ConditionLeaf = { path: string; op: 'eq' | 'neq' | 'in' | 'nin' | 'gt' | 'gte' | 'lt' | 'lte' | 'contains' | 'exists' | 'changed' | 'changed_to' | 'changed_from'; value?: unknown };
export type Condition = ConditionLeaf | { all: Condition[] } | { any: Condition[] } | { not: Condition };
export type RuleTrigger = { namespace?: string; entity_type?: string; event?: string; when?: Condition; stale_for_hours?: number };
export type RuleAction =
  | { type: 'notify'; to: string | string[]; title?: string; message: string; email?: boolean }
  | { type: 'tag'; add?: string[]; remove?: string[] }
  | { type: 'create_task'; workflow?: string; name: string; description?: string; priority?: 'low' | 'normal' | 'high' | 'urgent'; assignee?: string; due_in_days?: number }
  | { type: 'start_workflow'; template_id?: string; name: string; department?: string; owner?: string }
  | { type: 'webhook'; url: string; secret?: string; has_secret?: boolean }
  | { type: 'predict'; model: 'workflow_completion' | 'task_slip' }
  | { type: 'guard'; message: string }
  | { type: 'require_approval'; approvers?: 'role:admin' | 'role:member'; not_by_requester?: boolean; message?: string };
export type RuleInput = { name: string; description?: string; enabled?: boolean; trigger: RuleTrigger; actions: RuleAction[] };
export type Rule = RuleInput & {
  id: string; description: string; enabled: boolean; kind: 'reactive' | 'precommit' | 'scheduled'; pack_id: string | null;
  created_by: string; created_at: string; updated_at: string; version: number;
};
export type RuleStats = { runs_7d: number; failed_7d: number; last_run_at: string | null };
/** A rule as listed and read: with its recent activity (saves return the rule alone). */
export type RuleWithStats = Rule & { stats: RuleStats };
export type RuleSaved = { rule: Rule; warnings: string[]; secrets: Record<string, string> };
export type Simulation = {
  window: { since: string; until: string }; scanned: number; scan_truncated: boolean; matched: number;
  matches: { diff: { id: string; event: string; namespace: string; entity_type: string; entity_id: string; actor: { type: string; id: string }; created_at: string }; would: Record<string, unknown>[] }[];
};
export type RuleRun = {
  id: string; rule_id: string; diff_id: string; action_index: number; action_type: string; entity_type: string; entity_id: string;
  status: 'queued' | 'succeeded' | 'failed' | 'loop_cut' | 'skipped'; effect: unknown; effect_diff_id: string | null; error: string | null;
  attempts: number; duration_ms: number | null; created_at: string; finished_at: string | null;
  deliveries?: { attempt: number; status_code: number | null; error: string | null; duration_ms: number; next_retry_at: string | null; created_at: string }[];
};
export type RulePack = { id: string; name: string; description: string; enabled: boolean; rule_id: string | null; rule: RuleInput };
export type Approval = {
  id: string; status: 'pending' | 'approved' | 'rejected'; summary: string;
  rule: { id: string; name: string | null; approvers: string; not_by_requester: boolean };
  requested_by: { type: string; id: string };
  change: { namespace: string; entity_type: string; entity_id: string; event: string; before: unknown; after: unknown };
  request: { method: string | null; url: string | null };
  decided_by: string | null; decision_why: string | null; decided_at: string | null; created_at: string;
};
export type Notification = { id: string; title: string; body: string; link: string | null; entity: { type: string; id: string } | null; read: boolean; read_at: string | null; created_at: string };
type Window = { since?: string; until?: string; limit?: number };

/** Typed calls of the rules, approvals and notifications API for one client. */
export function rulesApi(client: AtriumClient) {
  const req = async <T>(method: string, path: string, body?: unknown, query?: Record<string, string | number | boolean | undefined>) =>
    (await client.request<T>(method, path, { body, query })).data;
  return {
    list: (query: { enabled?: 'true' | 'false'; kind?: Rule['kind'] } = {}) => req<RuleWithStats[]>('GET', '/v1/rules', undefined, query),
    get: (id: string) => req<RuleWithStats>('GET', `/v1/rules/${id}`),
    create: (rule: RuleInput) => req<RuleSaved>('POST', '/v1/rules', rule),
    update: (id: string, patch: Partial<RuleInput> & { version?: number; why?: string }) => req<RuleSaved>('PATCH', `/v1/rules/${id}`, patch),
    setEnabled: (id: string, enabled: boolean, why?: string) => req<RuleSaved>('POST', `/v1/rules/${id}/${enabled ? 'enable' : 'disable'}`, why ? { why } : {}),
    remove: (id: string, why?: string) => req<{ deleted: true }>('DELETE', `/v1/rules/${id}`, why ? { why } : {}),
    simulate: (id: string, window: Window = {}) => req<Simulation>('POST', `/v1/rules/${id}/simulate`, window),
    simulateDraft: (rule: RuleInput, window: Window = {}) => req<Simulation>('POST', '/v1/rules/simulate', { rule, ...window }),
    runs: (query: { rule_id?: string; entity_type?: string; entity_id?: string; status?: RuleRun['status']; limit?: number; before?: string } = {}) => req<RuleRun[]>('GET', '/v1/rule-runs', undefined, query),
    run: (id: string) => req<RuleRun>('GET', `/v1/rule-runs/${id}`),
    packs: () => req<RulePack[]>('GET', '/v1/rule-packs'),
    enablePack: (id: string) => req<Rule>('POST', `/v1/rule-packs/${id}/enable`),
    disablePack: (id: string) => req<{ enabled: false }>('POST', `/v1/rule-packs/${id}/disable`),
    approvals: (query: { status?: Approval['status']; limit?: number } = {}) => req<Approval[]>('GET', '/v1/approvals', undefined, query),
    approval: (id: string) => req<Approval>('GET', `/v1/approvals/${id}`),
    approve: (id: string, why: string, sentiment?: -1 | 0 | 1) => req<{ approval: Approval; result: unknown }>('POST', `/v1/approvals/${id}/approve`, { why, sentiment }),
    approveMany: (ids: string[], why: string) => req<{ id: string; ok: boolean; error: { code: string; message: string } | null }[]>('POST', '/v1/approvals/approve', { ids, why }),
    reject: (id: string, reason: string) => req<Approval>('POST', `/v1/approvals/${id}/reject`, { reason }),
    notifications: async (query: { unread?: 'true' | 'false'; limit?: number; before?: string } = {}) => {
      const res = await client.request<Notification[]>('GET', '/v1/notifications', { query });
      return { items: res.data, unread: Number(res.meta.unread_count ?? 0) };
    },
    markRead: (id: string) => req<Notification>('POST', `/v1/notifications/${id}/read`),
    markAllRead: () => req<{ marked: number }>('POST', '/v1/notifications/read-all'),
  };
}

export type RulesApi = ReturnType<typeof rulesApi>;
