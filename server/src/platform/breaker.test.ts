// The circuit-breaker primitive on a manual clock: closed → open after N failures (consecutive,
// or within a sliding window) → half-open after the cooldown with exactly one probe → closed on
// its success or open again on its failure; what it tells, what it adopts, what it shows.
import { describe, expect, it } from 'vitest';
import { Breaker, type BreakerOptions, type BreakerTransition } from './breaker.js';

const T0 = Date.UTC(2030, 0, 1);

function setup(opts: Partial<BreakerOptions> = {}) {
  let t = T0;
  const told: { state: string; openedAt: number | null; at: number }[] = [];
  const b = new Breaker({
    threshold: 5, cooldownMs: 60_000, clock: () => new Date(t),
    onTransition: (e: BreakerTransition) => told.push({ state: e.state, openedAt: e.openedAt?.getTime() ?? null, at: e.at.getTime() }),
    ...opts,
  });
  return { b, told, advance: (ms: number) => void (t += ms), now: () => t };
}

describe('Breaker (consecutive failures, the default)', () => {
  it('opens after the threshold, refuses during the cooldown, lets one probe through after it, closes on its success', () => {
    const { b, told, advance, now } = setup();
    expect(b.snapshot()).toEqual({ state: 'closed', failures: 0, openedAt: null, retryAt: null });
    for (let i = 0; i < 4; i++) b.failure();
    expect(b.state).toBe('closed');
    expect(b.tryPass()).toBe(true);
    b.failure();
    const opened = now();
    expect(told).toEqual([{ state: 'open', openedAt: opened, at: opened }]);
    expect(b.snapshot()).toEqual({ state: 'open', failures: 5, openedAt: new Date(opened), retryAt: new Date(opened + 60_000) });
    expect(b.tryPass()).toBe(false);
    advance(59_999);
    expect(b.tryPass()).toBe(false);
    advance(1);
    expect(b.state).toBe('half_open');
    expect(b.tryPass()).toBe(true);
    expect(b.tryPass()).toBe(false); // one probe at a time
    b.success();
    expect(b.snapshot()).toEqual({ state: 'closed', failures: 0, openedAt: null, retryAt: null });
    expect(told.at(-1)).toEqual({ state: 'closed', openedAt: null, at: now() });
    expect(told).toHaveLength(2);
  });

  it('a success before the threshold starts the count again', () => {
    const { b, told } = setup();
    for (let i = 0; i < 4; i++) b.failure();
    b.success();
    for (let i = 0; i < 4; i++) b.failure();
    expect(b.snapshot()).toMatchObject({ state: 'closed', failures: 4 });
    expect(told).toEqual([]); // a success while closed is no transition
  });

  it('a failed probe opens it for another cooldown and tells; a released probe frees the slot', () => {
    const { b, told, advance, now } = setup({ threshold: 2, cooldownMs: 1_000 });
    b.failure();
    b.failure();
    advance(1_000);
    expect(b.tryPass()).toBe(true);
    b.release(); // no verdict on the callee
    expect(b.tryPass()).toBe(true);
    b.failure();
    expect(told.map((e) => e.state)).toEqual(['open', 'open']);
    expect(b.snapshot()).toMatchObject({ state: 'open', openedAt: new Date(now()) });
    advance(999);
    expect(b.state).toBe('open');
    advance(1);
    expect(b.state).toBe('half_open');
  });

  it('a failure while open (a call in flight) pushes the cooldown back without telling', () => {
    const { b, told, advance, now } = setup();
    for (let i = 0; i < 5; i++) b.failure();
    advance(10);
    b.failure();
    expect(told).toHaveLength(1);
    expect(b.snapshot().openedAt).toEqual(new Date(now()));
  });

  it('reads no clock while closed', () => {
    let reads = 0;
    const b = new Breaker({ threshold: 3, cooldownMs: 1_000, clock: () => (reads++, new Date(T0)) });
    for (let i = 0; i < 100; i++) b.tryPass();
    expect(b.state).toBe('closed');
    expect(reads).toBe(0);
  });

  it('refuses a threshold below 1', () => {
    expect(() => new Breaker({ threshold: 0, cooldownMs: 1 })).toThrow(/threshold/);
  });
});

