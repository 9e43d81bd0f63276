// The demo workspace: created once (a partial unique index makes a second one impossible,
// even with several processes starting together), with a little history to explore.
import { inTenant } from './platform/context.js';
import type { App } from './app.js';
import { hashPassword } from './modules/identity/passwords.js';

export const DEMO_EMAIL = 'demo@atrium.local';
/** A local demo only: the workspace is flagged `is_demo` and the password is printed at start. */
export const DEMO_PASSWORD = 'atrium-demo-2026';

export type DemoLogin = { tenantId: string; email: string; password: string; token: string; created: boolean };

async function seedHistory(app: App, tenantId: string, userId: string): Promise<void> {
  const actor = { type: 'user' as const, id: userId };
  const note = { namespace: 'demo', entityType: 'note', entityId: 'note_welcome' };
  await inTenant(app.db, { tenantId, actor }, (ctx) =>
    app.ledger.recordBatch(ctx, [
      { ...note, event: 'note.created', after: { title: 'Welcome to Atrium', status: 'draft', body: 'Every change is a diff.' }, why: 'Seeded demo workspace' },
      { ...note, event: 'note.updated', before: { status: 'draft' }, after: { status: 'published' }, why: 'Ready for the team to read', sentiment: 1 },
    ]),
  );
}

export async function seedDemo(app: App): Promise<DemoLogin> {
  const existing = await app.identity.demoTenant();
  if (existing) {
    const owner = await app.db.systemTx((tx) =>
      tx.selectFrom('memberships').select('user_id').where('tenant_id', '=', existing.tenantId).where('role', '=', 'owner').executeTakeFirstOrThrow(),
    );
    const { token } = await app.identity.issueToken({ tenantId: existing.tenantId, userId: owner.user_id, kind: 'session', scopes: ['read', 'write', 'admin'], ttlSeconds: 30 * 24 * 3600 });
    return { tenantId: existing.tenantId, email: DEMO_EMAIL, password: DEMO_PASSWORD, token, created: false };
  }
  try {
    const created = await app.identity.createTenantWithOwner({ name: 'Demo Agency', plan: 'pro', isDemo: true, owner: { email: DEMO_EMAIL, name: 'Demo Owner', passwordHash: await hashPassword(DEMO_PASSWORD) } });
    await seedHistory(app, created.tenantId, created.userId);
    return { tenantId: created.tenantId, email: DEMO_EMAIL, password: DEMO_PASSWORD, token: created.token, created: true };
  } catch (err) {
    // Another process won the race: use its demo tenant.
    if ((err as { code?: string }).code === '23505') return seedDemo(app);
    throw err;
  }
}
