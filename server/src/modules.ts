// The modules of this build, one line each (their order here does not matter: app.ts creates
// and starts them after what they depend on, and stops them in reverse).
import { agentsModule } from './modules/agents/index.js';
import { aiModule } from './modules/ai/index.js';
import { identityModule } from './modules/identity/index.js';
import { knowledgeModule } from './modules/knowledge/index.js';
import { ledgerModule } from './modules/ledger/index.js';
import { notificationsModule } from './modules/notifications/index.js';
import { orchestrationModule } from './modules/orchestration/index.js';
import { rulesModule } from './modules/rules/index.js';
import { workModule } from './modules/work/index.js';

export const MODULES = [ledgerModule, identityModule, workModule, notificationsModule, aiModule, rulesModule, orchestrationModule, agentsModule, knowledgeModule] as const;
