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
}
