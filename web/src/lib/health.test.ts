import { describe, expect, it } from 'vitest';
import { reasonKey } from './health';

describe('health reasons', () => {
  it('recognises every sentence of work/health.ts', () => {
    expect(reasonKey('"Kick-off call" is 4 days overdue')).toEqual({ key: 'health.reason.overdueDays', values: { name: 'Kick-off call', days: '4' } });
    expect(reasonKey('"Send "contract"" is overdue')).toEqual({ key: 'health.reason.overdue', values: { name: 'Send "contract"' } });
    expect(reasonKey('urgent "Pay" blocked for 30 h')).toEqual({ key: 'health.reason.urgentBlocked', values: { name: 'Pay', hours: '30' } });
    expect(reasonKey('"Pay" is blocked')).toEqual({ key: 'health.reason.blocked', values: { name: 'Pay' } });
    expect(reasonKey('something new')).toBeNull();
  });
});
