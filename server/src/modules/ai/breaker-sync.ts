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
import type { Db } from '../../platform/db/index.js';
import type { RealtimeHub } from '../../platform/realtime.js';
import { Breakers } from './resilience.js';

/** The `t` of a notice that breaker states changed (the hub routes by tenant; breakers are the platform's). */
export const BREAKERS_NOTICE = '*breakers';

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
      // system: breaker states belong to no tenant (ai_breakers has no tenant_id; only atrium_system is granted it).
      const rows = await this.d.db.systemTx((tx) => tx.selectFrom('ai_breakers').select(['key', 'opened_at', 'changed_at']).execute());
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
      // system: a provider endpoint's breaker is shared by every tenant's calls, so its row is no
      // tenant's (ai_breakers has no tenant_id; only atrium_system is granted it).
      .then(() => this.d.db.systemTx((tx) =>
        tx.insertInto('ai_breakers')
          .values({ key, opened_at: openedAt === null ? null : new Date(openedAt), changed_at: changedAt })
          .onConflict((oc) => oc.column('key')
            .doUpdateSet({ opened_at: (eb) => eb.ref('excluded.opened_at'), changed_at: (eb) => eb.ref('excluded.changed_at') })
            // An older state arriving late never overwrites a newer one.
            .whereRef('ai_breakers.changed_at', '<=', 'excluded.changed_at'))
          .execute()))
      .then(() => this.d.hub.publish(this.d.channel, { t: BREAKERS_NOTICE, min: 0, max: 0 }))
      .catch((err: unknown) => this.d.log.warn({ err, key }, 'ai breaker state not shared; other processes keep their own'));
  }
}
