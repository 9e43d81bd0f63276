import { describe, expect, it } from 'vitest';
import { setBounded } from './bounded-map.js';

describe('setBounded', () => {
  it('drops the entry held longest once full, and only for a new key', () => {
    const m = new Map<string, number>();
    setBounded(m, 'a', 1, 2);
    setBounded(m, 'b', 2, 2);
    setBounded(m, 'a', 10, 2); // existing key: nothing dropped
    expect([...m]).toEqual([['a', 10], ['b', 2]]);
    setBounded(m, 'c', 3, 2);
    expect([...m]).toEqual([['b', 2], ['c', 3]]);
  });
});
