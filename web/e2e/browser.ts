// Shared set-up of the browser suites: the built web app, the real server (in-memory PGlite)
// and headless Debian Chromium; console-error watching and screenshots for people to look at.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../../server/src/testing/harness.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SHOTS = `${ROOT}test-artifacts/screens`;
const CHROMIUM = process.env.ATRIUM_CHROMIUM ?? '/usr/bin/chromium';

/** Builds web/dist when missing or stale (the server serves it), starts the server and Chromium. */
export async function startBrowserSuite(): Promise<{ server: TestApp; browser: Browser }> {
  mkdirSync(SHOTS, { recursive: true });
  execFileSync(process.execPath, [`${ROOT}scripts/build-web.mjs`, '--if-stale'], { stdio: 'inherit' });
  const server = await startTestApp();
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  return { server, browser };
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
