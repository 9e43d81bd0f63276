// Exact-match response cache in Postgres (shared by every serve process): the key is a
// SHA-256 of the target model and the normalised request (whitespace-collapsed messages,
// schema, tools, sampling parameters); the tenant is part of the primary key and RLS
// keeps each workspace to its own rows. Entries expire after the workspace's TTL.
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Tx } from '../../platform/db/index.js';
import type { Json } from '../../platform/schema.js';
import type { ModelRequest, ToolCall } from './types.js';

export type CachedResponse = { text: string; json?: unknown; tool_calls?: ToolCall[]; provider: string; model: string; input_tokens: number; output_tokens: number };

const normalise = (s: string): string => s.replace(/\s+/g, ' ').trim();

export function cacheKey(provider: string, model: string, req: ModelRequest): string {
  const canonical = JSON.stringify({
    p: provider, m: model,
    msgs: req.messages.map((m) => ({ ...m, content: normalise(m.content) })),
    schema: req.schema ?? null, tools: req.tools ?? null, t: req.temperature ?? null, max: req.maxTokens ?? null,
  });
  return createHash('sha256').update(canonical).digest('hex');
}

export async function cacheGet(tx: Tx, key: string, now: Date): Promise<CachedResponse | null> {
  const row = await tx.selectFrom('ai_cache').select('response').where('key', '=', key).where('expires_at', '>', now).executeTakeFirst();
  return (row?.response as CachedResponse | undefined) ?? null;
}

export async function cachePut(tx: Tx, tenantId: string, key: string, value: CachedResponse, ttlSeconds: number, now: Date): Promise<void> {
  const expires = new Date(now.getTime() + ttlSeconds * 1000);
  await tx
    .insertInto('ai_cache')
    .values({ tenant_id: tenantId, key, response: value as unknown as Json, expires_at: expires })
    .onConflict((oc) => oc.columns(['tenant_id', 'key']).doUpdateSet({ response: value as unknown as Json, expires_at: expires }))
    .execute();
  // Expired rows are swept a few at a time by one write in 16: no job needed.
  if (Math.random() < 1 / 16) await sql`delete from ai_cache where ctid in (select ctid from ai_cache where expires_at < ${now} limit 20)`.execute(tx);
}
