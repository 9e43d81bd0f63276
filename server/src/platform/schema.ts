import type { ColumnType } from 'kysely';

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };
/** A timestamp column with a database default. */
export type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

export interface PlatformTables {
  idempotency_keys: {
    tenant_id: string;
    principal_id: string;
    key: string;
    request_hash: string;
    status_code: number | null;
    response: Json | null;
    created_at: CreatedAt;
  };
  /** Fixed-window request counters (http/rate-limit.ts; created by migration 0004, UNLOGGED). */
  rate_limit_windows: { key: string; window_start: Date; hits: number };
  /** Circuit breaker states shared by every process (shared-breakers.ts; migration 0017). */
  breakers: { key: string; opened_at: Date | null; changed_at: Date };
  /** The SecretBox's generated key when ATRIUM_SECRET_KEY is not set (secrets.ts; created by migration 0004). */
  platform_secrets: { name: string; value: string; created_at: CreatedAt };
}
