import { describe, expect, it } from 'vitest';
import { positionAmongOthers } from './taskActions';

describe('drag-and-drop positions', () => {
  const order = ['a', 'b', 'c', 'd'];
  it('counts among the other tasks, as PATCH position does', () => {
    expect(positionAmongOthers(order, 'd', 'a')).toBe(0);
    expect(positionAmongOthers(order, 'a', 'c')).toBe(1);
    expect(positionAmongOthers(order, 'a', null)).toBe(3);
    expect(positionAmongOthers(order, 'b', 'c')).toBe(1);
    expect(positionAmongOthers(order, 'b', 'zzz')).toBe(3);
  });
});
