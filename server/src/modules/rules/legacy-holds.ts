// Approvals stored before every holdable write was a command keep the HTTP request that was held:
// `{method, url, body}` (approvals.request). Approving one used to replay it through its route;
// now it is mapped, at approval time, to the command that route runs — by route pattern, path
// parameters, query and body, as the route's handler builds the input — and that command runs.
// So a row stored then means what it meant. The table is frozen history: the routes as they
// were when such rows could be written (it never needs a new entry; a hold is a command now).
// Command names are strings, as in work-port.ts: rules import no other module's files.
import type { HeldCommand } from '../../platform/commands.js';

type Body = Record<string, unknown>;
type Mapping = {
  method: string;
  /** `:name` segments are path parameters. */
  path: string;
  command: string;
  input: (params: Record<string, string>, query: URLSearchParams, body: Body) => Record<string, unknown>;
};

const withId = (p: Record<string, string>, _q: URLSearchParams, b: Body) => ({ ...b, id: p.id });
const bodyOnly = (_p: Record<string, string>, _q: URLSearchParams, b: Body) => b;
/** `?why=` of a DELETE (absent stays absent, so the command's schema decides). */
const queryWhy = (q: URLSearchParams) => (q.has('why') ? { why: q.get('why') } : {});

const LEGACY_ROUTES: readonly Mapping[] = [
  // Flow OS
  { method: 'POST', path: '/v1/workflows', command: 'work.create_workflow', input: bodyOnly },
  { method: 'PATCH', path: '/v1/workflows/:id', command: 'work.update_workflow', input: withId },
  {
    method: 'DELETE', path: '/v1/workflows/:id', command: 'work.archive_workflow',
    input: (p, q, b) => ({ id: p.id, ...queryWhy(q), ...(b.why !== undefined && { why: b.why }), ...(b.version !== undefined && { version: b.version }) }),
  },
  { method: 'POST', path: '/v1/workflows/:id/restore', command: 'work.restore_workflow', input: withId },
  { method: 'POST', path: '/v1/workflows/:id/clone', command: 'work.clone_workflow', input: withId },
  { method: 'POST', path: '/v1/workflows/:id/save-as-template', command: 'work.save_as_template', input: withId },
  { method: 'POST', path: '/v1/workflows/:id/tasks', command: 'work.create_task', input: (p, _q, b) => ({ ...b, workflow_id: p.id }) },
  { method: 'PATCH', path: '/v1/tasks/:id', command: 'work.update_task', input: withId },
  { method: 'DELETE', path: '/v1/tasks/:id', command: 'work.delete_task', input: (p, q) => ({ id: p.id, ...queryWhy(q) }) },
  // The ledger's custom events
  { method: 'POST', path: '/v1/diffs', command: 'ledger.record_event', input: bodyOnly },
  // Identity
  { method: 'POST', path: '/v1/members', command: 'identity.invite_member', input: bodyOnly },
  { method: 'PATCH', path: '/v1/members/:id', command: 'identity.change_member_role', input: (p, _q, b) => ({ ...b, user_id: p.id }) },
  { method: 'DELETE', path: '/v1/members/:id', command: 'identity.remove_member', input: (p, q) => ({ user_id: p.id, ...queryWhy(q) }) },
  { method: 'DELETE', path: '/v1/invitations/:id', command: 'identity.revoke_invitation', input: (p) => ({ id: p.id }) },
  { method: 'POST', path: '/v1/api-keys', command: 'identity.create_api_key', input: bodyOnly },
  { method: 'DELETE', path: '/v1/api-keys/:id', command: 'identity.revoke_api_key', input: (p) => ({ id: p.id }) },
  { method: 'PATCH', path: '/v1/tenant', command: 'identity.update_tenant', input: bodyOnly },
  // AI
  { method: 'PUT', path: '/v1/ai/budget', command: 'ai.set_budget', input: bodyOnly },
  { method: 'PUT', path: '/v1/ai/settings', command: 'ai.update_settings', input: bodyOnly },
  { method: 'POST', path: '/v1/ai/prompts', command: 'ai.create_prompt', input: bodyOnly },
  { method: 'POST', path: '/v1/ai/prompts/:id/versions', command: 'ai.add_prompt_version', input: withId },
  { method: 'POST', path: '/v1/ai/prompts/:id/pin', command: 'ai.pin_prompt_version', input: withId },
  // Rules
  { method: 'POST', path: '/v1/rules', command: 'rules.create_rule', input: bodyOnly },
  { method: 'PATCH', path: '/v1/rules/:id', command: 'rules.update_rule', input: withId },
  { method: 'POST', path: '/v1/rules/:id/enable', command: 'rules.enable_rule', input: withId },
  { method: 'POST', path: '/v1/rules/:id/disable', command: 'rules.disable_rule', input: withId },
  { method: 'DELETE', path: '/v1/rules/:id', command: 'rules.delete_rule', input: withId },
  { method: 'POST', path: '/v1/rule-packs/:id/enable', command: 'rules.enable_pack', input: (p) => ({ id: p.id }) },
  { method: 'POST', path: '/v1/rule-packs/:id/disable', command: 'rules.disable_pack', input: (p) => ({ id: p.id }) },
];

/** The path parameters when `path` matches `pattern` (segments decoded, a trailing slash tolerated), else null. */
function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/');
  const got = (path.length > 1 ? path.replace(/\/+$/, '') : path).split('/');
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (const [i, w] of want.entries()) {
    const g = got[i]!;
    if (w.startsWith(':')) {
      try {
        params[w.slice(1)] = decodeURIComponent(g);
      } catch {
        return null;
      }
      if (params[w.slice(1)] === '') return null;
    } else if (w !== g) return null;
  }
  return params;
}

/**
 * The command a legacy held request stands for, or null when no command replaces it (a route
 * that is no business change: those are refused with APPROVAL_FAILED, to be rejected). The
 * command validates the input as always: anything the route would not have taken fails there.
 */
export function legacyCommand(held: { method?: string; url?: string; body?: unknown }): HeldCommand | null {
  if (!held.method || !held.url) return null;
  const url = new URL(held.url, 'http://held.invalid');
  const body = held.body && typeof held.body === 'object' && !Array.isArray(held.body) ? (held.body as Body) : {};
  for (const m of LEGACY_ROUTES) {
    if (m.method !== held.method.toUpperCase()) continue;
    const params = match(m.path, url.pathname);
    if (params) return { command: m.command, input: m.input(params, url.searchParams, body) };
  }
  return null;
}
