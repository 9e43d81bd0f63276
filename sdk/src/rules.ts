// The Reflex Arc part of the SDK: rules, simulation, runs, packs, approvals, notifications.
import type { AtriumClient } from './client.js';
import type { Item, RequestBody, ResponseData } from './contract.js';

// Read out of the generated OpenAPI types. What a rule accepts is the server's `ruleInput`
// schema (POST /v1/rules); a rule read back documents `trigger`/`actions` only as open objects
// and approvals pass fields through, so those parts are narrowed here to what the server stores
// and answers (the input it accepted; the approval view) until the rules module's response
// schemas say it themselves.
type RuleBody = RequestBody<'/v1/rules', 'post'>;
type InputAction = Item<RuleBody['actions']>;
/**
 * A condition leaf (`path`, `op` from the server's schema). The server checks `value` (a scalar
 * or a list of scalars) when the rule is saved; a client building one may hold anything until then.
 */
export type ConditionLeaf = Omit<Extract<NonNullable<RuleBody['trigger']['when']>, { path: string }>, 'value'> & { value?: unknown };
export type Condition = ConditionLeaf | { all: Condition[] } | { any: Condition[] } | { not: Condition };
export type RuleTrigger = Omit<RuleBody['trigger'], 'when'> & { when?: Condition };
/** An action as the server accepts it; read back, a webhook also says whether it has a secret (never the secret). */
export type RuleAction = InputAction extends infer A ? (A extends { type: 'webhook' } ? A & { has_secret?: boolean } : A) : never;
export type RuleInput = Omit<RuleBody, 'trigger' | 'actions'> & { trigger: RuleTrigger; actions: RuleAction[] };
type RuleView = ResponseData<'/v1/rule-packs/{id}/enable', 'post'>;
export type Rule = Omit<RuleView, 'trigger' | 'actions'> & { trigger: RuleTrigger; actions: RuleAction[] };
export type RuleStats = ResponseData<'/v1/rules/{id}', 'get'>['stats'];
/** A rule as listed and read: with its recent activity (saves return the rule alone). */
export type RuleWithStats = Rule & { stats: RuleStats };
export type RuleSaved = Omit<ResponseData<'/v1/rules', 'post'>, 'rule'> & { rule: Rule };
export type Simulation = Omit<ResponseData<'/v1/rules/simulate', 'post'>, 'matches'> & {
  matches: { diff: { id: string; event: string; namespace: string; entity_type: string; entity_id: string; actor: { type: string; id: string }; created_at: string }; would: Record<string, unknown>[] }[];
};
type RunView = ResponseData<'/v1/rule-runs/{id}', 'get'>;
export type RuleRun = Omit<RunView, 'status' | 'deliveries'> & {
  status: 'queued' | 'succeeded' | 'failed' | 'loop_cut' | 'skipped';
  /** Webhook attempts: in GET /v1/rule-runs/:id only. */
  deliveries?: RunView['deliveries'];
};
export type RulePack = Omit<Item<ResponseData<'/v1/rule-packs', 'get'>>, 'rule'> & { rule: RuleInput };
type ApprovalView = ResponseData<'/v1/approvals/{id}', 'get'>;
export type Approval = Pick<ApprovalView, 'id' | 'status' | 'summary'> & {
  /** The why the requester gave with the change, null without one. */
  requested_why: string | null;
  rule: { id: string; name: string | null; approvers: string; not_by_requester: boolean };
  requested_by: { type: string; id: string };
  change: { namespace: string; entity_type: string; entity_id: string; event: string; before: unknown; after: unknown };
  request: { method: string | null; url: string | null };
  decided_by: string | null; decision_why: string | null; decided_at: string | null; created_at: string;
};
export type Notification = Item<ResponseData<'/v1/notifications', 'get'>>;
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
    remove: (id: string, why?: string) => req<ResponseData<'/v1/rules/{id}', 'delete'>>('DELETE', `/v1/rules/${id}`, why ? { why } : {}),
    simulate: (id: string, window: Window = {}) => req<Simulation>('POST', `/v1/rules/${id}/simulate`, window),
    simulateDraft: (rule: RuleInput, window: Window = {}) => req<Simulation>('POST', '/v1/rules/simulate', { rule, ...window }),
    runs: (query: { rule_id?: string; entity_type?: string; entity_id?: string; status?: RuleRun['status']; limit?: number; before?: string } = {}) => req<RuleRun[]>('GET', '/v1/rule-runs', undefined, query),
    run: (id: string) => req<RuleRun>('GET', `/v1/rule-runs/${id}`),
    packs: () => req<RulePack[]>('GET', '/v1/rule-packs'),
    enablePack: (id: string) => req<Rule>('POST', `/v1/rule-packs/${id}/enable`),
    disablePack: (id: string) => req<ResponseData<'/v1/rule-packs/{id}/disable', 'post'>>('POST', `/v1/rule-packs/${id}/disable`),
    approvals: (query: { status?: Approval['status']; limit?: number } = {}) => req<Approval[]>('GET', '/v1/approvals', undefined, query),
    approval: (id: string) => req<Approval>('GET', `/v1/approvals/${id}`),
    approve: (id: string, why: string, sentiment?: -1 | 0 | 1) => req<{ approval: Approval; result: unknown }>('POST', `/v1/approvals/${id}/approve`, { why, sentiment }),
    approveMany: (ids: string[], why: string) => req<ResponseData<'/v1/approvals/approve', 'post'>>('POST', '/v1/approvals/approve', { ids, why }),
    reject: (id: string, reason: string) => req<Approval>('POST', `/v1/approvals/${id}/reject`, { reason }),
    notifications: async (query: { unread?: 'true' | 'false'; limit?: number; before?: string } = {}) => {
      const res = await client.request<Notification[]>('GET', '/v1/notifications', { query });
      return { items: res.data, unread: Number(res.meta.unread_count ?? 0) };
    },
    markRead: (id: string) => req<Notification>('POST', `/v1/notifications/${id}/read`),
    markAllRead: () => req<ResponseData<'/v1/notifications/read-all', 'post'>>('POST', '/v1/notifications/read-all'),
  };
}

export type RulesApi = ReturnType<typeof rulesApi>;
