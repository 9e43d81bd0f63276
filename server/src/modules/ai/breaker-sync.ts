// Circuit breakers shared by every process on the database. The hot path stays in memory (a
// closed breaker costs a field read); only a change of state is written — a breaker opening
// after its failures, or closing after a successful probe — to `ai_breakers`, and announced on
// the AI module's channel (`atrium_ai`, tenant field BREAKERS_NOTICE: no second LISTEN
// connection per process). Every process then reads the table and takes on any state newer than
// its own last change. So the first process to see 5 consecutive failures opens the breaker
// for all (the others stop within a NOTIFY's time instead of each spending its own 5), and
// `GET /v1/ai/providers` says the same whichever process answers. A process that starts, or
// listens again after a lost connection, reads the table too.
import type { Logger } from 'pino';
import { sql } from 'kysely';
import type { Db } from '../../platform/db/index.js';
import type { RealtimeHub } from '../../platform/realtime.js';
import { Breakers } from './resilience.js';

/** The `t` of a notice that breaker states changed (the hub routes by tenant; breakers are the platform's). */
export const BREAKERS_NOTICE = '*breakers';

type Row = { key: string; opened_at: Date | null; changed_at: Date };

export class SharedBreakers {
  readonly breakers: Breakers;
  /** Writes run one after another, so a close cannot overtake the opening it follows. */
  #writes: Promise<void> = Promise.resolve();

  /** `channel`: where changes are announced; its owner calls `load` on a BREAKERS_NOTICE, on resync and at start. */
  constructor(private readonly d: { db: Db; hub: RealtimeHub; log: Logger; now: () => number; channel: string }) {
    this.breakers = new Breakers(d.now, (key, openedAt, changedAt) => this.#share(key, openedAt, changedAt));
  }

  /** Takes on every breaker state recorded by any process. */
  async load(): Promise<void> {
    try {
      const { rows } = await this.d.db.systemTx((tx) => sql<Row>`select key, opened_at, changed_at from ai_breakers`.execute(tx));
      for (const r of rows) this.breakers.of(r.key).adopt(r.opened_at?.getTime() ?? null, r.changed_at.getTime());
    } catch (err) {
      this.d.log.warn({ err }, 'ai breaker states not read; this process goes on with its own');
    }
  }

  /** Resolves once this process's state changes are written (tests). */
  settled(): Promise<void> {
    return this.#writes;
  }

  #share(key: string, openedAt: number | null, changedAtMs: number): void {
    const changedAt = new Date(changedAtMs);
    this.#writes = this.#writes
      .then(() => this.d.db.systemTx((tx) => sql`
        insert into ai_breakers (key, opened_at, changed_at) values (${key}, ${openedAt === null ? null : new Date(openedAt)}, ${changedAt})
        on conflict (key) do update set opened_at = excluded.opened_at, changed_at = excluded.changed_at
        where ai_breakers.changed_at <= excluded.changed_at`.execute(tx)))
      .then(() => this.d.hub.publish(this.d.channel, { t: BREAKERS_NOTICE, min: 0, max: 0 }))
      .catch((err: unknown) => this.d.log.warn({ err, key }, 'ai breaker state not shared; other processes keep their own'));
  }
}
