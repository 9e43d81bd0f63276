// The orchestration module's configuration: how many runs one process advances at once, how
// long an executor's claim on a run lasts without renewal, and where http steps may go.
import { z } from 'zod';
import { bool, defineConfig } from '../../platform/config.js';

export type OrchestrationConfig = {
  /** Runs one process advances at the same time. */
  flowSlots: number;
  /** A run claimed by an executor that stops renewing is taken over after this long (kill -9 → resume). */
  flowLeaseMs: number;
  /** http steps may call loopback/private addresses (intranets, tests). Link-local and metadata never. */
  flowHttpAllowPrivate: boolean;
};

export const ORCHESTRATION_CONFIG = defineConfig(
  {
    ATRIUM_FLOW_SLOTS: z.coerce.number().int().min(1).max(1000).default(32),
    ATRIUM_FLOW_LEASE_MS: z.coerce.number().int().min(1000).max(600_000).default(4000),
    ATRIUM_FLOW_HTTP_ALLOW_PRIVATE: bool.default(false),
  },
  (c): OrchestrationConfig => ({
    flowSlots: c.ATRIUM_FLOW_SLOTS,
    flowLeaseMs: c.ATRIUM_FLOW_LEASE_MS,
    flowHttpAllowPrivate: c.ATRIUM_FLOW_HTTP_ALLOW_PRIVATE,
  }),
);

declare module '../../platform/config.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface AtriumConfig extends OrchestrationConfig {}
}
