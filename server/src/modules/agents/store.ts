// Reading agents and checking what they may do: an agent acts only through its tools, and never
// with more rights than the person who configured it has now.
import type { CommandRegistry } from '../../platform/commands.js';
import type { Tx } from '../../platform/db/index.js';
import { AppError, errors } from '../../platform/errors.js';
import { hasScope } from '../../platform/http/route.js';
import type { Principal } from '../../platform/context.js';
import { ROLE_SCOPES, type Identity } from '../identity/index.js';
import { NOT_TOOLS, type AgentRow, type Tool } from './model.js';

export async function loadAgent(tx: Tx, id: string, opts: { lock?: boolean } = {}): Promise<AgentRow> {
  let q = tx.selectFrom('agents').selectAll().where('id', '=', id);
  if (opts.lock) q = q.forUpdate();
  const a = await q.executeTakeFirst();
  if (!a) throw errors.notFound('Agent');
  return a;
}

export type RightsDeps = { commands: Pick<CommandRegistry, 'has' | 'scopeOf'>; identity: Pick<Identity, 'directory'> };

/** The scopes a member holds now (none for someone who left the workspace). */
export async function scopesOf(tx: Tx, d: RightsDeps, userId: string): Promise<readonly string[]> {
  const me = (await d.identity.directory(tx)).find((p) => p.user_id === userId);
  return me ? ROLE_SCOPES[me.role as keyof typeof ROLE_SCOPES] ?? [] : [];
}

const asHolder = (scopes: readonly string[]): Principal => ({ tenantId: '', actor: { type: 'user', id: '' }, userId: null, tokenId: '', kind: 'session', role: null, scopes, plan: 'free', stepUpAt: null, platformRole: null });

/** Refuses tools that do not exist (400) or that the configuring person may not use (403), naming each. */
export function checkTools(d: RightsDeps, tools: readonly Tool[], scopes: readonly string[], at = 'body.tools'): void {
  const unknown = tools.map((t, i) => ({ t, i })).filter(({ t }) => !d.commands.has(t.command) || NOT_TOOLS.test(t.command));
  if (unknown.length > 0) throw errors.badRequest('UNKNOWN_TOOL', 'An agent’s tools are commands of the registry (GET /v1/agents/tools lists them).', unknown.map(({ t, i }) => ({ path: `${at}.${i}.command`, message: `no tool "${t.command}"` })));
  const holder = asHolder(scopes);
  const beyond = tools.map((t, i) => ({ t, i, scope: d.commands.scopeOf(t.command)! })).filter(({ t, scope }) => !hasScope(holder, scope, t.command.split('.')[0]!));
  if (beyond.length > 0) {
    throw new AppError('TOOL_BEYOND_RIGHTS', 403, 'An agent never has more rights than the person who configures it.', beyond.map(({ t, i, scope }) => ({ path: `${at}.${i}.command`, message: `${t.command} needs the "${scope}" scope, which you do not have` })));
  }
}

/** Whether the agent may call this tool now (one of its tools, within its configurer's rights). */
export function toolOf(agent: AgentRow, command: string): Tool | null {
  return (agent.tools as Tool[]).find((t) => t.command === command) ?? null;
}

export function mayUse(d: RightsDeps, scopes: readonly string[], command: string): boolean {
  const scope = d.commands.scopeOf(command);
  return scope !== undefined && hasScope(asHolder(scopes), scope, command.split('.')[0]!);
}
