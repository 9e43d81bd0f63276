// A circuit breaker: stop calling something that keeps failing, and try it again later.
//   closed    — calls pass; failures are counted;
//   open      — `threshold` failures counted: calls are refused for `cooldownMs`;
//   half_open — the cooldown is over: exactly one call (the probe) is let through; its success
//               closes the breaker, its failure opens it for another cooldown.
// Which failures count is chosen per use: `consecutive` (those since the last success — the AI
// gateway's provider breakers, 5 in a row) or `{ withinMs }` (those of a sliding window, a
// success does not erase them — e.g. 5 failures within 60 s). Time comes from the injected
// clock; a closed breaker reads no clock and allocates nothing on `tryPass`.
//
// State is in memory. `onTransition` is told when this instance's own calls open or close it
// (not on every failure), and `adopt` takes on a state observed elsewhere (another process,
// see ai/breaker-sync.ts) without telling anyone; only news newer than the last change known
// here counts.
import { systemClock, type Clock } from './clock.js';

export type BreakerState = 'closed' | 'open' | 'half_open';

export type BreakerTransition = {
  /** What it became: `open` (it opened, or a probe failed) or `closed` (a success after it had opened). */
  state: 'open' | 'closed';
  /** When the cooldown runs from (open), or null (closed). */
  openedAt: Date | null;
  /** When it changed. */
  at: Date;
};

export type BreakerOptions = {
  /** Failures that open it. */
  threshold: number;
  /** How long it stays open before one probe is let through. */
  cooldownMs: number;
  /** Which failures count toward the threshold (default `consecutive`). */
  counting?: 'consecutive' | { withinMs: number };
  clock?: Clock;
  onTransition?: (t: BreakerTransition) => void;
};

export type BreakerSnapshot = {
  state: BreakerState;
  /** Failures counted now (since the last success, or within the window). */
  failures: number;
  openedAt: Date | null;
  /** When a probe will be let through (openedAt + cooldown), or null when closed. */
  retryAt: Date | null;
};

export class Breaker {
  readonly threshold: number;
  readonly cooldownMs: number;
  readonly #withinMs: number | null;
  readonly #clock: Clock;
  readonly #onTransition: (t: BreakerTransition) => void;
  /** Consecutive counting: the count. Windowed counting: the times of the failures, oldest first. */
  #count = 0;
  #times: number[] = [];
  #openedAt: number | null = null;
  #probing = false;
  /** When it last opened or closed, here or (adopted) elsewhere: older news is stale. */
  #changedAt = Number.NEGATIVE_INFINITY;

  constructor(opts: BreakerOptions) {
    if (!(opts.threshold >= 1)) throw new Error('breaker threshold must be at least 1');
    this.threshold = opts.threshold;
    this.cooldownMs = opts.cooldownMs;
    this.#withinMs = opts.counting && opts.counting !== 'consecutive' ? opts.counting.withinMs : null;
    this.#clock = opts.clock ?? systemClock;
    this.#onTransition = opts.onTransition ?? (() => undefined);
  }

  #now(): number {
    return this.#clock().getTime();
  }

  get state(): BreakerState {
    if (this.#openedAt === null) return 'closed';
    return this.#now() - this.#openedAt >= this.cooldownMs ? 'half_open' : 'open';
  }

  /** Failures counted now. */
  get failures(): number {
    if (this.#withinMs === null) return this.#count;
    this.#prune(this.#now());
    return this.#times.length;
  }

  /** May a call go through now? In half-open, exactly one probe is let through until it reports. */
  tryPass(): boolean {
    if (this.#openedAt === null) return true;
    if (this.#probing || this.state === 'open') return false;
    this.#probing = true;
    return true;
  }

  /** The call succeeded: closes the breaker if it had opened (a probe, or a call in flight when it opened). */
  success(): void {
    const wasOpen = this.#openedAt !== null;
    if (this.#withinMs === null || wasOpen) this.#clear();
    this.#openedAt = null;
    this.#probing = false;
    if (wasOpen) this.#tell(null, (this.#changedAt = this.#now()));
  }

  /**
   * The call failed in a way that counts against the callee. A failed probe, or the threshold
   * reached, (re)opens it now; a failure while it is open (a call that was in flight) pushes the
   * cooldown back without telling: only a change of state is told.
   */
  failure(): void {
    const now = this.#now();
    let counted: number;
    if (this.#withinMs === null) counted = ++this.#count;
    else {
      this.#times.push(now);
      this.#prune(now);
      counted = this.#times.length;
    }
    if (!this.#probing && this.#openedAt === null && counted < this.threshold) return;
    const told = this.#openedAt === null || this.#probing;
    this.#openedAt = now;
    this.#probing = false;
    if (told) this.#tell(now, (this.#changedAt = now));
  }

  /** A call that passed but ended without a verdict on the callee (e.g. a bad request): frees the probe. */
  release(): void {
    this.#probing = false;
  }

  /**
   * Takes on what was seen elsewhere, without telling anyone: opened at `openedAt` (epoch ms), or
   * closed (null), at `changedAt`. Only news newer than the last change known here counts: a
   * read that raced this instance's own later change must not undo it.
   */
  adopt(openedAt: number | null, changedAt: number): void {
    if (changedAt <= this.#changedAt) return;
    this.#changedAt = changedAt;
    this.#probing = false;
    if (openedAt !== null) {
      this.#openedAt = Math.max(openedAt, this.#openedAt ?? openedAt);
      if (this.#withinMs === null) this.#count = Math.max(this.#count, this.threshold);
      else while (this.#times.length < this.threshold) this.#times.unshift(openedAt);
    } else {
      this.#openedAt = null;
      this.#clear();
    }
  }

  snapshot(): BreakerSnapshot {
    const opened = this.#openedAt;
    return {
      state: this.state,
      failures: this.failures,
      openedAt: opened === null ? null : new Date(opened),
      retryAt: opened === null ? null : new Date(opened + this.cooldownMs),
    };
  }

  #clear(): void {
    this.#count = 0;
    this.#times = [];
  }

  #prune(now: number): void {
    const from = now - this.#withinMs!;
    let drop = 0;
    while (drop < this.#times.length && this.#times[drop]! <= from) drop++;
    if (drop) this.#times.splice(0, drop);
  }

  #tell(openedAt: number | null, at: number): void {
    this.#onTransition({ state: openedAt === null ? 'closed' : 'open', openedAt: openedAt === null ? null : new Date(openedAt), at: new Date(at) });
  }
}
