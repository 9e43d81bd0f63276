// Shared set-up of the browser suites: the built web app, the real server (in-memory PGlite)
// and headless Debian Chromium; console-error watching and screenshots for people to look at.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { startTestApp, type TestApp } from '../../server/src/testing/harness.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SHOTS = `${ROOT}test-artifacts/screens`;
const CHROMIUM = process.env.ATRIUM_CHROMIUM ?? '/usr/bin/chromium';

/** Starts the server (web/dist is built by web/e2e/global-setup.ts) and Chromium. */
export async function startBrowserSuite(): Promise<{ server: TestApp; browser: Browser }> {
  mkdirSync(SHOTS, { recursive: true });
  const server = await startTestApp();
  try {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
    });
    return { server, browser };
  } catch (err) {
    await server.stop(); // Chromium missing or failing: do not leave the server running
    throw err;
  }
}

export const DESKTOP = { width: 1440, height: 900 };

/** The suite's server and browser, with a desktop English context to open pages in. */
export async function openBrowserSuite(): Promise<{ server: TestApp; browser: Browser; context: BrowserContext }> {
  const { server, browser } = await startBrowserSuite();
  try {
    const context = await browser.newContext({ viewport: DESKTOP, locale: 'en-GB' });
    return { server, browser, context };
  } catch (err) {
    await closeBrowserSuite({ server, browser }); // nothing was handed back for afterAll to close
    throw err;
  }
}

/** For afterAll: whatever beforeAll got to start. */
export async function closeBrowserSuite(s: { server?: TestApp; browser?: Browser }): Promise<void> {
  await s.browser?.close();
  await s.server?.stop();
}

/**
 * Signs a new workspace up through the form and waits for the Pulse. The workspace is then
 * lifted to the enterprise plan, as an operator would: a test browses faster than a person and
 * the free plan's 120 requests a minute a person would refuse it.
 */
export async function signUp(page: Page, server: TestApp, who: { organization: string; name: string; email: string; password: string }): Promise<void> {
  await page.goto(`${server.baseUrl}/signup`);
  await page.getByLabel('Organization').fill(who.organization);
  await page.getByLabel('Name').fill(who.name);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Create workspace' }).click();
  await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Pulse');
  await server.app.db.systemTx((tx) => tx.updateTable('tenants').set({ plan: 'enterprise' }).execute());
}

/** Collects the page's console errors and uncaught exceptions into `into`. */
export function watchConsole(page: Page, into: string[]): Page {
  page.on('console', (msg) => {
    if (msg.type() === 'error') into.push(`${page.url()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => into.push(`${page.url()}: ${err.message}`));
  return page;
}

export async function shot(page: Page, name: string, fullPage = false): Promise<void> {
  await page.waitForLoadState('networkidle').catch(() => {});
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage });
}
