// The Departments canvas (issue 16, defect 7): "1 workflow" in the singular (i18next plurals, in
// en, fr and mg), a department without workflows is not a green "On track", and arrows are
// promised only when there are handoffs to draw.
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

describe('the Departments canvas', () => {
  it('counts in the singular, shows an empty department as empty, and promises no arrows it does not draw', async () => {
    const page: Page = watchConsole(await context.newPage(), consoleErrors);
    await signUp(page, server, { organization: 'Zebu', name: 'Tiana Ravelo', email: `tiana-${Date.now()}@example.test`, password: 'amber-lantern-quarry-2719' });
    const csrf = (await context.cookies()).find((c) => c.name === 'atrium_csrf')?.value ?? '';
    const me = ((await (await page.request.get(`${server.baseUrl}/v1/me`)).json()) as { data: { user: { id: string } } }).data;
    const made = await page.request.post(`${server.baseUrl}/v1/workflows`, { headers: { 'x-csrf-token': csrf }, data: { name: 'Payroll', department: 'finance', owner_id: me.user.id } });
    expect(made.status()).toBeLessThan(300);

    await page.goto(`${server.baseUrl}/canvas`);
    const list = page.getByRole('region', { name: 'All departments' }).or(page.locator('section[aria-labelledby=dept-list-h]'));
    const row = (name: string) => list.locator('li', { hasText: name });
    await expect.poll(() => row('Finance').textContent()).toContain('1 workflow');
    expect(await row('Finance').textContent()).not.toContain('1 workflows');
    expect(await row('Sales').textContent()).toContain('No workflows yet');
    expect(await row('Sales').textContent()).not.toContain('On track');
    expect(await page.getByTestId('canvas-hint').textContent()).not.toMatch(/arrow/i);

    for (const [lng, one, none] of [['fr', '1 workflow', 'Aucun workflow'], ['mg', "fizotran'asa 1", "Tsy mbola misy fizotran'asa"]] as const) {
      await page.evaluate((l) => localStorage.setItem('atrium.lang', l), lng);
      await page.reload();
      await expect.poll(async () => (await list.locator('li').allTextContents()).some((r) => r.includes(none))).toBe(true);
      const rows = await list.locator('li').allTextContents();
      expect(rows.some((r) => r.includes(one) && !r.includes(`${one}s`)), rows.join(' | ')).toBe(true);
      expect(rows.filter((r) => r.includes(none)).length, rows.join(' | ')).toBeGreaterThan(0);
    }
    await page.evaluate(() => localStorage.setItem('atrium.lang', 'en'));
    expect(consoleErrors).toEqual([]);
  });
});
