// Rate limits over real HTTP: per person and per workspace by plan (free 120 and 600 a minute,
// docs/rate-limits.md) with X-RateLimit-* headers and 429 + Retry-After, per IP on the auth endpoints (30/min),
// and — on server Postgres — one limit shared by several serve processes (the second one a
// child process on the same clock). The app runs on an injected clock: a burst starts at the
// top of a window and "the next minute" is a jump.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AtriumClient } from '../../../../sdk/src/index.js';
import { serverDatabaseUrl, startTestApp, type TestApp, type TestTenant } from '../../testing/harness.js';
import { envelope, newEmail, windowClock } from './testing.js';
import { killAllChildren, runTestApp } from '../../testing/processes.js';

const clock = windowClock();
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ now: clock.now });
});
afterAll(async () => {
  await killAllChildren();
  await t?.stop();
});

const header = (res: Response, name: string) => res.headers.get(name);
const remaining = (res: Response) => Number(header(res, 'x-ratelimit-remaining'));

async function expectRateLimited(res: Response, limit: number): Promise<void> {
  expect(res.status).toBe(429);
  expect((await envelope<null>(res)).error?.code).toBe('RATE_LIMITED');
  const retry = Number(header(res, 'retry-after'));
  expect(retry).toBeGreaterThanOrEqual(1);
  expect(retry).toBeLessThanOrEqual(60);
  expect(header(res, 'x-ratelimit-limit')).toBe(String(limit));
  expect(header(res, 'x-ratelimit-remaining')).toBe('0');
}

/** Invites someone into `owner`'s workspace and signs them in; returns their session client. */
async function colleague(owner: TestTenant): Promise<AtriumClient> {
  const invite = await owner.client.members.invite(newEmail('colleague'), 'member');
  const accepted = await t.client().members.accept({ token: invite.token!, name: 'A colleague', password: 'Velvet-Harbour-123456!' });
  return t.client(accepted.token ?? undefined);
}

/** `n` requests that must all pass; returns the X-RateLimit-Remaining each answered. */
async function burst(client: AtriumClient, n: number, limit: number): Promise<number[]> {
  const seen: number[] = [];
  for (let i = 0; i < n; i++) {
    const res = await client.raw('GET', '/v1/me');
    expect(res.status, `request ${i + 1}`).toBe(200);
    expect(header(res, 'x-ratelimit-limit')).toBe(String(limit));
    const reset = Number(header(res, 'x-ratelimit-reset'));
    expect(reset).toBeGreaterThanOrEqual(1);
    expect(reset).toBeLessThanOrEqual(60);
    seen.push(remaining(res));
  }
  return seen;
}

describe('per-person and per-workspace limits by plan', () => {
  it('on the free plan a person gets 120 requests a minute: the 121st is 429 with Retry-After, a colleague in the same workspace is not refused, the next window is open again', async () => {
    const free = await t.tenant('Free Co', { plan: 'free' });
    const other = await t.tenant('Neighbour', { plan: 'free' });
    const mate = await colleague(free);
    clock.nextWindow();
    expect(await burst(free.client, 120, 120)).toEqual(Array.from({ length: 120 }, (_, i) => 119 - i));
    await expectRateLimited(await free.client.raw('GET', '/v1/me'), 120);
    // Every route is limited for this person, not only this one…
    await expectRateLimited(await free.client.raw('GET', '/v1/diffs'), 120);
    // …but not their colleague (one person reloading cannot sign the others out)…
    const theirs = await mate.raw('GET', '/v1/me');
    expect(theirs.status).toBe(200);
    expect(remaining(theirs)).toBe(119);
    // …nor another workspace.
    const neighbour = await other.client.raw('GET', '/v1/me');
    expect(neighbour.status).toBe(200);
    expect(remaining(neighbour)).toBe(119);

    clock.nextWindow(); // the next minute
    const again = await free.client.raw('GET', '/v1/me');
    expect(again.status).toBe(200);
    expect(remaining(again)).toBe(119);
  });

  it('the free workspace as a whole gets 600 a minute: six people together use it up, then everyone is refused; refused requests of a person do not count against it', async () => {
    const free = await t.tenant('Busy Co', { plan: 'free' });
    const people = [free.client];
    for (let i = 0; i < 5; i++) people.push(await colleague(free));
    clock.nextWindow();
    // The first person goes over their own limit: those refusals leave the workspace's count alone.
    await burst(people[0]!, 120, 120);
    for (let i = 0; i < 3; i++) await expectRateLimited(await people[0]!.raw('GET', '/v1/me'), 120);
    for (const person of people.slice(1, 4)) await burst(person, 120, 120);
    await burst(people[4]!, 60, 120); // 540 counted
    // The sixth person's headers show the workspace's count, the tighter of the two.
    const sixth = await people[5]!.raw('GET', '/v1/me');
    expect(header(sixth, 'x-ratelimit-limit')).toBe('600');
    expect(remaining(sixth)).toBe(59);
    expect(await burst(people[5]!, 59, 600)).toEqual(Array.from({ length: 59 }, (_, i) => 58 - i));
    await expectRateLimited(await people[5]!.raw('GET', '/v1/me'), 600);
    await expectRateLimited(await people[4]!.raw('GET', '/v1/me'), 600);
  });

  it('pro and enterprise plans: 300 and 2 000 a minute for a person', async () => {
    const pro = await t.tenant('Pro Co', { plan: 'pro' });
    const enterprise = await t.tenant('Big Co', { plan: 'enterprise' });
    expect(header(await pro.client.raw('GET', '/v1/me'), 'x-ratelimit-limit')).toBe('300');
    expect(header(await enterprise.client.raw('GET', '/v1/me'), 'x-ratelimit-limit')).toBe('2000');
  });
});

