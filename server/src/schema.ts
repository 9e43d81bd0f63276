// The whole database as Kysely sees it, composed from the tables each module declares.
// Modules query only their own tables; this composition exists so one Kysely instance serves all.
import type { IdentityTables } from './modules/identity/schema.js';
import type { LedgerTables } from './modules/ledger/schema.js';
import type { WorkTables } from './modules/work/schema.js';
import type { RulesTables } from './modules/rules/schema.js';
import type { NotificationTables } from './modules/notifications/schema.js';
import type { AiTables } from './modules/ai/schema.js';
import type { PlatformTables } from './platform/schema.js';

export interface Database extends PlatformTables, IdentityTables, LedgerTables, WorkTables, RulesTables, NotificationTables, AiTables {}
