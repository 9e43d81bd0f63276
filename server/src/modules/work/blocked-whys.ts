// Why each blocked task is blocked, for the screens that list them (board, Pulse, Tasks): the
// why of its latest move to blocked, read from the ledger in one query for the whole list.
import type { Tx } from '../../platform/db/index.js';
import type { Ledger } from '../ledger/index.js';
import type { TaskView } from './model.js';

export async function withBlockedWhys(tx: Tx, ledger: Pick<Ledger, 'whysOfLatest'>, tasks: TaskView[]): Promise<TaskView[]> {
  const blocked = tasks.filter((t) => t.status === 'blocked').map((t) => t.id);
  if (blocked.length === 0) return tasks;
  const whys = await ledger.whysOfLatest(tx, { namespace: 'flow_os', entity_type: 'task', entity_ids: blocked, field: 'status', value: 'blocked' });
  return tasks.map((t) => (t.status === 'blocked' ? { ...t, blocked_why: whys.get(t.id) ?? null } : t));
}
