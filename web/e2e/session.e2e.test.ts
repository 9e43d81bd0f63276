// The session in a real browser when `/v1/me` is refused for another reason than "signed out"
// (issue 16, defect 1): a 429 shows a wait message and is retried after its Retry-After, never
// a sign-out; a 5xx the same. The refusals are injected with playwright's request routing, and
// each retry is held until the test has seen the message (no sleeping, no racing the timer).
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../server/src/testing/harness.js';
import { closeBrowserSuite, openBrowserSuite, signUp, watchConsole } from './browser.js';

let server: TestApp;
let browser: Browser;
let context: BrowserContext;
const consoleErrors: string[] = [];
// The refusals this test injects are logged by Chromium as failed loads: expected here.
const watch = (page: Page): Page => watchConsole(page, consoleErrors);
const unexpected = () => consoleErrors.filter((e) => !/status of (429|503)/.test(e));

beforeAll(async () => void ({ server, browser, context } = await openBrowserSuite()));
afterAll(() => closeBrowserSuite({ server, browser }));

/** Answers the next `/v1/me` with `status`; the one after waits for `release`, then reaches the server. */
async function refuseMeOnce(page: Page, status: number, headers: Record<string, string>) {
  const calls: number[] = [];
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  await page.route('**/v1/me', async (route: Route) => {
    calls.push(Date.now());
    if (calls.length === 1) {
      const code = status === 429 ? 'RATE_LIMITED' : 'DATABASE_UNAVAILABLE';
      await route.fulfill({ status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ data: null, error: { code, message: 'refused', details: [] }, meta: {} }) });
      return;
    }
    await released;
    await route.continue();
  });
  return { calls, release };
}

describe('the session when /v1/me is refused', () => {
  it('a 429 shows a wait message, retries after Retry-After and lands on the screen asked for — never on the sign-in page', async () => {
    const page = watch(await context.newPage());
    await signUp(page, server, { organization: 'Lemur Ltd', name: 'Voahirana', email: `voa-${Date.now()}@example.test`, password: 'amber-lantern-quarry-2719' });
    const me = await refuseMeOnce(page, 429, { 'retry-after': '2' });
    await page.goto(`${server.baseUrl}/workflows`);
    const wait = page.getByTestId('session-waiting');
    await wait.waitFor();
    expect(await wait.textContent()).toContain('Trying again in 2 s');
    expect(page.url()).not.toContain('/login');
    await expect.poll(() => me.calls.length, { timeout: 10_000 }).toBe(2);
    // Retry-After is respected: the second ask comes no sooner than 2 s after the first.
    expect(me.calls[1]! - me.calls[0]!).toBeGreaterThanOrEqual(1900);
    me.release();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Workflows');
    expect(page.url()).toBe(`${server.baseUrl}/workflows`);
    await page.close();
  });

  it('a 503 is not a sign-out either: the same wait, then the Pulse', async () => {
    const page = watch(await context.newPage());
    const me = await refuseMeOnce(page, 503, { 'retry-after': '1' });
    await page.goto(`${server.baseUrl}/`);
    await page.getByTestId('session-waiting').waitFor();
    expect(await page.getByTestId('session-waiting').textContent()).toContain('cannot be reached');
    me.release();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Pulse');
    expect(page.url()).not.toContain('/login');
    expect(unexpected()).toEqual([]);
    await page.close();
  });
});

describe('what a screen load costs against the rate limit', () => {
  // A budget that keeps a person reloading the Pulse well under the free plan's 120 a minute (docs/rate-limits.md).
  it('a cold load of the Pulse sends at most 5 API requests (the stream aside)', async () => {
    const page = watch(await context.newPage());
    const sent: string[] = [];
    page.on('request', (r) => {
      const url = new URL(r.url());
      if (url.pathname.startsWith('/v1/') && url.pathname !== '/v1/stream') sent.push(`${r.method()} ${url.pathname}`);
    });
    await page.goto(`${server.baseUrl}/`);
    await page.getByTestId('health-yellow').waitFor();
    await expect.poll(() => page.locator('[data-live]').getAttribute('data-live')).toBe('live');
    await page.waitForLoadState('networkidle');
    expect(sent.length, sent.join(', ')).toBeLessThanOrEqual(5);
    await page.close();
  });
});

describe('a cold load', () => {
  it('paints a skeleton of the shell before the JS bundle has run', async () => {
    const page = watch(await context.newPage());
    // Hold the app's JS: what shows meanwhile is what index.html and the stylesheet paint alone.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    await page.route(/\/assets\/.*\.js$/, async (route) => {
      await held;
      await route.continue();
    });
    await page.goto(`${server.baseUrl}/`, { waitUntil: 'commit' });
    const skeleton = page.getByTestId('boot-skeleton');
    await skeleton.waitFor();
    await expect.poll(() => skeleton.evaluate((el) => el.getBoundingClientRect().height)).toBeGreaterThan(300);
    release();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Pulse');
    expect(await skeleton.count()).toBe(0);
    await page.close();
  });
});
