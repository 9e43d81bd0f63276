// Prompt templates: create, list, read with versions, add a version, pin, render. The writes
// run as the module's commands (commands.ts): a require_approval rule holds them as such.
import { z } from 'zod';
import type { CommandRegistry } from '../../platform/commands.js';
import type { Db } from '../../platform/db/index.js';
import type { RouteRegistry } from '../../platform/http/route.js';
import { AI_COMMANDS, newPromptInput, pinInput, promptVersionInput } from './commands.js';
import { getPrompt, listPrompts, listVersions, renderPrompt } from './prompts.js';
import { idParam, promptSchema, promptVersionSchema } from './schemas.js';

export function registerPromptRoutes(r: RouteRegistry, db: Db, commands: CommandRegistry): void {
  const c = AI_COMMANDS;
  const withVersions = promptSchema.extend({ versions: z.array(promptVersionSchema) });

  r.add({
    method: 'GET', url: '/v1/ai/prompts', tags: ['ai'], scope: 'read', summary: 'Prompt templates', response: z.array(promptSchema),
    handler: async ({ principal }) => ({ data: await db.tenantTx(principal.tenantId, (tx) => listPrompts(tx)) }),
  });

  r.add({
    method: 'POST', url: '/v1/ai/prompts', tags: ['ai'], scope: 'write', successStatus: 201, summary: 'Create a template (version 1); {{variables}} are found in it',
    body: newPromptInput, response: withVersions,
    handler: async ({ principal, body, requestId }) => ({ data: await commands.execute<z.input<typeof withVersions>>(principal, c.createPrompt, body, { requestId }) }),
  });

  r.add({
    method: 'GET', url: '/v1/ai/prompts/:id', tags: ['ai'], scope: 'read', summary: 'A template with all its versions', params: idParam, response: withVersions,
    handler: async ({ principal, params }) => ({ data: await db.tenantTx(principal.tenantId, (tx) => getPrompt(tx, params.id)) }),
  });

  r.add({
    method: 'GET', url: '/v1/ai/prompts/:id/versions', tags: ['ai'], scope: 'read', summary: 'The versions of a template, newest first', params: idParam, response: z.array(promptVersionSchema),
    handler: async ({ principal, params }) => ({ data: await db.tenantTx(principal.tenantId, (tx) => listVersions(tx, params.id)) }),
  });

  r.add({
    method: 'POST', url: '/v1/ai/prompts/:id/versions', tags: ['ai'], scope: 'write', successStatus: 201, summary: 'Add a version (the latest; calls use it unless a version is pinned)',
    params: idParam, body: promptVersionInput, response: promptVersionSchema,
    handler: async ({ principal, params, body, requestId }) => ({ data: await commands.execute<z.input<typeof promptVersionSchema>>(principal, c.addPromptVersion, { ...body, id: params.id }, { requestId }) }),
  });

  r.add({
    method: 'POST', url: '/v1/ai/prompts/:id/pin', tags: ['ai'], scope: 'write', summary: 'Pin a version (null follows the latest again)',
    params: idParam, body: pinInput, response: withVersions,
    handler: async ({ principal, params, body, requestId }) => ({ data: await commands.execute<z.input<typeof withVersions>>(principal, c.pinPromptVersion, { ...body, id: params.id }, { requestId }) }),
  });

  r.add({
    method: 'POST', url: '/v1/ai/prompts/:id/render', tags: ['ai'], scope: 'read', summary: 'Render a version (default: pinned, else latest) with variables; writes nothing',
    params: idParam, body: z.strictObject({ variables: z.record(z.string(), z.json()).default({}), version: z.number().int().min(1).optional() }),
    response: z.object({ prompt_id: z.string(), version: z.number(), text: z.string(), system: z.string().nullable() }),
    handler: async ({ principal, params, body }) => ({ data: await db.tenantTx(principal.tenantId, (tx) => renderPrompt(tx, params.id, body.variables, body.version)) }),
  });
}
