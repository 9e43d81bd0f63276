// After-commit fan-out. Writers call pg_notify inside their transaction; Postgres
// delivers it only on commit, to every process listening (server Postgres) or to
// this process (PGlite). The hub routes each notice to the subscribers of its tenant.
import type { Logger } from 'pino';
import type { Db, Unlisten } from './db/index.js';

export type TenantNotice = { t: string } & Record<string, unknown>;
type Listener = (notice: TenantNotice) => void;

export class RealtimeHub {
  readonly #subs = new Map<string, Map<string, Set<Listener>>>(); // channel → tenant → listeners
  readonly #unlisten: Unlisten[] = [];

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
  ) {}

  async listen(channel: string): Promise<void> {
    const tenants = new Map<string, Set<Listener>>();
    this.#subs.set(channel, tenants);
    this.#unlisten.push(
      await this.db.listen(channel, (payload) => {
        let notice: TenantNotice;
        try {
          notice = JSON.parse(payload) as TenantNotice;
        } catch {
          this.log.warn({ channel }, 'ignored malformed notice');
          return;
        }
        for (const fn of tenants.get(notice.t) ?? []) fn(notice);
      }),
    );
  }

  subscribe(channel: string, tenantId: string, fn: Listener): () => void {
    const tenants = this.#subs.get(channel);
    if (!tenants) throw new Error(`not listening on ${channel}`);
    const set = tenants.get(tenantId) ?? new Set();
    tenants.set(tenantId, set);
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0) tenants.delete(tenantId);
    };
  }

  subscriberCount(channel: string): number {
    let n = 0;
    for (const set of this.#subs.get(channel)?.values() ?? []) n += set.size;
    return n;
  }

  async stop(): Promise<void> {
    await Promise.all(this.#unlisten.map((u) => u()));
  }
}
