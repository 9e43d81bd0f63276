// Exact-match response cache in two tiers: Postgres (shared by every serve process; the
// tenant is part of the primary key and RLS keeps each workspace to its own rows) and, in
// front of it, a bounded in-memory LRU per process, so a repeated question costs no
// round trip. The key is a SHA-256 of the target model and the normalised request
// (whitespace-collapsed messages, schema, tools, sampling parameters). Entries expire after
// the workspace's TTL in both tiers. New entries go to memory at once and to Postgres with
// the call's metering (see meter.ts).
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Db, Tx } from '../../platform/db/index.js';
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

/**
 * The shared tier, in one round trip: `atrium_ai_cache_get` (migration 0011) enters the
 * application role and the tenant for its own statement, so row-level security applies as
 * in a tenant transaction — at a quarter of the round trips, on the path of every new question.
 */
export async function sharedCacheGet(db: Db, tenantId: string, key: string, now: Date): Promise<{ response: CachedResponse; expiresAt: Date } | null> {
  const { rows } = await db.ownerExecutor.executeSql('select response, expires_at from atrium_ai_cache_get($1, $2, $3)', [tenantId, key, now]);
  const row = rows[0] as { response: CachedResponse; expires_at: Date | string } | undefined;
  return row ? { response: row.response, expiresAt: new Date(row.expires_at) } : null;
}

/** Upserts entries (distinct keys) in one statement; now and then sweeps a few expired rows. */
export async function cachePutMany(tx: Tx, tenantId: string, entries: readonly { key: string; expiresAt: Date; value: CachedResponse }[], now: Date): Promise<void> {
  await tx
    .insertInto('ai_cache')
    .values(entries.map((e) => ({ tenant_id: tenantId, key: e.key, response: e.value as unknown as Json, expires_at: e.expiresAt })))
    .onConflict((oc) => oc.columns(['tenant_id', 'key']).doUpdateSet((eb) => ({ response: eb.ref('excluded.response'), expires_at: eb.ref('excluded.expires_at') })))
    .execute();
  // Expired rows are swept by the writes themselves, a few per entry written (one write in
  // 16 removes up to 20 per entry): no job needed, and sweeping outpaces writing.
  if (Math.random() < 1 / 16) await sql`delete from ai_cache where ctid in (select ctid from ai_cache where expires_at < ${now} limit ${20 * entries.length})`.execute(tx);
}

type MemoryEntry = { value: CachedResponse; expiresAt: number; bytes: number };

/** The in-process tier: least recently used out first once `maxBytes` is reached. */
export class MemoryCache {
  readonly #entries = new Map<string, MemoryEntry>();
  #bytes = 0;

  constructor(private readonly maxBytes = 32 * 1024 * 1024) {}

  get(tenantId: string, key: string, now: number): CachedResponse | null {
    const k = `${tenantId}:${key}`;
    const e = this.#entries.get(k);
    if (!e) return null;
    this.#entries.delete(k);
    if (e.expiresAt <= now) {
      this.#bytes -= e.bytes;
      return null;
    }
    this.#entries.set(k, e);
    return e.value;
  }

  put(tenantId: string, key: string, value: CachedResponse, expiresAt: number): void {
    const k = `${tenantId}:${key}`;
    const bytes = 2 * JSON.stringify(value).length + 200;
    if (bytes > this.maxBytes / 8) return;
    const old = this.#entries.get(k);
    if (old) {
      this.#bytes -= old.bytes;
      this.#entries.delete(k);
    }
    this.#entries.set(k, { value, expiresAt, bytes });
    this.#bytes += bytes;
    for (const [oldest, e] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      this.#entries.delete(oldest);
      this.#bytes -= e.bytes;
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}
