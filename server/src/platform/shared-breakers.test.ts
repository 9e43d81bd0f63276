// Breakers shared through the database: what one process's failures open is open in another
// (here two instances over one database and hub, as two processes would be), a close travels
// the same way, and an older state never overwrites a newer one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../testing/harness.js';
import { waitFor } from '../testing/http.js';
import { SharedBreakers } from './shared-breakers.js';

let t: TestApp;
let now = Date.parse('2026-12-03T10:00:00Z');
const clock = () => new Date(now);
const make = () => new SharedBreakers({ db: t.app.db, hub: t.app.hub, log: t.app.log, clock, channel: 'atrium_flows', options: { threshold: 5, cooldownMs: 30_000, counting: { withinMs: 60_000 } } });

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.stop());

describe('shared breakers', () => {
  it('opens in the other process after 5 failures within 60 s here, and closes there after a good probe here', async () => {
    const a = make();
    const b = make();
    const stopB = await b.start();
    try {
      const key = `http:target-${Math.random().toString(36).slice(2)}:443`;
      for (let i = 0; i < 4; i += 1) a.of(key).failure();
      await a.settled();
      expect(b.of(key).state).toBe('closed');
      a.of(key).failure();
      await a.settled();
      await waitFor('b sees it open', () => (b.of(key).state === 'open' ? true : undefined));
      expect(b.of(key).tryPass()).toBe(false);
      now += 31_000; // the cooldown passes: one probe
      expect(a.of(key).tryPass()).toBe(true);
      a.of(key).success();
      await a.settled();
      await waitFor('b sees it closed', () => (b.of(key).state === 'closed' ? true : undefined));
    } finally {
      stopB();
    }
  });

  it('counts failures in a window: 5 spread over more than 60 s do not open it', async () => {
    const a = make();
    const key = `http:slow-${Math.random().toString(36).slice(2)}:80`;
    for (let i = 0; i < 5; i += 1) { a.of(key).failure(); now += 20_000; }
    expect(a.of(key).state).toBe('closed');
  });
});
