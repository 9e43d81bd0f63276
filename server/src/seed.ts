// The demo workspace: created once (a partial unique index makes a second one impossible,
// even with several processes starting together), with a little history to explore.
import { inTenant } from './platform/context.js';
import type { App } from './app.js';
import { hashPassword } from './modules/identity/index.js';

export const DEMO_EMAIL = 'demo@atrium.local';
/** A local demo only: the workspace is flagged `is_demo` and the password is printed at start. */
export const DEMO_PASSWORD = 'atrium-demo-2026';

export type DemoLogin = { tenantId: string; email: string; password: string; token: string; created: boolean };

const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY).toISOString().slice(0, 10);

/** Three live workflows: one on track, one with a blocker (yellow), one late (red). */
async function seedWorkflows(app: App, tenantId: string, userId: string): Promise<void> {
  const actor = { type: 'user' as const, id: userId };
  // Rules first, so the demo's own changes already show the Reflex Arc at work.
  await inTenant(app.db, { tenantId, actor }, async (ctx) => {
    for (const pack of ['notify-owner-when-blocked', 'escalate-urgent-blockers', 'predict-completion-on-start']) await app.rules.enablePack(ctx, pack);
  });
  await inTenant(app.db, { tenantId, actor }, async (ctx) => {
    const sales = await app.work.createWorkflow(ctx, { template_id: 'tpl_sales_to_ops_handoff', name: 'Handoff: Fianarantsoa Coffee Co.', start_date: daysAgo(-1) });
    await app.work.createWorkflow(ctx, { template_id: 'tpl_client_onboarding', name: 'Onboarding: Fianarantsoa Coffee Co.', start_date: daysAgo(-2), started_from: sales });
    const content = await app.work.createWorkflow(ctx, { template_id: 'tpl_content_production', name: 'Blog series: harvest season', start_date: daysAgo(1) });
    const [brief] = await app.work.tasksOf(ctx, content);
    if (brief) await app.work.updateTask(ctx, brief.id, { status: 'blocked', why: 'Waiting for the client’s brand guidelines', sentiment: -1 });
    await app.work.createWorkflow(ctx, { template_id: 'tpl_monthly_reporting', name: 'October report: Antsirabe Hotels', start_date: daysAgo(12) });
  });
}

async function seedHistory(app: App, tenantId: string, userId: string): Promise<void> {
  await seedWorkflows(app, tenantId, userId);
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
    const { token } = await app.identity.issueToken({ tenantId: existing.tenantId, userId: existing.ownerId, kind: 'session', scopes: ['read', 'write', 'admin'], ttlSeconds: 30 * 24 * 3600 });
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
