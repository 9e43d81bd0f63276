// The one source of "now" that platform pieces and modules take as a dependency, so tests can
// move time instead of waiting for it (rate-limit windows, breaker cooldowns, health, expiry).
// A Clock returns a fresh Date on every call; code that needs epoch milliseconds calls
// `clock().getTime()`.

export type Clock = () => Date;

/** Wall-clock time. */
export const systemClock: Clock = () => new Date();
