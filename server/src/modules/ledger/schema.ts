import type { ColumnType, Generated } from 'kysely';
import type { CreatedAt, Json, JsonObject } from '../../platform/schema.js';

export type ActorType = 'user' | 'agent' | 'rule' | 'system' | 'api_key';

export interface LedgerTables {
  diffs: {
    id: Generated<number>;
    tenant_id: string;
    namespace: string;
    entity_type: string;
    entity_id: string;
    event: string;
    value_before: Json | null;
    value_after: Json | null;
    metadata: ColumnType<JsonObject, JsonObject | undefined>;
    actor_type: ActorType;
    actor_id: string;
    causation_id: number | null;
    correlation_id: string | null;
    scope_id: ColumnType<string | null, string | null | undefined>;
    created_at: CreatedAt;
  };
  annotations: {
    id: string;
    tenant_id: string;
    diff_id: number;
    author_type: string;
    author_id: string;
    why: string;
    sentiment: number;
    created_at: CreatedAt;
  };
  /** One durable cursor per subscriber over the commit order (xact_id, id). */
  ledger_subscriptions: { name: string; xact_id: string; diff_id: number; updated_at: ColumnType<Date, Date | undefined, Date> };
  entity_snapshots: {
    tenant_id: string;
    entity_type: string;
    entity_id: string;
    diff_id: number;
    diff_count: number;
    state: Json | null;
    created_at: CreatedAt;
  };
}

// This module's tables join the one Database type (see platform/db/database.ts).
declare module '../../platform/db/database.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Database extends LedgerTables {}
}