describe('Breaker (failures within a window: 5 in 60 s)', () => {
  const windowed = () => setup({ threshold: 5, cooldownMs: 60_000, counting: { withinMs: 60_000 } });

  it('opens on the 5th failure within 60 s, even with successes in between', () => {
    const { b, told, advance, now } = windowed();
    for (let i = 0; i < 4; i++) {
      b.failure();
      b.success();
      advance(10_000);
    }
    expect(b.snapshot()).toMatchObject({ state: 'closed', failures: 4 });
    b.failure();
    expect(told).toEqual([{ state: 'open', openedAt: now(), at: now() }]);
  });

  it('failures older than the window no longer count', () => {
    const { b, told, advance } = windowed();
    for (let i = 0; i < 4; i++) b.failure(); // at T0
    advance(30_000);
    expect(b.failures).toBe(4);
    advance(30_000); // exactly 60 s later: the first four fall out
    expect(b.failures).toBe(0);
    b.failure();
    expect(b.snapshot()).toMatchObject({ state: 'closed', failures: 1 });
    for (let i = 0; i < 3; i++) {
      advance(14_000);
      b.failure();
    }
    expect(b.state).toBe('closed');
    advance(14_000);
    b.failure(); // 5 within 56 s
    expect(b.state).toBe('open');
    expect(told).toHaveLength(1);
  });

  it('half-open after the cooldown; the probe’s success closes it and forgets the window', () => {
    const { b, told, advance } = windowed();
    for (let i = 0; i < 5; i++) b.failure();
    advance(60_000);
    expect(b.tryPass()).toBe(true);
    b.success();
    expect(b.snapshot()).toMatchObject({ state: 'closed', failures: 0 });
    b.failure();
    expect(b.state).toBe('closed');
    expect(told.map((e) => e.state)).toEqual(['open', 'closed']);
  });
});

describe('Breaker.adopt (state seen elsewhere)', () => {
  it('takes on only news newer than its last change, and tells nobody', () => {
    const { b, told, advance, now } = setup();
    b.adopt(now() - 1_000, now() - 1_000);
    expect(b.snapshot()).toMatchObject({ state: 'open', failures: 5, openedAt: new Date(now() - 1_000) });
    b.adopt(now() - 5_000, now() - 5_000); // older: ignored
    expect(b.snapshot().openedAt).toEqual(new Date(now() - 1_000));
    b.adopt(null, now() - 2_000); // closed before it opened: stale
    expect(b.state).toBe('open');
    advance(30_000);
    b.adopt(null, now());
    expect(b.snapshot()).toMatchObject({ state: 'closed', failures: 0, openedAt: null });
    expect(told).toEqual([]);
  });

  it('an adopted opening ends a probe in flight here', () => {
    const { b, advance, now } = setup();
    b.adopt(now(), now());
    advance(60_000);
    expect(b.tryPass()).toBe(true);
    b.adopt(now(), now());
    expect(b.tryPass()).toBe(false);
  });

  it('in window mode, an adopted opening counts as the threshold of failures', () => {
    const { b, now } = setup({ counting: { withinMs: 60_000 } });
    b.failure();
    b.adopt(now(), now());
    expect(b.snapshot()).toMatchObject({ state: 'open', failures: 5 });
  });

  it('its own earlier opening, read back after it closed here, does not re-open it', () => {
    const { b, told, advance } = setup();
    for (let i = 0; i < 5; i++) b.failure();
    const opened = told[0]!.openedAt!;
    advance(60_000);
    expect(b.tryPass()).toBe(true);
    b.success();
    b.adopt(opened, opened);
    expect(b.snapshot()).toMatchObject({ state: 'closed', failures: 0 });
  });
});
