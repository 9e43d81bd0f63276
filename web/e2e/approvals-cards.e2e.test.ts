// What an approver sees of a rule-held change (issue 16, defect 4): the requester's why, the
// task by its name (never its id), "waiting for an admin or owner" while pending — not
// "approved by admins" — and dialog titles without quotes nested in quotes.
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

describe('approval cards', () => {
  it('show the requester’s why, the task by name and who may decide; the dialog title nests no quotes', async () => {
    const page: Page = watchConsole(await context.newPage(), consoleErrors);
    await signUp(page, server, { organization: 'Tsingy', name: 'Lova Rasoa', email: `lova-${Date.now()}@example.test`, password: 'amber-lantern-quarry-2719' });
    const csrf = (await context.cookies()).find((c) => c.name === 'atrium_csrf')?.value ?? '';
    const call = async <T,>(method: 'GET' | 'POST' | 'PATCH', url: string, data?: unknown): Promise<{ status: number; data: T }> => {
      const r = await page.request.fetch(`${server.baseUrl}${url}`, { method, headers: { 'x-csrf-token': csrf }, ...(data !== undefined && { data }) });
      expect(r.status(), `${method} ${url}: ${await r.text()}`).toBeLessThan(300);
      return { status: r.status(), data: ((await r.json()) as { data: T }).data };
    };
    await call('POST', '/v1/rules', {
      name: 'Urgent needs approval',
      trigger: { namespace: 'flow_os', entity_type: 'task', event: 'task.updated', when: { path: 'after.priority', op: 'changed_to', value: 'urgent' } },
      actions: [{ type: 'require_approval', approvers: 'role:admin', message: 'Making "{{after.name}}" urgent needs an approval' }],
    });
    const wf = (await call<{ id: string }>('POST', '/v1/workflows', { name: 'Export' })).data;
    const task = (await call<{ id: string; version: number }>('POST', `/v1/workflows/${wf.id}/tasks`, { name: 'Load the container' })).data;
    const held = await call<{ id: string }>('PATCH', `/v1/tasks/${task.id}`, { priority: 'urgent', why: 'the ship leaves tomorrow', version: task.version });
    expect(held.status).toBe(202);
    const quotes = (s: string) => (s.match(/[“”«»"]/g) ?? []).length;

    // The held change's own page: the same facts, and a title with one pair of quotes at most.
    await page.goto(`${server.baseUrl}/approvals/${held.data.id}`);
    const own = page.locator(`[data-approval="${held.data.id}"]`);
    await expect.poll(() => own.getByTestId('requested-why').textContent()).toContain('the ship leaves tomorrow');
    await own.getByRole('button', { name: 'Approve', exact: true }).click();
    expect(quotes((await page.getByRole('dialog').getByRole('heading').first().textContent())!)).toBeLessThanOrEqual(2);
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });

    await page.goto(`${server.baseUrl}/approvals`);
    await page.getByTestId('inbox-list').locator('.inbox-open').first().click();
    const detail = page.getByTestId('inbox-detail');
    await expect.poll(() => detail.getByTestId('requested-why').textContent()).toContain('the ship leaves tomorrow');
    await expect.poll(() => detail.getByTestId('held-entity').textContent()).toContain('Load the container');
    const facts = (await detail.getByTestId('held-entity').textContent())!;
    expect(facts).not.toContain(task.id);
    expect(facts).toContain('waiting for an admin or owner');
    expect(await detail.textContent()).not.toContain('approved by admins');

    await detail.getByRole('button', { name: 'Approve', exact: true }).click();
    const title = (await page.getByRole('dialog').getByRole('heading').first().textContent())!;
    expect(title).toContain('Load the container');
    expect(quotes(title)).toBeLessThanOrEqual(2); // no quote opened inside another
    await page.keyboard.type('agreed, it cannot wait');
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').waitFor({ state: 'detached' });

    // Decided: who decided and why; no "waiting for" any more.
    await page.goto(`${server.baseUrl}/approvals?status=decided`);
    const card = page.getByTestId('approvals-list').locator('li').first();
    await expect.poll(() => card.textContent()).toContain('agreed, it cannot wait');
    expect(await card.textContent()).toContain('the ship leaves tomorrow');
    expect(await card.textContent()).not.toContain('waiting for');
    expect(consoleErrors).toEqual([]);
  });
});
