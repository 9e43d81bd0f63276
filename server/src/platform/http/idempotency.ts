// `Idempotency-Key` on POST: the first request with a key runs and its response is
// stored; a retry with the same key and body gets the same response, a different body
// with the same key is refused. Keys are per caller and kept for 24 hours.
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import type { Principal } from '../context.js';
import type { Db } from '../db/index.js';
import { AppError, errors } from '../errors.js';
import type { Json } from '../schema.js';
import type { Envelope, STREAMED } from './route.js';

type Outcome = Envelope | typeof STREAMED;

export class IdempotencyStore {
  constructor(private readonly db: Db) {}

  async wrap(req: FastifyRequest, principal: Principal, run: () => Promise<Outcome>): Promise<Outcome> {
    const key = req.headers['idempotency-key'];
    if (typeof key !== 'string' || key.length === 0) return run();
    if (key.length > 200) throw errors.badRequest('VALIDATION_FAILED', 'Idempotency-Key is too long (max 200).');
    const hash = createHash('sha256')
      .update(`${req.method} ${req.url}\n${JSON.stringify(req.body ?? null)}`)
      .digest('hex');
    const row = { tenant_id: principal.tenantId, principal_id: principal.tokenId, key };

    const claimed = await this.db.tenantTx(principal.tenantId, async (tx) => {
      await tx
        .deleteFrom('idempotency_keys')
        .where('tenant_id', '=', row.tenant_id)
        .where('principal_id', '=', row.principal_id)
        .where('key', '=', key)
        .where('created_at', '<', sql<Date>`now() - interval '24 hours'`)
        .execute();
      const inserted = await tx
        .insertInto('idempotency_keys')
        .values({ ...row, request_hash: hash })
        .onConflict((oc) => oc.doNothing())
        .returning('key')
        .executeTakeFirst();
      if (inserted) return null;
      return tx
        .selectFrom('idempotency_keys')
        .select(['request_hash', 'status_code', 'response'])
        .where('tenant_id', '=', row.tenant_id)
        .where('principal_id', '=', row.principal_id)
        .where('key', '=', key)
        .executeTakeFirstOrThrow();
    });

    if (claimed) {
      if (claimed.request_hash !== hash) {
        throw new AppError('IDEMPOTENCY_KEY_REUSED', 422, 'This Idempotency-Key was used with a different request.');
      }
      if (claimed.status_code === null) {
        throw errors.conflict('IDEMPOTENCY_IN_PROGRESS', 'A request with this Idempotency-Key is still running.');
      }
      const stored = claimed.response as { data: unknown; meta?: Record<string, unknown>; error?: unknown };
      if (claimed.status_code >= 400) {
        const e = stored.error as { code: string; message: string; details?: [] };
        throw new AppError(e.code, claimed.status_code, e.message, e.details ?? []);
      }
      return { data: stored.data, meta: { ...stored.meta, idempotent_replay: true }, status: claimed.status_code };
    }

    const save = (status: number, response: Json) =>
      this.db.tenantTx(principal.tenantId, (tx) =>
        tx
          .updateTable('idempotency_keys')
          .set({ status_code: status, response: JSON.stringify(response) as unknown as Json })
          .where('tenant_id', '=', row.tenant_id)
          .where('principal_id', '=', row.principal_id)
          .where('key', '=', key)
          .execute(),
      );
    try {
      const outcome = await run();
      if (typeof outcome === 'symbol') return outcome;
      await save(outcome.status ?? 200, { data: outcome.data as Json, meta: (outcome.meta ?? {}) as Json });
      return outcome;
    } catch (err) {
      if (err instanceof AppError && err.status < 500) {
        await save(err.status, { data: null, error: { code: err.code, message: err.message, details: err.details as Json } });
      } else {
        await this.db.tenantTx(principal.tenantId, (tx) =>
          tx
            .deleteFrom('idempotency_keys')
            .where('tenant_id', '=', row.tenant_id)
            .where('principal_id', '=', row.principal_id)
            .where('key', '=', key)
            .execute(),
        );
      }
      throw err;
    }
  }
}
