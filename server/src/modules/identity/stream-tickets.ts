// Stream tickets: how a client that cannot send headers (EventSource) opens /v1/stream without
// putting its session token in a URL, where logs and browser history would keep it. A ticket is
// random, stored hashed, good for one stream within a minute, and acts as the token that asked
// for it (revoking the token voids its tickets).
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Principal } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import { hashToken, type TokenResolver } from './tokens.js';

export const STREAM_TICKET_PREFIX = 'stt_';
export const STREAM_TICKET_TTL_SECONDS = 60;

export function createStreamTickets(db: Db, tokens: Pick<TokenResolver, 'resolveDigest'>) {
  return {
    async issue(p: Principal): Promise<{ ticket: string; expires_at: string }> {
      const ticket = STREAM_TICKET_PREFIX + randomBytes(32).toString('base64url');
      const expires = await db.tenantTx(p.tenantId, async (tx) => {
        // Used and lapsed tickets are worth nothing: each issue sweeps the workspace's.
        await tx.deleteFrom('stream_tickets').where('expires_at', '<', sql<Date>`now()`).execute();
        const row = await tx
          .insertInto('stream_tickets')
          .values({ ticket_hash: hashToken(ticket), tenant_id: p.tenantId, token_id: p.tokenId, expires_at: sql<Date>`now() + make_interval(secs => ${STREAM_TICKET_TTL_SECONDS})`, used_at: null })
          .returning('expires_at')
          .executeTakeFirstOrThrow();
        return row.expires_at;
      });
      return { ticket, expires_at: expires.toISOString() };
    },

    /** The principal of an unused, unexpired ticket; the ticket is spent in the same statement, so two streams cannot share it. */
    async redeem(ticket: string): Promise<Principal | null> {
      if (!ticket.startsWith(STREAM_TICKET_PREFIX) || ticket.length > 100) return null;
      // system: the ticket is the credential (EventSource sends no header); its tenant is unknown until it is found.
      const row = await db.systemTx((tx) =>
        tx
          .updateTable('stream_tickets as s')
          .set({ used_at: sql<Date>`now()` })
          .from('auth_tokens as t')
          .whereRef('t.id', '=', 's.token_id')
          .where('s.ticket_hash', '=', hashToken(ticket))
          .where('s.used_at', 'is', null)
          .where('s.expires_at', '>', sql<Date>`now()`)
          .returning('t.token_hash')
          .executeTakeFirst(),
      );
      return row ? tokens.resolveDigest(row.token_hash) : null;
    },
  };
}

export type StreamTickets = ReturnType<typeof createStreamTickets>;
