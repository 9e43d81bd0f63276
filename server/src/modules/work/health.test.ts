import { describe, expect, it } from 'vitest';
import { healthOf, type HealthTask } from './health.js';

const HOUR = 3_600_000;
// Due 2026-11-10 → the due day ends at 2026-11-11T00:00Z.
const END = Date.parse('2026-11-11T00:00:00.000Z');
const at = (msAfterEnd: number) => new Date(END + msAfterEnd);
const task = (over: Partial<HealthTask> = {}): HealthTask => ({
  name: 't', status: 'todo', priority: 'normal', due_date: '2026-11-10', blocked_at: null, ...over,
});

describe('healthOf (seed 000 FR-FO-004)', () => {
  it('is green with no tasks, and with tasks on track', () => {
    expect(healthOf([], at(0)).status).toBe('green');
    expect(healthOf([task({ due_date: null }), task()], at(-1)).status).toBe('green');
  });

  it('is not overdue during the due day itself, only once it has ended', () => {
    expect(healthOf([task()], at(-1)).status).toBe('green');
    expect(healthOf([task()], at(0)).status).toBe('green');
    expect(healthOf([task()], at(1)).status).toBe('yellow');
  });

  it('stays yellow up to exactly 3 days overdue and turns red just after', () => {
    expect(healthOf([task()], at(72 * HOUR - 1)).status).toBe('yellow');
    expect(healthOf([task()], at(72 * HOUR)).status).toBe('yellow');
    expect(healthOf([task()], at(72 * HOUR + 1)).status).toBe('red');
  });

  it('ignores done and failed tasks however late', () => {
    expect(healthOf([task({ status: 'done' }), task({ status: 'failed' })], at(30 * 24 * HOUR)).status).toBe('green');
  });

  it('is yellow for any blocked task', () => {
    const blocked = task({ status: 'blocked', due_date: null, blocked_at: at(0) });
    expect(healthOf([blocked], at(HOUR))).toEqual({ status: 'yellow', reasons: ['"t" is blocked'] });
  });

  it('turns red when an urgent blocker stays unresolved for more than 24 h — not at exactly 24 h', () => {
    const urgent = task({ status: 'blocked', priority: 'urgent', due_date: null, blocked_at: at(0) });
    expect(healthOf([urgent], at(24 * HOUR)).status).toBe('yellow');
    expect(healthOf([urgent], at(24 * HOUR + 1)).status).toBe('red');
    const high = task({ status: 'blocked', priority: 'high', due_date: null, blocked_at: at(0) });
    expect(healthOf([high], at(48 * HOUR)).status).toBe('yellow');
  });

  it('lists every reason, red ones first', () => {
    const v = healthOf(
      [task({ name: 'late' }), task({ name: 'stuck', status: 'blocked', due_date: null, blocked_at: at(0) })],
      at(4 * 24 * HOUR),
    );
    expect(v.status).toBe('red');
    expect(v.reasons).toEqual(['"late" is 4 days overdue', '"stuck" is blocked']);
  });
});
