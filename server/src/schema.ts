// The whole database as Kysely sees it: platform/db/database.ts, which each module's
// schema.ts extends by declaration merging. Re-exported here for scripts and tests.
export type { Database } from './platform/db/database.js';
