// Time alone turns a workflow yellow or red (a due date passes; a blocker ages): no diff
// happens, so nothing would record it. A cron job (every minute) re-judges the active
// workflows of every tenant and records `workflow.health_changed` for those that moved,
// as the system clock — so the audit log, the live dashboard and rules see it like any change.
import { inTenant } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import type { Ledger } from '../ledger/index.js';
import { healthOf } from './health.js';
import { healthTasks } from './health-store.js';

export const HEALTH_TICK_QUEUE = 'work.health_tick';
const CLOCK = { type: 'system' as const, id: 'clock' };

/** Returns how many workflows changed health. */
export async function healthTick(db: Db, ledger: Ledger, now: Date): Promise<number> {
  // system: the tick serves every tenant, so it must first list the tenants that have active
  // workflows (across tenants); each tenant's workflows are then judged in its own tenantTx.
  const tenants = await db.systemTx((tx) => tx.selectFrom('workflows').select('tenant_id').distinct().where('status', '=', 'active').execute());
  let changed = 0;
  for (const { tenant_id: tenantId } of tenants) {
    changed += await inTenant(db, { tenantId, actor: CLOCK }, async (ctx) => {
      const workflows = await ctx.tx.selectFrom('workflows').select(['id', 'health']).where('status', '=', 'active').execute();
      const tasks = await healthTasks(ctx.tx, workflows.map((w) => w.id), now);
      let n = 0;
      for (const w of workflows) {
        const verdict = healthOf(tasks.get(w.id)!, now);
        if (verdict.status === w.health) continue;
        // Only if nobody changed it meanwhile (a task change re-judges it itself).
        const moved = await ctx.tx.updateTable('workflows').set({ health: verdict.status }).where('id', '=', w.id).where('health', '=', w.health).executeTakeFirst();
        if (Number(moved.numUpdatedRows) === 0) continue;
        await ledger.record(ctx, {
          namespace: 'flow_os', entityType: 'workflow', entityId: w.id, event: 'workflow.health_changed',
          before: { health: w.health }, after: { health: verdict.status }, metadata: { reasons: verdict.reasons, cause: 'time' }, scopeId: w.id,
        });
        n += 1;
      }
      return n;
    });
  }
  return changed;
}
