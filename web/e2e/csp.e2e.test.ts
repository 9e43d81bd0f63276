// The app runs under its Content-Security-Policy with no violation on any main screen (the
// policy allows scripts, styles and connections from this origin only), and the policy really
// stops what it is for: an injected inline script does not run.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../server/src/testing/harness.js';
import { closeBrowserSuite, openBrowserSuite, signUp, watchConsole } from './browser.js';

let server: TestApp;
let browser: Browser;
let context: BrowserContext;
const consoleErrors: string[] = [];

beforeAll(async () => void ({ server, browser, context } = await openBrowserSuite()));
afterAll(() => closeBrowserSuite({ server, browser }));

type Violation = { directive: string; blocked: string; sample: string };
declare global {
  interface Window { __cspViolations?: Violation[]; __injectedRan?: boolean }
}

/** Collects the page's CSP violation events from before its first script. */
async function recordViolations(page: Page): Promise<void> {
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations!.push({ directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample });
    });
  });
}

const violations = (page: Page) => page.evaluate(() => window.__cspViolations ?? []);

describe('Content-Security-Policy', () => {
  it('is sent with the app: scripts and connections from self, no inline scripts, no framing', async () => {
    const res = await fetch(`${server.baseUrl}/`, { headers: { accept: 'text/html' } });
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(await res.text()).not.toMatch(/<script>(?!<\/script>)/);
  });

  it('every main screen runs with no violation and no console error', async () => {
    const page = watchConsole(await context.newPage(), consoleErrors);
    await recordViolations(page);
    await signUp(page, server, { organization: 'Policy Co', name: 'Pat Policy', email: `csp-${Date.now()}@example.test`, password: 'quartz-meadow-lantern-2291' });
    for (const path of ['/', '/workflows', '/workflows/new', '/tasks', '/canvas', '/audit', '/rules', '/approvals', '/notifications', '/settings', '/settings/ai']) {
      await page.goto(`${server.baseUrl}${path}`);
      await page.getByRole('heading', { level: 1 }).first().waitFor();
      await page.waitForLoadState('networkidle');
      expect(await violations(page), path).toEqual([]);
    }
    // Live updates connect to this origin's stream.
    await page.goto(`${server.baseUrl}/`);
    await expect.poll(() => page.locator('[data-live]').getAttribute('data-live'), { timeout: 10_000 }).toBe('live');
    expect(await violations(page)).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });

  it('an injected inline script is refused and does not run', async () => {
    const page = await context.newPage();
    await recordViolations(page);
    await page.goto(`${server.baseUrl}/login`);
    await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__injectedRan = true';
      document.body.appendChild(s);
    });
    await expect.poll(async () => (await violations(page)).length).toBeGreaterThan(0);
    expect((await violations(page))[0]!.directive).toMatch(/^script-src/);
    expect(await page.evaluate(() => window.__injectedRan ?? false)).toBe(false);
  });
});
