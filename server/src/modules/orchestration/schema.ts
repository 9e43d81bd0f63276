import type { ColumnType, Generated } from 'kysely';
import type { CreatedAt, Json } from '../../platform/schema.js';

export type RunStatus = 'queued' | 'running' | 'waiting' | 'compensating' | 'completed' | 'failed' | 'compensated' | 'compensation_failed' | 'cancelled';
export type RunTrigger = 'api' | 'rule' | 'schedule' | 'event' | 'sub_flow' | 'replay' | 'fork' | 'cli';
export type StepStatus = 'completed' | 'failed' | 'skipped' | 'waiting' | 'compensated' | 'compensation_failed';
export type WaitKind = 'event' | 'approval' | 'child' | 'timer';

export interface OrchestrationTables {
  flows: {
    id: string; tenant_id: string; key: string; name: string; description: string;
    status: ColumnType<'active' | 'paused' | 'archived', 'active' | 'paused' | 'archived' | undefined>;
    latest_version: string; created_by: string; created_at: CreatedAt; updated_at: ColumnType<Date, Date | undefined, Date>;
  };
  flow_versions: { tenant_id: string; flow_id: string; version: string; definition: Json; created_by: string; created_at: CreatedAt };
  flow_runs: {
    id: string; tenant_id: string; flow_id: string; version: string; status: RunStatus;
    input: Json; output: Json | null; error: Json | null;
    actor_type: string; actor_id: string; scopes: string[]; trigger: RunTrigger;
    idempotency_key: string | null; concurrency_key: string | null; priority: ColumnType<number, number | undefined>;
    cause_diff_id: number | null; started_diff_id: number | null;
    parent_run_id: string | null; parent_step: string | null; source_run_id: string | null; fork_step: string | null;
    wakes: ColumnType<number, number | undefined>; wake_at: Date | null; deadline_at: Date | null; lease_owner: string | null; lease_until: Date | null;
    created_at: CreatedAt; started_at: Date | null; finished_at: Date | null; pruned_at: Date | null;
  };
  flow_steps: {
    tenant_id: string; run_id: string; step_key: string; attempt: number; step_type: string; status: StepStatus;
    branch: string | null; input: Json | null; output: Json | null; error: Json | null; retry_at: Date | null;
    started_at: Date; finished_at: Date | null; seq: Generated<string>;
  };
  flow_waits: {
    tenant_id: string; run_id: string; step_key: string; kind: WaitKind; namespace: string | null; event: string | null; entity_id: string | null;
    spec: Json; decisions: ColumnType<Json, Json | undefined>; until: Date | null; created_at: CreatedAt;
  };
  flow_triggers: { tenant_id: string; flow_id: string; idx: number; kind: 'schedule' | 'event'; spec: Json; next_at: Date | null };
  flow_settings: { tenant_id: string; retention_days: ColumnType<number, number | undefined>; keep_runs: number | null; updated_at: ColumnType<Date, Date | undefined, Date> };
}

// This module's tables join the one Database type (see platform/db/database.ts).
declare module '../../platform/db/database.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Database extends OrchestrationTables {}
}
