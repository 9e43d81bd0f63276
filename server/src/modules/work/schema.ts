import type { ColumnType } from 'kysely';
import type { CreatedAt, Json, JsonObject } from '../../platform/schema.js';
import type { Health } from './health.js';

export type TaskStatus = 'todo' | 'in_progress' | 'blocked' | 'done' | 'failed';
export type Priority = 'low' | 'normal' | 'high' | 'urgent';

type Defaulted<T> = ColumnType<T, T | undefined, T>;

export interface WorkTables {
  workflows: {
    id: string;
    tenant_id: string;
    name: string;
    description: Defaulted<string>;
    status: Defaulted<'active' | 'archived'>;
    department: Defaulted<string>;
    owner_id: string | null;
    template_id: string | null;
    template_version: string | null;
    cloned_from: string | null;
    settings: Defaulted<JsonObject>;
    start_date: ColumnType<string | null, string | null | undefined, string | null>;
    started_from: string | null;
    health: Defaulted<Health>;
    archived_at: Date | null;
    created_at: CreatedAt;
    updated_at: Defaulted<Date>;
    version: Defaulted<number>;
  };
  tasks: {
    id: string;
    tenant_id: string;
    workflow_id: string;
    name: string;
    description: Defaulted<string>;
    status: Defaulted<TaskStatus>;
    assignee_id: string | null;
    due_date: ColumnType<string | null, string | null | undefined, string | null>;
    priority: Defaulted<Priority>;
    rank: string;
    tags: Defaulted<string[]>;
    blocked_at: Date | null;
    completed_at: Date | null;
    created_at: CreatedAt;
    updated_at: Defaulted<Date>;
    version: Defaulted<number>;
  };
  workflow_templates: {
    id: string;
    tenant_id: string;
    name: string;
    description: Defaulted<string>;
    department: Defaulted<string>;
    version: Defaulted<string>;
    tasks: Json;
    source_workflow_id: string | null;
    created_by: string;
    created_at: CreatedAt;
  };
}

// This module's tables join the one Database type (see platform/db/database.ts).
declare module '../../platform/db/database.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Database extends WorkTables {}
}
