// Why a blocked task is blocked, on the reads that list tasks (issue 16, defect 5): a workflow's
// tasks (the list and the board) and the Pulse's blocked tasks carry `blocked_why`, the why of
// the task's latest move to blocked — not an earlier one, and only in its own workspace.
import { describe, expect, it } from 'vitest';
import { workSuite, type Task } from './testing.js';

const suite = workSuite({ a: 'Blocked Co', b: 'Other Co' });
type WithWhy = Task & { blocked_why?: string | null };

describe('blocked whys', () => {
  it('a blocked task carries the why of its latest move to blocked; other tasks carry none', async () => {
    const wf = await suite.api.create({ name: 'Harvest', department: 'ops' });
    const stuck = await suite.api.addTask(wf.id, { name: 'Dry the cloves', status: 'blocked', why: 'rain all week' });
    const moving = await suite.api.addTask(wf.id, { name: 'Sort the cloves' });
    // Unblocked, then blocked again for another reason: the newer why is the one shown.
    let again = await suite.api.patchTask(stuck.id, { status: 'in_progress', version: stuck.version });
    again = await suite.api.patchTask(stuck.id, { status: 'blocked', why: 'the dryer broke', version: again.version });

    const tasks = (await suite.api.get(wf.id)).tasks as WithWhy[];
    expect(tasks.find((t) => t.id === stuck.id)?.blocked_why).toBe('the dryer broke');
    expect(tasks.find((t) => t.id === moving.id)?.blocked_why).toBeUndefined();

    const pulse = (await suite.a.client.request<{ blocked_tasks: { items: WithWhy[] } }>('GET', '/v1/dashboard')).data;
    expect(pulse.blocked_tasks.items.map((t) => [t.name, t.blocked_why])).toEqual([['Dry the cloves', 'the dryer broke']]);

    // Another workspace's Pulse lists none of it.
    const theirs = (await suite.b.client.request<{ blocked_tasks: { items: WithWhy[] } }>('GET', '/v1/dashboard')).data;
    expect(theirs.blocked_tasks.items).toEqual([]);
  });
});
