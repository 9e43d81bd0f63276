// End to end in a real browser: an approval step of a flow run shows in the one inbox
// (Approvals) with its flow, approvals/required and a link to the run; approved there with a
// why, it leaves the list and the run completes. Fails on any console error.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../server/src/testing/harness.js';
import { closeBrowserSuite, openBrowserSuite, shot, signUp, watchConsole } from './browser.js';

let server: TestApp;
let browser: Browser;
let context: BrowserContext;
const consoleErrors: string[] = [];
const watch = (page: Page): Page => watchConsole(page, consoleErrors);

beforeAll(async () => void ({ server, browser, context } = await openBrowserSuite()));
afterAll(() => closeBrowserSuite({ server, browser }));

describe('flow approvals in the inbox', () => {
  it('flow run waits → listed on /approvals → approved there → the run completes', async () => {
    const page = watch(await context.newPage());
    await signUp(page, server, { organization: 'Ship & Co', name: 'Grace Hopper', email: `grace-${Date.now()}@example.test`, password: 'amber-lantern-quarry-2719' });
    const csrf = (await context.cookies()).find((c) => c.name === 'atrium_csrf')?.value ?? '';
    const headers = { 'x-csrf-token': csrf };
    const created = await page.request.post(`${server.baseUrl}/v1/flows`, {
      headers,
      data: { key: 'ship-it', name: 'Ship it', steps: [{ id: 'ok', type: 'approval', title: 'Ship it?', approvers: ['role:admin'], exclude_starter: false }] },
    });
    expect(created.status(), await created.text()).toBe(201);
    const started = await page.request.post(`${server.baseUrl}/v1/flows/ship-it/runs`, { headers, data: { input: {} } });
    expect(started.status(), await started.text()).toBeLessThan(300);
    const runId = ((await started.json()) as { data: { id: string } }).data.id;

    // The run reaches its approval step.
    await expect.poll(async () => {
      const r = await page.request.get(`${server.baseUrl}/v1/flow-approvals?mine=true`);
      return ((await r.json()) as { data: { run_id: string }[] }).data.filter((x) => x.run_id === runId).length;
    }, { timeout: 15_000 }).toBe(1);

    await page.goto(`${server.baseUrl}/approvals`);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Inbox');
    const item = page.getByTestId('inbox-list').locator(`li[data-inbox="flow_step:${runId}:ok"]`);
    await item.waitFor();
    expect(await item.textContent()).toContain('Ship it?');
    await item.getByRole('button').click();
    const detail = page.getByTestId('inbox-detail');
    await expect.poll(() => detail.textContent()).toContain('Flow: Ship it');
    expect(await detail.getByTestId('flow-approval-count').textContent()).toBe('0/1 approvals');
    expect(await detail.getByRole('link', { name: 'Open the run' }).getAttribute('href')).toBe(`/runs/${runId}`);
    await shot(page, 'flow-approvals-1440', true);

    await detail.getByRole('button', { name: 'Approve' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Why?').fill('Tested on staging');
    await dialog.getByRole('button', { name: 'Approve' }).click();
    await page.getByText('Approved.').first().waitFor();
    await expect.poll(() => item.count()).toBe(0);
    await page.getByText('Nothing is waiting for you.').waitFor();

    await page.goto(`${server.baseUrl}/runs/${runId}`);
    await expect.poll(() => page.locator('.page-head [data-status]').getAttribute('data-status'), { timeout: 15_000 }).toBe('completed');
    await page.close();
    expect(consoleErrors.join('\n')).toBe('');
  });
});
