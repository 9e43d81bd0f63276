// Helpers for the identity module's HTTP tests: people with strong passwords, cookies,
// TOTP codes that are never reused, a clock for rate-limit windows, and owner-level SQL.
import { randomBytes } from 'node:crypto';
import { generate } from 'otplib';
import type { AtriumClient, EnvelopeOf, Session } from '../../../../sdk/src/index.js';
import type { Clock } from '../../platform/clock.js';
import { WINDOW_MS, windowStartOf } from '../../platform/http/rate-limit.js';
import type { TestApp } from '../../testing/harness.js';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const newEmail = (who = 'person'): string => `${who}-${randomBytes(5).toString('hex')}@example.test`;

/** Long and random enough for the password policy; never a common password. */
export const newPassword = (): string => `Velvet-Harbour-${randomBytes(6).toString('hex')}!`;

export type Person = { email: string; password: string; session: Session; client: AtriumClient };

/** Signs up over HTTP (one request against the per-IP auth limit). */
export async function signup(t: TestApp, input: { organization?: string; name?: string; email?: string; password?: string } = {}): Promise<Person> {
  const email = input.email ?? newEmail();
  const password = input.password ?? newPassword();
  const session = await t.client().auth.signup({
    organization: input.organization ?? `Org ${randomBytes(3).toString('hex')}`,
    name: input.name ?? 'Test Person',
    email,
    password,
  });
  return { email, password, session, client: t.client(session.token) };
}

/** Reads a JSON envelope from a raw response. */
export async function envelope<T>(res: Response): Promise<EnvelopeOf<T>> {
  return (await res.json()) as EnvelopeOf<T>;
}

export type SetCookie = { name: string; value: string; attributes: string[] };

/** The cookies a response sets, with their attributes (lower-cased). */
export function setCookies(res: Response): Map<string, SetCookie> {
  const out = new Map<string, SetCookie>();
  for (const line of res.headers.getSetCookie()) {
    const [pair = '', ...attrs] = line.split(';').map((s) => s.trim());
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq);
    out.set(name, { name, value: decodeURIComponent(pair.slice(eq + 1)), attributes: attrs.map((a) => a.toLowerCase()) });
  }
  return out;
}

/** A `cookie` request header from the cookies of a response. */
export function cookieHeader(res: Response): string {
  return [...setCookies(res).values()].map((c) => `${c.name}=${encodeURIComponent(c.value)}`).join('; ');
}

/** Runs SQL as the database owner (no RLS), for facts the API does not show (hashes, expiry). */
export async function ownerSql<T>(t: TestApp, text: string, values: unknown[] = []): Promise<T[]> {
  const { rows } = await t.app.db.ownerExecutor.executeSql(text, values);
  return rows as T[];
}

const PERIOD = 30;
const currentStep = () => Math.floor(Date.now() / 1000 / PERIOD);

/**
 * An authenticator app that never hands out a code for a time step it already used (the
 * server refuses replays). The server accepts the previous, current and next step, so up to
 * three codes are available at once; beyond that it waits for the clock.
 */
export class Authenticator {
  #lastStep = Number.NEGATIVE_INFINITY;
  /** The last code handed out, to try a replay. */
  last = '';

  constructor(readonly secret: string) {}

  async next(): Promise<string> {
    for (;;) {
      const cur = currentStep();
      const secondsIntoStep = Date.now() / 1000 - cur * PERIOD;
      // The previous step stops being accepted at the boundary: not that one close to it (a
      // browser flow under load can take several seconds from code to check).
      const floor = secondsIntoStep > PERIOD - 10 ? cur : cur - 1;
      const step = Math.max(this.#lastStep + 1, floor);
      if (step <= cur + 1) {
        this.#lastStep = step;
        this.last = await generate({ secret: this.secret, epoch: step * PERIOD });
        return this.last;
      }
      await sleep((cur + 1) * PERIOD * 1000 - Date.now() + 100);
    }
  }

  /** A valid-looking code that is not the one for any accepted step. */
  async wrong(): Promise<string> {
    const cur = currentStep();
    const valid = new Set(await Promise.all([-1, 0, 1].map((d) => generate({ secret: this.secret, epoch: (cur + d) * PERIOD }))));
    for (let n = 0; ; n++) {
      const code = String((123456 + n * 7919) % 1_000_000).padStart(6, '0');
      if (!valid.has(code)) return code;
    }
  }
}

/**
 * The application clock for rate-limit tests: wall time plus an offset that only grows.
 * Rate limits count in fixed one-minute windows; `nextWindow()` moves the clock to the start
 * of the next one, so a burst is never split across two windows (it has a whole minute of
 * real time) and "a minute later" is a jump instead of a wait. Pass `now` to startTestApp.
 */
export function windowClock(): { now: Clock; nextWindow(): void; offset(): number } {
  let offset = 0;
  const now: Clock = () => new Date(Date.now() + offset);
  return {
    now,
    /** How far ahead of wall time the clock is (for another process to run on the same clock). */
    offset: () => offset,
    nextWindow() {
      const at = now().getTime();
      offset += windowStartOf(at) + WINDOW_MS + 1 - at;
    },
  };
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
