// End to end in a real browser, the agents' "done when" journey: a fresh workspace with a
// workflow holding a blocked and an overdue task → the Ops coordinator enabled from the gallery
// on Agents → "Wake now" says it is working → the inbox lists its proposal with the Reviewer's
// praise → the message body is edited and the proposal approved → the notification's diff has
// the agent as its actor, and the agent's Memory tab shows the correction; the other proposal is
// selected with the keyboard and rejected in a batch; the screens in French and Malagasy in
// low-bandwidth mode. Screenshots of
// Agents, the agent page and the inbox at 1440 and 390 px go to /tmp/shots/. Fails on any
// console error.
import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../server/src/testing/harness.js';
import { closeBrowserSuite, openBrowserSuite, signUp, watchConsole } from './browser.js';

let server: TestApp;
let browser: Browser;
let context: BrowserContext;
const consoleErrors: string[] = [];
const watch = (page: Page): Page => watchConsole(page, consoleErrors);
const SHOTS = '/tmp/shots';
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

async function shots(page: Page, name: string): Promise<void> {
  for (const width of [1440, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.waitForTimeout(150);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, `${name} at ${width} px overflows`).toBeLessThanOrEqual(1);
    await page.screenshot({ path: `${SHOTS}/${name}-${width}.png`, fullPage: true });
  }
  await page.setViewportSize({ width: 1440, height: 900 });
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  ({ server, browser, context } = await openBrowserSuite());
});
afterAll(() => closeBrowserSuite({ server, browser }));

