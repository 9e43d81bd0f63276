import type { ColumnType, Generated } from 'kysely';
import type { CreatedAt, Json } from '../../platform/schema.js';

export type AgentStatus = 'idle' | 'active' | 'sleeping' | 'error' | 'paused';
export type ToolMode = 'direct' | 'approval';
export type ProposalStatus = 'reviewing' | 'pending' | 'revising' | 'approved' | 'rejected' | 'superseded';
export type WakeReason = 'manual' | 'rule' | 'mention' | 'handoff' | 'message';
type Updated = ColumnType<Date, Date | undefined, Date>;
type Numeric = ColumnType<string, string | number | null | undefined, string | number | null>;

export interface AgentsTables {
  agents: {
    id: string; tenant_id: string; template: string | null; name: string; colour: ColumnType<string, string | undefined, string>;
    avatar: ColumnType<string, string | undefined, string>; department: string | null; persona: ColumnType<string, string | undefined, string>;
    manual: ColumnType<string, string | undefined, string>; version: ColumnType<number, number | undefined, number>;
    model_alias: ColumnType<string, string | undefined, string>; tools: ColumnType<Json, string | undefined, string>;
    reviewer_id: string | null; monthly_tokens: ColumnType<string | null, number | null | undefined, number | null>;
    monthly_cost_usd: ColumnType<string | null, number | null | undefined, number | null>;
    used_month: string | null; used_tokens: ColumnType<string, number | undefined, number>; used_cost_usd: Numeric; warned_month: string | null;
    status: ColumnType<AgentStatus, AgentStatus | undefined, AgentStatus>; enabled: ColumnType<boolean, boolean | undefined, boolean>;
    every_minutes: ColumnType<number, number | undefined, number>; offset_minutes: ColumnType<number, number | undefined, number>;
    next_wake_at: Date | null; last_wake_at: Date | null; last_outcome: ColumnType<Json | null, string | null | undefined, string | null>;
    configured_by: string; archived_at: Date | null; created_at: CreatedAt; updated_at: Updated;
  };
  agent_versions: { tenant_id: string; agent_id: string; version: number; persona: string; manual: string; created_by: string; created_at: CreatedAt };
  agent_memories: {
    id: string; tenant_id: string; agent_id: string; tier: 'working' | 'fact'; key: string; value: string;
    confidence: ColumnType<number, number | undefined, number>; tokens: ColumnType<number, number | undefined, number>;
    source_diff_id: ColumnType<string | null, number | null | undefined, number | null>;
    status: ColumnType<'active' | 'contradicted' | 'archived', 'active' | 'contradicted' | 'archived' | undefined, 'active' | 'contradicted' | 'archived'>;
    conflicts_with: string | null; last_confirmed_at: ColumnType<Date, Date | undefined, Date>; created_at: CreatedAt; updated_at: Updated;
  };
  agent_log: {
    id: Generated<string>; tenant_id: string; agent_id: string; day: ColumnType<string, string, never>; at: Date; kind: string; text: string;
    run_id: string | null; diff_id: ColumnType<string | null, number | null | undefined, never>;
  };
  agent_proposals: {
    id: string; tenant_id: string; agent_id: string; run_id: string | null; iteration: ColumnType<number, number | undefined, number>;
    command: string; input: ColumnType<Json, string, string>; summary: string; why: string; priority: ColumnType<number, number | undefined, number>;
    status: ProposalStatus; reviews: ColumnType<Json, string | undefined, string>; disputed: ColumnType<boolean, boolean | undefined, boolean>;
    entity_type: string | null; entity_id: string | null; entity_diff_id: ColumnType<string | null, number | null | undefined, number | null>;
    proposed_diff_id: ColumnType<string | null, number | null | undefined, number | null>;
    edited_input: ColumnType<Json | null, string | null | undefined, string | null>; decided_by: string | null; decision_why: string | null;
    decided_at: Date | null; result: ColumnType<Json | null, string | null | undefined, string | null>; created_at: CreatedAt; updated_at: Updated;
  };
  agent_messages: {
    id: string; tenant_id: string; thread: string; from_type: string; from_id: string; to_type: string; to_id: string; kind: 'message' | 'handoff';
    body: string; context: ColumnType<Json | null, string | null | undefined, never>; diff_id: ColumnType<string | null, number | null | undefined, never>; created_at: CreatedAt;
  };
  agent_wakes: {
    id: string; tenant_id: string; agent_id: string; reason: WakeReason; detail: ColumnType<Json, string | undefined, never>;
    cause_diff_id: ColumnType<string | null, number | null | undefined, never>; taken_at: Date | null; created_at: CreatedAt;
  };
}

declare module '../../platform/db/database.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Database extends AgentsTables {}
}
