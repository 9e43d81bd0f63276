import type { CreatedAt } from '../../platform/schema.js';

export interface NotificationTables {
  notifications: {
    id: string;
    tenant_id: string;
    user_id: string;
    title: string;
    body: string;
    link: string | null;
    entity_type: string | null;
    entity_id: string | null;
    source_diff_id: number | null;
    read_at: Date | null;
    created_at: CreatedAt;
  };
}

// This module's tables join the one Database type (see platform/db/database.ts).
declare module '../../platform/db/database.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Database extends NotificationTables {}
}
