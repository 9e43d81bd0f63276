import { describe, expect, it } from 'vitest';
import type { Diff } from '../../../sdk/src/index.js';
import { entityName, fieldChanges, showValue } from './diffs';

describe('diff helpers', () => {
  it('lists the union of fields and marks changes', () => {
    expect(fieldChanges({ status: 'todo', name: 'A' }, { status: 'blocked', name: 'A', tags: [] })).toEqual([
      { key: 'status', before: 'todo', after: 'blocked', changed: true },
      { key: 'name', before: 'A', after: 'A', changed: false },
      { key: 'tags', before: undefined, after: [], changed: true },
    ]);
    expect(fieldChanges(null, { a: 1 })).toEqual([{ key: 'a', before: undefined, after: 1, changed: true }]);
  });
  it('shows values', () => {
    expect(showValue(undefined)).toBe('—');
    expect(showValue(null)).toBe('∅');
    expect(showValue('x')).toBe('x');
    expect(showValue(3)).toBe('3');
  });
});

describe('entityName', () => {
  const diff = (over: Partial<Diff>): Diff => ({
    id: 'dif_1', namespace: 'identity', entity_type: 'task', entity_id: 'tsk_1', event: 'x', before: null, after: null, metadata: {},
    actor: { type: 'user', id: 'usr_1' }, causation_id: null, correlation_id: null, created_at: '2026-01-01T00:00:00Z', annotations: [], ...over,
  });
  const names = new Map([['usr_1', 'Grace Hopper'], ['usr_2', 'Bob Builder']]);

  it('uses the name the diff carries, else a known name for its id, else the id', () => {
    expect(entityName(diff({ after: { name: 'Kickoff' } }), names)).toBe('Kickoff');
    expect(entityName(diff({ entity_type: 'membership', entity_id: 'ten_1:usr_2' }), names)).toBe('Bob Builder');
    expect(entityName(diff({ entity_id: 'tsk_9' }), names)).toBe('tsk_9');
  });

  it('names an invitation by its email and a session by its person, not by their ids', () => {
    expect(entityName(diff({ entity_type: 'invitation', entity_id: 'inv_1', after: { email: 'bob@example.test', role: 'member' } }), names)).toBe('bob@example.test');
    expect(entityName(diff({ entity_type: 'session', entity_id: 'ses_1' }), names)).toBe('Grace Hopper');
    expect(entityName(diff({ entity_type: 'session', entity_id: 'ses_1', actor: { type: 'system', id: 'x' } }), names)).toBe('ses_1');
  });
});
