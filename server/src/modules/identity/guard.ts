// Brute-force protection for logins: failures are counted per account and per IP in
// Postgres (shared by every serve process); after FREE_FAILURES (per account) or
// FREE_FAILURES_PER_IP (an IP is often many people: an office, a NAT), each further failure
// doubles a temporary lockout, capped at MAX_LOCK_SECONDS. A success clears the account key.
import { sql } from 'kysely';
import type { Db } from '../../platform/db/index.js';
import { AppError } from '../../platform/errors.js';

export const FREE_FAILURES = 5;
export const FREE_FAILURES_PER_IP = 20;
const BASE_LOCK_SECONDS = 30;
const MAX_LOCK_SECONDS = 15 * 60;

export const accountKey = (email: string) => `email:${email.toLowerCase()}`;
export const ipKey = (ip: string) => `ip:${ip}`;

export function lockSeconds(failures: number, free = FREE_FAILURES): number {
  if (failures < free) return 0;
  return Math.min(BASE_LOCK_SECONDS * 2 ** (failures - free), MAX_LOCK_SECONDS);
}

export type FailureOutcome = { failures: number; lockedForSeconds: number };

export class LoginGuard {
  constructor(private readonly db: Db) {}

  /** Refuses the attempt while any of the keys is locked (429 with Retry-After). */
  async assertNotLocked(keys: string[]): Promise<void> {
    // system: auth_failures belongs to no tenant (keyed by email and IP, counted before any
    // sign-in succeeds); only atrium_system is granted it.
    const rows = await this.db.systemTx((tx) =>
      tx
        .selectFrom('auth_failures')
        .select(['key', 'locked_until'])
        .where('key', 'in', keys)
        .where('locked_until', '>', sql<Date>`now()`)
        .execute(),
    );
    const until = Math.max(0, ...rows.map((r) => r.locked_until!.getTime()));
    if (until > Date.now()) {
      const retry = Math.ceil((until - Date.now()) / 1000);
      throw new AppError('RATE_LIMITED', 429, `Too many failed sign-in attempts. Try again in ${retry} s.`, [], {
        'retry-after': String(retry),
      });
    }
  }

  async recordFailure(keys: string[]): Promise<Map<string, FailureOutcome>> {
    const out = new Map<string, FailureOutcome>();
    // system: auth_failures belongs to no tenant (keyed by email and IP, counted before any
    // sign-in succeeds); only atrium_system is granted it.
    await this.db.systemTx(async (tx) => {
      for (const key of keys) {
        const row = await tx
          .insertInto('auth_failures')
          .values({ key, failures: 1, locked_until: null })
          .onConflict((oc) =>
            oc.column('key').doUpdateSet({
              // A stale streak (no failure for an hour) starts over.
              failures: sql`case when auth_failures.updated_at < now() - interval '1 hour' then 1 else auth_failures.failures + 1 end`,
              updated_at: sql`now()`,
            }),
          )
          .returning('failures')
          .executeTakeFirstOrThrow();
        const seconds = lockSeconds(row.failures, key.startsWith('ip:') ? FREE_FAILURES_PER_IP : FREE_FAILURES);
        if (seconds > 0) {
          await tx
            .updateTable('auth_failures')
            .set({ locked_until: sql`now() + make_interval(secs => ${seconds})` })
            .where('key', '=', key)
            .execute();
        }
        out.set(key, { failures: row.failures, lockedForSeconds: seconds });
      }
    });
    return out;
  }

  async clear(key: string): Promise<void> {
    // system: auth_failures belongs to no tenant (keyed by email and IP, counted before any
    // sign-in succeeds); only atrium_system is granted it.
    await this.db.systemTx((tx) => tx.deleteFrom('auth_failures').where('key', '=', key).execute());
  }
}
