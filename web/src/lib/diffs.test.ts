import { describe, expect, it } from 'vitest';
import { fieldChanges, showValue } from './diffs';

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