describe('per-IP limit on the auth endpoints', () => {
  it('allows 30 sign-up/log-in requests a minute from one IP, then 429 RATE_LIMITED', async () => {
    const anon = t.client();
    const tenant = await t.tenant('Still Working');
    clock.nextWindow();
    const seen: number[] = [];
    for (let i = 0; i < 30; i++) {
      // Both endpoints share the budget; these requests fail on their own (a weak password,
      // a malformed body) so that no account or IP lockout gets mixed in.
      const res = i % 2
        ? await anon.raw('POST', '/v1/auth/signup', { body: { organization: 'Burst', name: 'B', email: newEmail('burst'), password: 'password123' } })
        : await anon.raw('POST', '/v1/auth/login', { body: { email: 'not-an-email', password: 'x' } });
      expect(res.status, `request ${i + 1}`).toBe(400);
      expect(header(res, 'x-ratelimit-limit')).toBe('30');
      seen.push(remaining(res));
    }
    expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => 29 - i));
    await expectRateLimited(await anon.raw('POST', '/v1/auth/login', { body: { email: newEmail(), password: 'whatever-password' } }), 30);
    await expectRateLimited(await anon.raw('POST', '/v1/auth/signup', { body: { organization: 'O', name: 'N', email: newEmail(), password: 'Velvet-Harbour-123456!' } }), 30);
    await expectRateLimited(await anon.raw('POST', '/v1/invitations/accept', { body: { token: 'inv_0123456789abcdef', password: 'x' } }), 30);
    // Signed-in traffic from the same IP is counted per person and workspace, not against this limit.
    const me = await tenant.client.raw('GET', '/v1/me');
    expect(me.status).toBe(200);
    expect(header(me, 'x-ratelimit-limit')).toBe('2000');
  });
});

describe('limits across serve processes', () => {
  // Embedded PGlite serves from one process: only server Postgres has several to share a count.
  // The second serve is its own OS process (no memory shared with this one), on this process's
  // clock: the test hands it the clock's offset after moving to the next window.
  it.runIf(!!serverDatabaseUrl())('on server Postgres, two serve processes on one database share the count: a person’s 121st request overall is refused', { timeout: 180_000 }, async () => {
    const second = await runTestApp('serve', {
      config: { port: 0, host: '127.0.0.1', databaseUrl: t.databaseUrl!, logLevel: 'warn', seedDemo: false },
      clockOffsetMs: clock.offset(),
    });
    try {
      const free = await t.tenant('Shared Co', { plan: 'free' });
      const clients = [free.client, new AtriumClient({ baseUrl: second.baseUrl, token: free.token })];
      clock.nextWindow();
      await second.setClockOffset(clock.offset());
      const seen: number[] = [];
      for (let i = 0; i < 120; i++) {
        const res = await clients[i % 2]!.raw('GET', '/v1/me');
        expect(res.status, `request ${i + 1} (process ${(i % 2) + 1})`).toBe(200);
        seen.push(remaining(res));
      }
      expect(seen).toEqual(Array.from({ length: 120 }, (_, i) => 119 - i));
      await expectRateLimited(await clients[0]!.raw('GET', '/v1/me'), 120);
      await expectRateLimited(await clients[1]!.raw('GET', '/v1/me'), 120);
    } finally {
      await second.stop('SIGTERM', 30_000);
    }
  });
});
