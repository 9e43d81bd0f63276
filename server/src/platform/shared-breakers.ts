// Circuit breakers shared by every process on the database (the platform piece; the AI
// gateway's provider breakers work the same way in ai/breaker-sync.ts and are to move here).
// The hot path is the in-memory `Breaker` (breaker.ts); only a change of state — a breaker
// opening after its failures, or closing after a good probe — is written to `breakers` and
// announced on the owner's channel, and every process then reads the table and adopts any state
// newer than its own. So the first process to see 5 failures of a target within 60 s opens it
// for all, and they stop calling it within a NOTIFY's time.
import type { Logger } from 'pino';
import { Breaker, type BreakerOptions } from './breaker.js';
import { setBounded } from './bounded-map.js';
import type { Clock } from './clock.js';
import type { Db } from './db/index.js';
import type { RealtimeHub } from './realtime.js';

/** The `t` of a notice that breaker states changed (no tenant's: the hub routes it to every-tenant listeners). */
export const BREAKERS_CHANGED = '*breakers';

export type SharedBreakerDeps = { db: Db; hub: RealtimeHub; log: Logger; clock: Clock; channel: string; options: Omit<BreakerOptions, 'clock' | 'onTransition'> };

export class SharedBreakers {
  readonly #all = new Map<string, Breaker>();
  /** Writes run one after another, so a close cannot overtake the opening it follows. */
  #writes: Promise<void> = Promise.resolve();

  constructor(private readonly d: SharedBreakerDeps) {}

  of(key: string): Breaker {
    let b = this.#all.get(key);
    if (!b) {
      b = new Breaker({ ...this.d.options, clock: this.d.clock, onTransition: (t) => this.#share(key, t.openedAt, t.at) });
      setBounded(this.#all, key, b, 10_000);
    }
    return b;
  }

  /** Listens for other processes' changes (the owner's channel must be listened to) and reads the table. */
  async start(): Promise<() => void> {
    const off = this.d.hub.subscribeAll(this.d.channel, (n) => { if (n.t === BREAKERS_CHANGED) void this.load(); });
    const offResync = this.d.hub.onResync(this.d.channel, () => void this.load());
    await this.load();
    return () => { off(); offResync(); };
  }

  /** Adopts every state recorded by any process. */
  async load(): Promise<void> {
    try {
      // system: breaker states belong to no tenant (the table has no tenant_id; only atrium_system is granted it).
      const rows = await this.d.db.systemTx((tx) => tx.selectFrom('breakers').select(['key', 'opened_at', 'changed_at']).execute());
      for (const r of rows) this.of(r.key).adopt(r.opened_at?.getTime() ?? null, r.changed_at.getTime());
    } catch (err) {
      this.d.log.warn({ err }, 'breaker states not read; this process goes on with its own');
    }
  }

  /** Resolves once this process's changes are written and announced (tests). */
  settled(): Promise<void> {
    return this.#writes;
  }

  #share(key: string, openedAt: Date | null, changedAt: Date): void {
    this.#writes = this.#writes
      // system: a target's breaker is shared by every tenant's calls, so its row is no tenant's.
      .then(() => this.d.db.systemTx((tx) => tx.insertInto('breakers').values({ key, opened_at: openedAt, changed_at: changedAt })
        .onConflict((oc) => oc.column('key').doUpdateSet({ opened_at: (eb) => eb.ref('excluded.opened_at'), changed_at: (eb) => eb.ref('excluded.changed_at') })
          // An older state arriving late never overwrites a newer one.
          .whereRef('breakers.changed_at', '<=', 'excluded.changed_at'))
        .execute()))
      .then(() => this.d.hub.publish(this.d.channel, { t: BREAKERS_CHANGED, min: 0, max: 0 }))
      .catch((err: unknown) => this.d.log.warn({ err, key }, 'breaker state not shared; other processes keep their own'));
  }
}