describe('agents in a real browser', () => {
  it('gallery → wake now → inbox proposal with praise → edited and approved → acted as the agent, learned', async () => {
    const page = watch(await context.newPage());
    await signUp(page, server, { organization: 'Vanille & Co', name: 'Hery Rabe', email: `hery-${Date.now()}@example.test`, password: 'amber-lantern-quarry-2719' });
    const csrf = (await context.cookies()).find((c) => c.name === 'atrium_csrf')?.value ?? '';
    const headers = { 'x-csrf-token': csrf };
    const api = async <T>(method: 'GET' | 'POST' | 'PATCH', url: string, data?: unknown): Promise<T> => {
      const r = await page.request.fetch(`${server.baseUrl}${url}`, { method, headers, ...(data !== undefined && { data }) });
      expect(r.status(), `${method} ${url}: ${await r.text()}`).toBeLessThan(300);
      return ((await r.json()) as { data: T }).data;
    };
    const me = await api<{ user: { id: string } }>('GET', '/v1/me');
    const wf = await api<{ id: string }>('POST', '/v1/workflows', { name: 'Client onboarding', owner_id: me.user.id });
    const blocked = await api<{ id: string }>('POST', `/v1/workflows/${wf.id}/tasks`, { name: 'Collect the signed contract', assignee_id: me.user.id });
    await api('PATCH', `/v1/tasks/${blocked.id}`, { status: 'blocked', why: 'waiting for the client' });
    await api('POST', `/v1/workflows/${wf.id}/tasks`, { name: 'Send the welcome pack', assignee_id: me.user.id, due_date: day(-2) });

    // My day ranks both tasks with reasons.
    await page.goto(`${server.baseUrl}/my-day`);
    await expect.poll(() => page.getByTestId('my-day').locator(':scope > li').count()).toBe(2);

    // Agents: enable the Ops coordinator from the gallery; value slots are disabled.
    await page.goto(`${server.baseUrl}/agents`);
    await page.getByRole('heading', { level: 1, name: 'Agents' }).waitFor();
    const gallery = page.getByTestId('agent-gallery');
    await gallery.locator('li[data-template]').first().waitFor();
    const slot = gallery.locator('li[data-template^="value_"]').first();
    expect(await slot.textContent()).toContain('Coming with the value module');
    expect(await slot.getByRole('button').isDisabled()).toBe(true);
    await gallery.getByRole('button', { name: 'Enable — Ops coordinator' }).click();
    const card = page.getByTestId('agent-roster').locator('li[data-agent]').filter({ hasText: 'Ops coordinator' });
    await card.waitFor();
    const agentId = (await card.getAttribute('data-agent'))!;
    await card.getByRole('button', { name: 'Wake now — Ops coordinator' }).click();
    await expect.poll(() => card.getByTestId('wake-outcome').textContent(), { timeout: 15_000 }).toContain('Working…');
    const runHref = await card.getByTestId('wake-outcome').getByRole('link').getAttribute('href');
    expect(runHref).toMatch(/^\/runs\//);
    await shots(page, 'agents');

    // The inbox: the proposal arrives (the run settles), with the Reviewer's praise.
    await expect.poll(async () => (await api<unknown[]>('GET', `/v1/proposals?agent=${agentId}`)).length, { timeout: 30_000 }).toBe(2);
    await page.goto(`${server.baseUrl}/approvals?kind=proposal`);
    await page.getByRole('heading', { level: 1, name: 'Inbox' }).waitFor();
    const item = page.getByTestId('inbox-list').locator('li[data-inbox]').filter({ hasText: 'welcome pack' }).first();
    await item.getByRole('button').click();
    const detail = page.getByTestId('inbox-detail');
    await expect.poll(() => detail.textContent()).toContain('welcome pack');
    await expect.poll(() => detail.getByTestId('inbox-reviews').textContent()).toContain('Praise');
    expect(await page.getByTestId('inbox-keys').textContent()).toContain('j / k');
    await shots(page, 'inbox');

    // Edit the message body (keyboard e focuses the editor), then approve with a why.
    await page.locator('body').press('e');
    const editor = detail.getByLabel(/What it will do/);
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('inbox-input');
    const input = JSON.parse(await editor.inputValue()) as Record<string, unknown>;
    const body = 'Friendly reminder: the welcome pack is two days late — can it go out today?';
    await editor.fill(JSON.stringify({ ...input, body }, null, 2));
    await detail.getByText('Edited: your correction is approved').waitFor();
    await detail.getByRole('button', { name: 'Approve' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel(/why/i).first().fill('softer wording for clients');
    await dialog.getByRole('button', { name: 'Approve' }).click();
    await page.getByText('Approved.').first().waitFor();
    await expect.poll(() => page.getByTestId('inbox-list').locator('li[data-inbox]').filter({ hasText: 'welcome pack' }).count()).toBe(0);

    // The other proposal (the blocked task): j/k move, x selects it, then a batch reject with one why.
    const other = page.getByTestId('inbox-list').locator('li[data-inbox]').filter({ hasText: 'signed contract' });
    await other.waitFor();
    await page.locator('body').press('k');
    await page.locator('body').press('x');
    expect(await other.getByRole('checkbox').isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Reject selected (1)' }).click();
    await dialog.getByLabel(/why/i).first().fill('I already called the client');
    await dialog.getByRole('button', { name: 'Reject' }).click();
    await page.getByText('1 done, 0 not done.').first().waitFor();
    await page.getByText('Nothing is waiting for you.').waitFor();

    // The diff: the notification went out with the edited body, the agent as its actor.
    const diffs = await api<Array<{ event: string; actor: { type: string; id: string }; after: unknown }>>('GET', '/v1/diffs?namespace=notifications&limit=10');
    const sent = diffs.find((d) => d.event === 'notification.sent');
    expect(sent?.actor).toEqual({ type: 'agent', id: agentId });
    expect(JSON.stringify(sent?.after)).toContain('two days late');

    // The agent's Memory tab shows the correction.
    await page.goto(`${server.baseUrl}/agents/${agentId}?tab=memory`);
    await expect.poll(() => page.getByTestId('memory-facts').textContent(), { timeout: 10_000 }).toContain('softer wording for clients');
    await shots(page, 'agent-memory');
    await page.goto(`${server.baseUrl}/agents/${agentId}`);
    await page.getByRole('button', { name: 'Wake now — Ops coordinator' }).waitFor();
    await shots(page, 'agent');

    // Low-bandwidth mode (polling, no stream), in French and Malagasy: the new screens render
    // translated, without horizontal overflow.
    for (const [lang, title] of [['fr', 'Agents IA'], ['mg', 'Mpiasa AI']] as const) {
      await page.evaluate((l) => { localStorage.setItem('atrium.lang', l); localStorage.setItem('atrium.prefs', JSON.stringify({ lowBandwidth: true })); }, lang);
      await page.goto(`${server.baseUrl}/agents`);
      await page.getByRole('heading', { level: 1, name: title }).waitFor();
      await expect.poll(() => page.locator('[data-live]').getAttribute('data-live')).toBe('polling');
      await shots(page, `agents-${lang}-lowbw`);
      for (const path of [`/agents/${agentId}?tab=costs`, '/approvals', '/my-day']) {
        await page.goto(`${server.baseUrl}${path}`);
        await page.locator('main h1').first().waitFor();
        await shots(page, `${lang}${path.replace(/[^a-z]+/gi, '-').replace(/-$/, '')}`);
      }
    }
    await page.evaluate(() => { localStorage.setItem('atrium.lang', 'en'); localStorage.removeItem('atrium.prefs'); });
    await page.close();
    expect(consoleErrors.join('\n')).toBe('');
  }, 120_000);
});
