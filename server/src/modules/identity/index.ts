// Identity: tenants, users, memberships and bearer tokens. This is the core the
// foundation needs (authenticate a request, create a tenant with its owner); sign-up,
// login, 2FA, API-key management and roles are the identity issue's work.
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import type { Ledger } from '../ledger/index.js';
import { createTenantWithOwner, type CreatedTenant, type NewTenant } from './tenants.js';
import { issueToken, resolveToken, type IssueTokenInput } from './tokens.js';

export type { CreatedTenant, NewTenant };

export function createIdentity({ db, ledger }: { db: Db; ledger: Ledger }) {
  return {
    /** Bearer token from the Authorization header (or `access_token` for EventSource clients). */
    async authenticate(req: FastifyRequest): Promise<Principal | null> {
      const header = req.headers.authorization;
      let token: string | undefined;
      if (header?.startsWith('Bearer ')) token = header.slice(7).trim();
      else if (req.method === 'GET') {
        const q = (req.query as Record<string, unknown> | undefined)?.['access_token'];
        if (typeof q === 'string') token = q;
      }
      return token ? resolveToken(db, token) : null;
    },
    createTenantWithOwner: (input: NewTenant): Promise<CreatedTenant> => createTenantWithOwner(db, ledger, input),
    issueToken: (input: IssueTokenInput) => db.systemTx((tx) => issueToken(tx, input)),
    async demoTenant(): Promise<{ tenantId: string; name: string } | null> {
      const row = await db.systemTx((tx) => tx.selectFrom('tenants').select(['id', 'name']).where('is_demo', '=', true).executeTakeFirst());
      return row ? { tenantId: row.id, name: row.name } : null;
    },
  };
}

export type Identity = ReturnType<typeof createIdentity>;
