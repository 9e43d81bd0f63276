// Prompt templates with versions: a template is named, each edit is a new immutable
// version, one version may be pinned (calls use the pinned one, else the latest), and
// every call records which version it used. Variables are {{name}}; a missing one is a 400.
import type { Ctx } from '../../platform/context.js';
import type { Tx } from '../../platform/db/index.js';
import { AppError, errors } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { Ledger } from '../ledger/index.js';

const VARIABLE = /\{\{\s*([a-zA-Z_][\w.]*)\s*\}\}/g;

export const variablesOf = (template: string): string[] => [...new Set([...template.matchAll(VARIABLE)].map((m) => m[1]!))];

export function render(template: string, vars: Record<string, unknown>): string {
  const missing = variablesOf(template).filter((v) => vars[v] === undefined || vars[v] === null);
  if (missing.length > 0) {
    throw new AppError('TEMPLATE_VARIABLES_MISSING', 400, `The template needs: ${missing.join(', ')}.`, missing.map((m) => ({ path: `body.variables.${m}`, message: 'required by the template' })));
  }
  return template.replace(VARIABLE, (_, name: string) => {
    const v = vars[name];
    return typeof v === 'string' ? v : JSON.stringify(v);
  });
}

export type PromptVersionView = { version: number; template: string; system: string | null; variables: string[]; created_by: string; created_at: string };
export type PromptView = { id: string; name: string; description: string; pinned_version: number | null; latest_version: number; active_version: number; created_at: string; updated_at: string };

type PromptRow = { id: string; name: string; description: string; pinned_version: number | null; latest_version: number; created_at: Date; updated_at: Date };

const view = (r: PromptRow): PromptView => ({
  id: r.id, name: r.name, description: r.description, pinned_version: r.pinned_version, latest_version: r.latest_version,
  active_version: r.pinned_version ?? r.latest_version, created_at: r.created_at.toISOString(), updated_at: r.updated_at.toISOString(),
});

const versionView = (r: { version: number; template: string; system: string | null; variables: string[]; created_by: string; created_at: Date }): PromptVersionView => ({
  version: r.version, template: r.template, system: r.system, variables: r.variables, created_by: r.created_by, created_at: r.created_at.toISOString(),
});

async function loadPrompt(tx: Tx, id: string, lock = false): Promise<PromptRow> {
  let q = tx.selectFrom('ai_prompts').select(['id', 'name', 'description', 'pinned_version', 'latest_version', 'created_at', 'updated_at']).where('id', '=', id);
  if (lock) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw errors.notFound('Prompt template');
  return row;
}

export async function listPrompts(tx: Tx): Promise<PromptView[]> {
  const rows = await tx.selectFrom('ai_prompts').select(['id', 'name', 'description', 'pinned_version', 'latest_version', 'created_at', 'updated_at']).orderBy('name').execute();
  return rows.map(view);
}

export async function getPrompt(tx: Tx, id: string) {
  const p = await loadPrompt(tx, id);
  const versions = await listVersions(tx, id);
  return { ...view(p), versions };
}

export async function listVersions(tx: Tx, id: string): Promise<PromptVersionView[]> {
  await loadPrompt(tx, id);
  const rows = await tx.selectFrom('ai_prompt_versions').select(['version', 'template', 'system', 'variables', 'created_by', 'created_at']).where('prompt_id', '=', id).orderBy('version', 'desc').execute();
  return rows.map(versionView);
}

export type NewPrompt = { name: string; description?: string; template: string; system?: string; why?: string };

export async function createPrompt(ctx: Ctx, ledger: Ledger, input: NewPrompt): Promise<string> {
  const existing = await ctx.tx.selectFrom('ai_prompts').select('id').where('name', '=', input.name).executeTakeFirst();
  if (existing) throw errors.conflict('PROMPT_EXISTS', `A template named "${input.name}" exists: add a version to it instead.`, [{ path: 'body.name', message: 'taken', id: existing.id }]);
  const id = newId('prm');
  await ctx.tx.insertInto('ai_prompts').values({ id, tenant_id: ctx.tenantId, name: input.name, description: input.description ?? '', pinned_version: null, latest_version: 1, created_by: ctx.actor.id }).execute();
  await insertVersion(ctx, id, 1, input);
  await ledger.record(ctx, { namespace: 'ai', entityType: 'ai_prompt', entityId: id, event: 'ai_prompt.created', after: { name: input.name, description: input.description ?? '', version: 1, template: input.template, system: input.system ?? null }, why: input.why ?? null });
  return id;
}

async function insertVersion(ctx: Ctx, id: string, version: number, input: { template: string; system?: string }): Promise<void> {
  await ctx.tx.insertInto('ai_prompt_versions').values({
    tenant_id: ctx.tenantId, prompt_id: id, version, template: input.template, system: input.system ?? null,
    variables: variablesOf(`${input.system ?? ''}\n${input.template}`), created_by: ctx.actor.id,
  }).execute();
}

export async function addVersion(ctx: Ctx, ledger: Ledger, id: string, input: { template: string; system?: string; why?: string }): Promise<PromptVersionView> {
  const p = await loadPrompt(ctx.tx, id, true);
  const version = p.latest_version + 1;
  await insertVersion(ctx, id, version, input);
  await ctx.tx.updateTable('ai_prompts').set({ latest_version: version, updated_at: new Date() }).where('id', '=', id).execute();
  await ledger.record(ctx, { namespace: 'ai', entityType: 'ai_prompt', entityId: id, event: 'ai_prompt.versioned', before: { version: p.latest_version }, after: { version, template: input.template, system: input.system ?? null }, why: input.why ?? null });
  const row = await ctx.tx.selectFrom('ai_prompt_versions').select(['version', 'template', 'system', 'variables', 'created_by', 'created_at']).where('prompt_id', '=', id).where('version', '=', version).executeTakeFirstOrThrow();
  return versionView(row);
}

/** Pins a version (null unpins: calls follow the latest again). */
export async function pinVersion(ctx: Ctx, ledger: Ledger, id: string, version: number | null, why?: string): Promise<void> {
  const p = await loadPrompt(ctx.tx, id, true);
  if (version !== null && (version < 1 || version > p.latest_version)) throw errors.validation([{ path: 'body.version', message: `no such version (1…${p.latest_version})` }]);
  await ctx.tx.updateTable('ai_prompts').set({ pinned_version: version, updated_at: new Date() }).where('id', '=', id).execute();
  await ledger.record(ctx, { namespace: 'ai', entityType: 'ai_prompt', entityId: id, event: 'ai_prompt.pinned', before: { pinned_version: p.pinned_version }, after: { pinned_version: version }, why: why ?? null });
}

/** The version a call uses (the given one, else the pinned, else the latest), rendered. */
export async function renderPrompt(tx: Tx, id: string, vars: Record<string, unknown>, version?: number) {
  const p = await loadPrompt(tx, id);
  const v = version ?? p.pinned_version ?? p.latest_version;
  const row = await tx.selectFrom('ai_prompt_versions').select(['template', 'system']).where('prompt_id', '=', id).where('version', '=', v).executeTakeFirst();
  if (!row) throw errors.validation([{ path: 'body.version', message: `no such version (1…${p.latest_version})` }]);
  render(`${row.system ?? ''}\n${row.template}`, vars); // names every missing variable at once
  return { prompt_id: id, version: v, text: render(row.template, vars), system: row.system === null ? null : render(row.system, vars) };
}
