// Nothing said twice (issue 16, defect 8): the palette lists "Show blocked tasks" once and a
// template once; the Department select lists Operations once; the Pulse says "Joël joined", not
// "Joël joined Joël", and leaves sign-ins to the audit log.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../server/src/testing/harness.js';
import { closeBrowserSuite, openBrowserSuite, signUp, watchConsole } from './browser.js';

let server: TestApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const consoleErrors: string[] = [];

beforeAll(async () => void ({ server, browser, context } = await openBrowserSuite()));
afterAll(() => closeBrowserSuite({ server, browser }));

const options = () => page.getByRole('listbox').getByRole('option').allTextContents();

describe('nothing said twice', () => {
  it('the Pulse feed: "Joël joined" once when he accepts an invitation, and no sign-in', async () => {
    page = watchConsole(await context.newPage(), consoleErrors);
    await signUp(page, server, { organization: 'Maki', name: 'Hanta Rabe', email: `hanta-${Date.now()}@example.test`, password: 'amber-lantern-quarry-2719' });
    const csrf = (await context.cookies()).find((c) => c.name === 'atrium_csrf')?.value ?? '';
    const invite = await page.request.post(`${server.baseUrl}/v1/members`, { headers: { 'x-csrf-token': csrf }, data: { email: `joel-${Date.now()}@example.test`, role: 'member' } });
    const token = ((await invite.json()) as { data: { token: string } }).data.token;
    // Joël accepts from his own browser (a plain request here: no cookie of this context).
    const accepted = await fetch(`${server.baseUrl}/v1/invitations/accept`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token, name: 'Joël Rakoto', password: 'violet-harbour-kettle-1843' }) });
    expect(accepted.status).toBeLessThan(300);
    await page.reload();
    const feed = page.locator('.feed-item');
    await expect.poll(() => feed.allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('joined')]));
    const joined = (await feed.allTextContents()).find((x) => x.includes('joined'))!;
    expect(joined.split('Joël Rakoto').length - 1, joined).toBe(1);
    expect((await feed.allTextContents()).filter((x) => /signed in/i.test(x))).toEqual([]);
  });

  it('the palette lists a command once and a template once', async () => {
    await page.keyboard.press('Control+k');
    await page.getByRole('dialog').getByRole('combobox').fill('show blocked tasks');
    await expect.poll(async () => (await options()).filter((o) => o.startsWith('Show blocked tasks')).length).toBe(1);
    await page.getByRole('dialog').getByRole('combobox').fill('new workflow from client onboarding');
    await expect.poll(async () => (await options()).length).toBeGreaterThan(0);
    await expect.poll(async () => (await options()).filter((o) => o.startsWith('New workflow from “Client onboarding”')).length).toBe(1);
    await page.keyboard.press('Escape');
  });

  it('the Department select of a blank workflow lists Operations once', async () => {
    await page.goto(`${server.baseUrl}/workflows/new`);
    const select = page.getByLabel('Department');
    await select.waitFor();
    const labels = await select.locator('option').allTextContents();
    expect(labels.filter((l) => l === 'Operations')).toHaveLength(1);
    expect(await select.inputValue()).toBe('ops');
    expect(consoleErrors).toEqual([]);
  });
});
