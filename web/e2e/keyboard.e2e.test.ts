// Keyboard only (issue 16, defect 2): arrows on a closed status select browse, they do not save
// (one choice → one diff); Enter and Ctrl+Enter send the why; focus goes back to the opener
// after a dialog and after a palette command; Escape closes the phone drawer, and the page
// behind it is inert while it is open; "Sign out" comes after the search and the content.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../server/src/testing/harness.js';
import { closeBrowserSuite, DESKTOP, openBrowserSuite, signUp, watchConsole } from './browser.js';

let server: TestApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let workflowId = '';
const tasks: Record<string, string> = {};
const consoleErrors: string[] = [];

type Api = <T>(method: 'GET' | 'POST' | 'PATCH', url: string, data?: unknown) => Promise<T>;
let api: Api;

beforeAll(async () => {
  ({ server, browser, context } = await openBrowserSuite());
});
afterAll(() => closeBrowserSuite({ server, browser }));

const focused = () => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.tagName);
const statusSelect = (name: string) => page.getByRole('combobox', { name: `Status of “${name}”`, exact: true });
const statusDiffs = async (taskId: string) =>
  (await api<{ event: string; before: { status?: string } | null; after: { status?: string } }[]>('GET', `/v1/entities/task/${taskId}/history`)).filter((d) => d.before?.status && d.after?.status);

describe('keyboard only', () => {
  it('a workspace with a workflow of two tasks', async () => {
    page = watchConsole(await context.newPage(), consoleErrors);
    await signUp(page, server, { organization: 'Ravinala', name: 'Fara Andria', email: `fara-${Date.now()}@example.test`, password: 'amber-lantern-quarry-2719' });
    const csrf = (await context.cookies()).find((c) => c.name === 'atrium_csrf')?.value ?? '';
    api = async <T,>(method: 'GET' | 'POST' | 'PATCH', url: string, data?: unknown): Promise<T> => {
      const r = await page.request.fetch(`${server.baseUrl}${url}`, { method, headers: { 'x-csrf-token': csrf }, ...(data !== undefined && { data }) });
      expect(r.status(), `${method} ${url}: ${await r.text()}`).toBeLessThan(300);
      return ((await r.json()) as { data: T }).data;
    };
    const me = await api<{ user: { id: string } }>('GET', '/v1/me');
    workflowId = (await api<{ id: string }>('POST', '/v1/workflows', { name: 'Vanilla export', owner_id: me.user.id })).id;
    for (const name of ['Weigh the pods', 'Book the container']) tasks[name] = (await api<{ id: string }>('POST', `/v1/workflows/${workflowId}/tasks`, { name })).id;
  });

  it('arrows on a closed status select only browse; Enter chooses; the why is sent with Enter; one diff; focus back on the select', async () => {
    const patches: string[] = [];
    page.on('request', (r) => r.method() === 'PATCH' && patches.push(r.url()));
    await page.goto(`${server.baseUrl}/workflows/${workflowId}`);
    const id = tasks['Weigh the pods']!;
    const select = statusSelect('Weigh the pods');
    await select.focus();
    await page.keyboard.press('ArrowDown'); // In progress
    await page.keyboard.press('ArrowDown'); // Blocked
    await expect.poll(() => select.inputValue()).toBe('blocked');
    expect(patches).toEqual([]); // browsing sent nothing
    await page.keyboard.press('Enter'); // the explicit choice: Blocked needs a why
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    expect(patches).toEqual([]);
    await page.keyboard.type('the scale is being repaired');
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => statusDiffs(id)).toHaveLength(1);
    expect((await statusDiffs(id))[0]!.after.status).toBe('blocked');
    await expect.poll(focused).toBe('Status of “Weigh the pods”');
  });

  it('Escape drops a browsed value; Ctrl+Enter sends the why', async () => {
    const id = tasks['Book the container']!;
    const select = statusSelect('Book the container');
    await select.focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Escape');
    await expect.poll(() => select.inputValue()).toBe('todo');
    await page.keyboard.press('End'); // Failed
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').waitFor();
    await page.keyboard.type('no ship this month');
    await page.keyboard.press('Control+Enter');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await expect.poll(() => statusDiffs(id)).toHaveLength(1);
    expect((await statusDiffs(id))[0]!.after.status).toBe('failed');
    await expect.poll(focused).toBe('Status of “Book the container”');
  });

  it('after a palette command the focus is back on the search button', async () => {
    const search = page.getByRole('button', { name: 'Search or run a command' });
    await search.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').getByRole('combobox').waitFor();
    await page.keyboard.type('show blocked tasks');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/tasks\?filter=blocked/);
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('aria-keyshortcuts'))).toBe('Meta+K Control+K');
  });

  it('"Sign out" comes after the search and the content in the tab order', async () => {
    await page.goto(`${server.baseUrl}/workflows/${workflowId}`);
    await statusSelect('Weigh the pods').waitFor();
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    const order: string[] = [];
    for (let i = 0; i < 200 && !order.includes('signout'); i++) {
      await page.keyboard.press('Tab');
      order.push(await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        if (!el) return 'none';
        if (el.getAttribute('aria-keyshortcuts')) return 'search';
        if (el.textContent === 'Sign out') return 'signout';
        return el.closest('main') ? 'content' : 'other';
      }));
    }
    const signOut = order.indexOf('signout');
    expect(signOut).toBeGreaterThan(0);
    expect(order.indexOf('search')).toBeGreaterThanOrEqual(0);
    expect(order.indexOf('search')).toBeLessThan(signOut);
    expect(order.lastIndexOf('content')).toBeLessThan(signOut);
    expect(order.indexOf('content')).toBeGreaterThanOrEqual(0);
  });

  it('on a phone, the drawer takes the focus, the page behind is inert, Escape closes it and the focus returns to the menu button', async () => {
    await page.setViewportSize({ width: 390, height: 800 });
    await page.goto(`${server.baseUrl}/`);
    const menu = page.getByRole('button', { name: 'Menu', exact: true });
    await menu.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => menu.getAttribute('aria-expanded')).toBe('true');
    await expect.poll(() => page.evaluate(() => !!document.activeElement?.closest('nav.sidebar'))).toBe(true);
    expect(await page.evaluate(() => (document.querySelector('.shell > .main') as HTMLElement & { inert: boolean }).inert)).toBe(true);
    // Tabbing stays out of the page behind.
    for (let i = 0; i < 25; i++) {
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => !!document.activeElement?.closest('.shell > .main'))).toBe(false);
    }
    await page.keyboard.press('Shift+Tab');
    await page.evaluate(() => document.querySelector<HTMLElement>('nav.sidebar a[href]')?.focus());
    await page.keyboard.press('Escape');
    await expect.poll(() => menu.getAttribute('aria-expanded')).toBe('false');
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Menu');
    expect(await page.evaluate(() => (document.querySelector('.shell > .main') as HTMLElement & { inert: boolean }).inert)).toBe(false);
    await page.setViewportSize(DESKTOP);
    expect(consoleErrors).toEqual([]);
  });
});
