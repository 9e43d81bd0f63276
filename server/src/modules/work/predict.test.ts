// The predictor's arithmetic (predict.ts). No database: the models over real data are in rules/actions.test.ts.
import { describe, expect, it } from 'vitest';
import { percentile } from './predict.js';

describe('percentile (nearest rank)', () => {
  it('picks the nearest-rank value', () => {
    const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(ten, 50)).toBe(5);
    expect(percentile(ten, 25)).toBe(3);
    expect(percentile(ten, 75)).toBe(8);
    expect(percentile(ten, 90)).toBe(9);
    expect(percentile(ten, 100)).toBe(10);
    expect(percentile(ten, 0)).toBe(1);
    expect(percentile([7], 50)).toBe(7);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([1, 100], 50)).toBe(1);
    expect(percentile([1, 100], 51)).toBe(100);
    expect(percentile([2.5, 3.5, 10], 50)).toBe(3.5);
    expect(percentile(ten, 150)).toBe(10); // clamped
  });
});
