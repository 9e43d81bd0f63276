// The whole database as Kysely sees it. The platform declares its own tables here; each
// module adds its tables from its own schema.ts by declaration merging
// (`declare module '…/platform/db/database.js' { interface Database extends WorkTables {} }`),
// so the platform never imports a module and a new module edits no central file.
import type { PlatformTables } from '../schema.js';

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Database extends PlatformTables {}
