// The ledger's configuration section (its keys, validated with every other module's at load).
import { z } from 'zod';
import { defineConfig } from '../../platform/config.js';

export type LedgerConfig = {
  /** A replay snapshot every N diffs of an entity. */
  snapshotEvery: number;
  /** Snapshots cover only diffs older than this (late commits of a busy entity stay replayable). */
  snapshotLagSeconds: number;
};

export const LEDGER_CONFIG = defineConfig(
  {
    ATRIUM_SNAPSHOT_EVERY: z.coerce.number().int().min(10).default(500),
    ATRIUM_SNAPSHOT_LAG_SECONDS: z.coerce.number().int().min(0).default(60),
  },
  (c): LedgerConfig => ({ snapshotEvery: c.ATRIUM_SNAPSHOT_EVERY, snapshotLagSeconds: c.ATRIUM_SNAPSHOT_LAG_SECONDS }),
);

declare module '../../platform/config.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface AtriumConfig extends LedgerConfig {}
}
