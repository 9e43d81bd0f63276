import type { ColumnType } from 'kysely';
import type { CreatedAt, Json, JsonObject } from '../../platform/schema.js';

type Defaulted<T> = ColumnType<T, T | undefined, T>;
export type RuleKind = 'reactive' | 'precommit' | 'scheduled';
export type RunStatus = 'queued' | 'succeeded' | 'failed' | 'loop_cut' | 'skipped';
export type ApprovalStatus = 'pending' | 'approved' | 'rejected';

export interface RulesTables {
  rules: {
    id: string;
    tenant_id: string;
    name: string;
    description: Defaulted<string>;
    enabled: Defaulted<boolean>;
    kind: RuleKind;
    trigger: JsonObject;
    actions: ColumnType<Json[], string, string>;
    pack_id: string | null;
    created_by: string;
    created_at: CreatedAt;
    updated_at: Defaulted<Date>;
    deleted_at: Date | null;
    version: Defaulted<number>;
    active_after_diff: Defaulted<number>;
  };
  rule_runs: {
    id: string;
    tenant_id: string;
    rule_id: string;
    diff_id: number;
    action_index: number;
    action_type: string;
    entity_type: string;
    entity_id: string;
    status: RunStatus;
    effect: ColumnType<Json | null, string | null | undefined, string | null>;
    effect_diff_id: number | null;
    error: string | null;
    attempts: Defaulted<number>;
    duration_ms: number | null;
    created_at: CreatedAt;
    finished_at: Date | null;
  };
  webhook_deliveries: {
    id: string;
    tenant_id: string;
    run_id: string;
    attempt: number;
    url: string;
    status_code: number | null;
    error: string | null;
    duration_ms: number;
    next_retry_at: Date | null;
    created_at: CreatedAt;
  };
  approvals: {
    id: string;
    tenant_id: string;
    rule_id: string;
    status: Defaulted<ApprovalStatus>;
    requested_by: string;
    requester_type: string;
    namespace: string;
    entity_type: string;
    entity_id: string;
    event: string;
    proposed_before: ColumnType<Json | null, string | null, string | null>;
    proposed_after: ColumnType<Json | null, string | null, string | null>;
    request: ColumnType<JsonObject, string, string>;
    summary: string;
    decided_by: string | null;
    decision_why: string | null;
    decided_at: Date | null;
    created_at: CreatedAt;
  };
}

// This module's tables join the one Database type (see platform/db/database.ts).
declare module '../../platform/db/database.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Database extends RulesTables {}
}
