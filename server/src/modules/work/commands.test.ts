// Work's read commands as other modules, flows and agents call them (in process, as a person).
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../platform/context.js';
import { day, workSuite } from './testing.js';

const suite = workSuite({ a: 'Record keepers', b: 'Other record keepers' });
const owner = (): Principal => ({
  tenantId: suite.a.tenantId, actor: { type: 'user', id: suite.a.userId }, userId: suite.a.userId, tokenId: 'in-process', kind: 'session',
  role: 'owner', scopes: ['read', 'write', 'admin'], plan: 'enterprise', stepUpAt: null, platformRole: null,
});

describe('work.track_record', () => {
  it('answers the finished workflows, or — asked about a person — only their record (the workflows are not scanned)', async () => {
    const { api } = suite;
    const w = await api.create({ name: 'Done and dusted' });
    await api.patchTask((await api.addTask(w.id, { name: 'late', assignee_id: suite.a.userId, due_date: day(-2) })).id, { status: 'done' });
    const all = await suite.t.app.commands.execute<{ finished: { id: string }[] | null; assignee: unknown }>(owner(), 'work.track_record', {});
    expect(all.finished?.map((f) => f.id)).toEqual([w.id]);
    expect(all.assignee).toBeNull();
    const person = await suite.t.app.commands.execute(owner(), 'work.track_record', { assignee_id: suite.a.userId });
    expect(person).toEqual({ finished: null, assignee: { on_time: 0, late: 1, open_overdue: 0 } });
  });
});
