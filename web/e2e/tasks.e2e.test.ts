// The board says what the list says (issue 16, defect 5): an overdue task has the Overdue
// marker on its card, a blocked task the why it is blocked — on the board, the list, the Pulse's
// blocked tasks and the Tasks page.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../server/src/testing/harness.js';
import { closeBrowserSuite, openBrowserSuite, signUp, watchConsole } from './browser.js';

let server: TestApp;
let browser: Browser;
let context: BrowserContext;
const consoleErrors: string[] = [];
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => void ({ server, browser, context } = await openBrowserSuite()));
afterAll(() => closeBrowserSuite({ server, browser }));

describe('overdue and blocked, everywhere tasks are listed', () => {
  it('board cards carry the Overdue marker and the blocked why; the list, the Pulse and Tasks show the why', async () => {
    const page: Page = watchConsole(await context.newPage(), consoleErrors);
    await signUp(page, server, { organization: 'Ylang Ylang', name: 'Mialy Rabe', email: `mialy-${Date.now()}@example.test`, password: 'amber-lantern-quarry-2719' });
    const csrf = (await context.cookies()).find((c) => c.name === 'atrium_csrf')?.value ?? '';
    const api = async <T,>(method: 'GET' | 'POST' | 'PATCH', url: string, data?: unknown): Promise<T> => {
      const r = await page.request.fetch(`${server.baseUrl}${url}`, { method, headers: { 'x-csrf-token': csrf }, ...(data !== undefined && { data }) });
      expect(r.status(), `${method} ${url}: ${await r.text()}`).toBeLessThan(300);
      return ((await r.json()) as { data: T }).data;
    };
    const me = await api<{ user: { id: string } }>('GET', '/v1/me');
    const wf = await api<{ id: string }>('POST', '/v1/workflows', { name: 'Distillery', owner_id: me.user.id });
    await api('POST', `/v1/workflows/${wf.id}/tasks`, { name: 'Order the copper still', status: 'blocked', why: 'the supplier is closed until Monday' });
    await api('POST', `/v1/workflows/${wf.id}/tasks`, { name: 'Pick the flowers', due_date: day(-3) });

    await page.goto(`${server.baseUrl}/workflows/${wf.id}?view=board`);
    const late = page.locator('[data-column=todo] [data-task="Pick the flowers"]');
    await late.waitFor();
    expect(await late.textContent()).toContain('Overdue');
    const stuck = page.locator('[data-column=blocked] [data-task="Order the copper still"]');
    await expect.poll(() => stuck.getByTestId('blocked-why').textContent()).toContain('the supplier is closed until Monday');

    await page.goto(`${server.baseUrl}/workflows/${wf.id}`);
    await expect.poll(() => page.locator('tr[data-task="Order the copper still"]').getByTestId('blocked-why').textContent()).toContain('the supplier is closed');

    await page.goto(`${server.baseUrl}/`);
    await expect.poll(() => page.getByTestId('blocked-why').first().textContent()).toContain('the supplier is closed');

    await page.goto(`${server.baseUrl}/tasks?filter=blocked`);
    await expect.poll(() => page.getByTestId('blocked-why').first().textContent()).toContain('the supplier is closed');
    expect(consoleErrors).toEqual([]);
  });
});
