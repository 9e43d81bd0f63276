import type { ColumnType } from 'kysely';
import type { CreatedAt, Json, JsonObject } from '../../platform/schema.js';

type Defaulted<T> = ColumnType<T, T | undefined, T>;
/** numeric columns come back from pg as strings; we write numbers. */
type Numeric = ColumnType<string | number, number | string | undefined, number | string>;

export interface AiTables {
  ai_settings: {
    tenant_id: string;
    aliases: Defaulted<JsonObject>;
    providers: Defaulted<JsonObject>;
    prices: Defaulted<JsonObject>;
    store_prompts: Defaulted<boolean>;
    cache_ttl_seconds: Defaulted<number>;
    updated_at: Defaulted<Date>;
    version: Defaulted<number>;
  };
  ai_prompts: {
    id: string;
    tenant_id: string;
    name: string;
    description: Defaulted<string>;
    pinned_version: number | null;
    latest_version: Defaulted<number>;
    created_by: string;
    created_at: CreatedAt;
    updated_at: Defaulted<Date>;
  };
  ai_prompt_versions: {
    tenant_id: string;
    prompt_id: string;
    version: number;
    template: string;
    system: string | null;
    variables: Defaulted<string[]>;
    created_by: string;
    created_at: CreatedAt;
  };
  ai_cache: {
    tenant_id: string;
    key: string;
    response: Json;
    expires_at: Date;
    created_at: CreatedAt;
  };
  ai_usage: {
    id: string;
    tenant_id: string;
    created_at: CreatedAt;
    kind: Defaulted<'complete' | 'embed'>;
    alias: string;
    provider: string;
    model: string;
    feature: Defaulted<string>;
    input_tokens: Defaulted<number>;
    output_tokens: Defaulted<number>;
    cost_usd: Numeric;
    latency_ms: Defaulted<number>;
    cached: Defaulted<boolean>;
    fallback_used: Defaulted<boolean>;
    prompt_id: string | null;
    prompt_version: number | null;
  };
  ai_budgets: {
    tenant_id: string;
    monthly_tokens: ColumnType<string | number | null, number | null | undefined, number | null>;
    monthly_cost_usd: ColumnType<string | number | null, number | null | undefined, number | null>;
    allow_offline: Defaulted<boolean>;
    warned_month: string | null;
    used_month: string | null;
    used_tokens: ColumnType<string | number, number | undefined, number>;
    used_cost_usd: Numeric;
    updated_at: Defaulted<Date>;
  };
  /** Circuit-breaker states shared by every process, one row per provider endpoint (no tenant_id, no RLS: atrium_system only). */
  ai_breakers: {
    key: string;
    opened_at: Date | null;
    changed_at: Date;
  };
}

// This module's tables join the one Database type (see platform/db/database.ts).
declare module '../../platform/db/database.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Database extends AiTables {}
}
