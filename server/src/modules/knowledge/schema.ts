import type { ColumnType } from 'kysely';
import type { CreatedAt, Json } from '../../platform/schema.js';

export type SourceStatus = 'queued' | 'parsing' | 'parsed' | 'failed';
export type OutputKind = 'brief' | 'qa' | 'source_map' | 'podcast';
export type OutputStatus = 'queued' | 'running' | 'ready' | 'failed';
type Updated = ColumnType<Date, Date | undefined, Date>;
type JsonCol = ColumnType<Json, string | undefined, string>;
type Count = ColumnType<string, number | undefined, number>;

export interface KnowledgeTables {
  notebooks: {
    id: string; tenant_id: string; name: string; description: ColumnType<string, string | undefined, string>; tags: JsonCol;
    created_by: string; created_at: CreatedAt; updated_at: Updated; archived_at: Date | null;
  };
  knowledge_sources: {
    id: string; tenant_id: string; notebook_id: string; origin: 'upload' | 'url'; name: string; url: string | null; mime: string | null;
    type: string | null; size: Count; blob_id: string | null; sha256: string | null; status: SourceStatus;
    progress: ColumnType<number, number | undefined, number>; error_code: string | null; error_message: string | null; title: string | null;
    pages: number | null; chunks: ColumnType<number, number | undefined, number>; warnings: JsonCol; attempts: ColumnType<number, number | undefined, number>;
    created_by: string; created_at: CreatedAt; parsed_at: Date | null; removed_at: Date | null;
  };
  knowledge_chunks: {
    id: string; tenant_id: string; notebook_id: string; source_id: string; ord: number; page: number | null; section: string | null;
    anchor: string; kind: string; text: string; embedding: number[] | null;
  };
  knowledge_outputs: {
    id: string; tenant_id: string; notebook_id: string; kind: OutputKind; version: number; status: OutputStatus;
    progress: ColumnType<number, number | undefined, number>; content: ColumnType<Json | null, string | null | undefined, string | null>;
    provider: string | null; model: string | null; cost_usd: ColumnType<string, number | undefined, number>; ms: number | null; error: string | null;
    why: string | null; created_by: string; created_at: CreatedAt; finished_at: Date | null;
  };
}

declare module '../../platform/db/database.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Database extends KnowledgeTables {}
}
