// The approval steps of runs waiting for a decision, with whether a given person may decide
// (GET /v1/flow-approvals, and the one inbox of the agents module).
import type { Tx } from '../../platform/db/index.js';
import { isApprover } from './commands.js';

export async function pendingApprovals(tx: Tx, p: { userId: string | null; role: string | null }) {
  const rows = await tx.selectFrom('flow_waits').innerJoin('flow_runs', 'flow_runs.id', 'flow_waits.run_id').innerJoin('flows', 'flows.id', 'flow_runs.flow_id')
    .select(['flow_waits.run_id', 'flow_waits.step_key', 'flow_waits.spec', 'flow_waits.decisions', 'flow_waits.until', 'flow_waits.created_at', 'flows.key as flow_key', 'flows.name as flow_name'])
    .where('flow_waits.kind', '=', 'approval').orderBy('flow_waits.created_at').limit(500).execute();
  const me = p.userId;
  return rows.map((w) => {
    const spec = w.spec as { approvers: string[]; required: number; exclude_starter: boolean; starter: string | null; title: string; description: string };
    const decided = (w.decisions as { user_id: string }[]).some((x) => x.user_id === me);
    const may = !!me && !decided && !(spec.exclude_starter && spec.starter === me) && isApprover(spec.approvers, me, p.role);
    return { run_id: w.run_id, step: w.step_key, flow_key: w.flow_key, flow_name: w.flow_name, title: spec.title, description: spec.description, approvers: spec.approvers, required: spec.required, decisions: w.decisions, until: w.until?.toISOString() ?? null, created_at: w.created_at.toISOString(), can_decide: may };
  });
}
