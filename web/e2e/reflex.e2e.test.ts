// End to end in a real browser, the Reflex Arc screens: Rules (packs, simulate a draft,
// validation at the field), Notifications (the bell rises live with the why), Approvals
// (an archive held by a rule, approved with a why), AI settings; each at 1440 and 360 px.
// Fails on any browser console error. Screenshots go to test-artifacts/screens/.
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

describe('rules, approvals, notifications and AI in a real browser', () => {
  const email = `grace-${Date.now()}@example.test`;
  const password = 'amber-lantern-quarry-2719';
  let workflowPath = '';

  it('pack on → block with a why → the bell rises live → archive held → approved with a why → archived', async () => {
    const page = watch(await context.newPage());
    await signUp(page, server, { organization: 'Grace & Co', name: 'Grace Hopper', email, password });

    // Rules: turn on the "notify the owner when blocked" pack.
    await page.getByRole('link', { name: 'Rules' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Rules');
    await page.getByRole('button', { name: 'Turn on “Notify the owner when a task is blocked”' }).click();
    await page.locator('[data-rule="Notify owner when a task is blocked"]').waitFor();
    await page.locator('[data-pack=notify-owner-when-blocked]', { hasText: 'On' }).waitFor();
    expect(await page.getByRole('switch', { name: '“Notify owner when a task is blocked” is on' }).isChecked()).toBe(true);

    // A workflow from a template; its first task blocked with a why (after the stream is live).
    await expect.poll(() => page.locator('[data-live]').getAttribute('data-live'), { timeout: 10_000 }).toBe('live');
    await page.goto(`${server.baseUrl}/workflows/new`);
    await page.locator('[data-template=tpl_client_onboarding]').click();
    await page.getByRole('button', { name: 'Create workflow' }).click();
    await page.waitForURL(/\/workflows\/wf_/);
    workflowPath = new URL(page.url()).pathname;
    const taskName = (await page.locator('tr[data-task]').first().getAttribute('data-task'))!;
    await expect.poll(() => page.locator('[data-live]').getAttribute('data-live'), { timeout: 10_000 }).toBe('live');
    expect(await page.getByTestId('bell-count').count()).toBe(0);
    await page.getByLabel(`Status of “${taskName}”`).selectOption('blocked');
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Why?').fill('The client has not sent the signed contract');
    await dialog.getByRole('button', { name: 'Move to Blocked' }).click();
    await dialog.waitFor({ state: 'detached' });

    // The bell rises without a reload, and the notification carries the why.
    await expect.poll(() => page.getByTestId('bell-count').textContent(), { timeout: 15_000 }).toBe('1');
    await page.getByTestId('bell').click();
    const panel = page.locator('#bell-panel');
    await expect.poll(() => panel.textContent()).toContain('The client has not sent the signed contract');
    await shot(page, 'bell-1440');
    await page.keyboard.press('Escape');
    await page.getByRole('link', { name: 'Notifications' }).click();
    const list = page.getByTestId('notifications-list');
    await expect.poll(() => list.textContent()).toContain(`Blocked: ${taskName}`);
    expect(await list.textContent()).toContain('The client has not sent the signed contract');
    await shot(page, 'notifications-1440');
    await page.getByRole('button', { name: `Mark “Blocked: ${taskName}” read` }).click();
    await expect.poll(() => page.getByTestId('bell-count').count()).toBe(0);

    // Turn on "Require approval to archive a workflow", then archive: it is held.
    await page.goto(`${server.baseUrl}/rules`);
    await page.getByRole('button', { name: 'Turn on “Require approval to archive a workflow”' }).click();
    await page.locator('[data-pack=approve-workflow-archive]', { hasText: 'On' }).waitFor();
    await shot(page, 'rules-1440', true);
    await page.goto(`${server.baseUrl}${workflowPath}`);
    await page.getByRole('button', { name: 'Archive' }).click();
    await dialog.getByLabel('Why?').fill('The client signed with another agency');
    await dialog.getByRole('button', { name: 'Archive' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByText('Archiving is held for approval').first().waitFor(); // a 5 s toast: awaited in the page
    expect(await page.getByRole('button', { name: 'Archive' }).count()).toBe(1); // still active
    await expect.poll(() => page.getByTestId('nav-pending').textContent(), { timeout: 10_000 }).toContain('1');

    // The Pulse shows the pending count; the inbox (Approvals) shows the proposed change.
    await page.getByRole('link', { name: 'Pulse' }).click();
    await expect.poll(() => page.getByTestId('pulse-pending').textContent()).toBe('Pending approvals: 1');
    await page.getByTestId('pulse-pending').click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Inbox');
    const item = page.getByTestId('inbox-list').locator('li[data-inbox^="rule_approval:"]').first();
    await item.waitFor();
    await item.getByRole('button').click();
    const detail = page.getByTestId('inbox-detail');
    await expect.poll(() => detail.locator('[data-changed=true]').first().textContent()).toMatch(/Status.*active.*archived/);
    await shot(page, 'approvals-1440', true);

    // Approve (from the inbox's detail pane): a why is required.
    await detail.getByRole('button', { name: 'Approve' }).click();
    await dialog.getByRole('button', { name: 'Approve' }).click();
    expect(await dialog.getByRole('alert').textContent()).toContain('A why is required');
    await dialog.getByLabel('Why?').fill('Confirmed with the account manager');
    await dialog.getByRole('button', { name: 'Approve' }).click();
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => page.getByText('Nothing is waiting for you.').count()).toBe(1);
    await expect.poll(() => page.getByTestId('nav-pending').count()).toBe(0);
    await page.getByRole('tab', { name: 'Decided' }).click();
    await expect.poll(() => page.getByTestId('approvals-list').textContent()).toContain('Confirmed with the account manager');

    // The workflow is archived.
    await page.goto(`${server.baseUrl}${workflowPath}`);
    await page.getByRole('button', { name: 'Restore' }).waitFor();
    const wf = await (await page.request.get(`${server.baseUrl}/v1/workflows/${workflowPath.split('/').pop()}`)).json();
    expect(wf.data.status).toBe('archived');

    // Cmd+K "show pending approvals".
    await page.getByRole('button', { name: 'Search or run a command' }).click();
    await page.getByRole('dialog').getByRole('combobox').fill('show pending approvals');
    await expect.poll(() => page.locator('[role=option][aria-selected=true]').textContent()).toContain('Show pending approvals');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/approvals$/);
    await page.close();
    expect(consoleErrors.join('\n')).toBe('');
  });

  it('a draft rule: errors at the field, then simulated with matches; runs listed', async () => {
    const page = watch(await context.newPage());
    await page.goto(`${server.baseUrl}/rules?rule=new`);
    const editor = page.getByTestId('rule-editor');
    await editor.waitFor();
    await editor.getByLabel('Name').first().fill('Tell me about blockers');
    // An empty path is refused by the API: the message shows at that field.
    await editor.getByRole('button', { name: 'Add condition' }).click();
    await editor.getByRole('button', { name: 'Create rule' }).click();
    const badPath = editor.getByTestId('condition').nth(1).locator('.field-error');
    await expect.poll(() => badPath.count()).toBeGreaterThan(0);
    expect(await editor.getByTestId('condition').nth(1).locator('input[aria-invalid=true]').count()).toBeGreaterThan(0);
    await shot(page, 'rule-form-errors-1440', true);
    await editor.getByRole('button', { name: 'Remove condition 2' }).click();

    // Simulate the draft over the last days: the blocked task matches.
    await editor.getByRole('tab', { name: 'Simulate' }).click();
    await editor.getByRole('button', { name: 'Simulate', exact: true }).click();
    await expect.poll(() => page.getByTestId('sim-summary').textContent(), { timeout: 15_000 }).toMatch(/^1 of \d+ changes would have matched/);
    expect(await page.getByTestId('sim-matches').textContent()).toContain('Notify');
    await shot(page, 'rule-simulate-1440', true);

    // Save it, then the pack rule's runs.
    await editor.getByRole('tab', { name: 'Edit' }).click();
    await editor.getByRole('button', { name: 'Create rule' }).click();
    await page.waitForURL(/\/rules\?rule=rul/);
    await page.locator('[data-rule="Tell me about blockers"]').waitFor();
    await page.getByRole('link', { name: 'Notify owner when a task is blocked' }).click();
    await page.getByTestId('rule-editor').getByRole('tab', { name: 'Runs' }).click();
    await expect.poll(() => page.getByTestId('rule-runs').textContent()).toContain('Done');
    await shot(page, 'rule-runs-1440', true);

    // Delete the draft rule: asked first (Cancel keeps it), then gone from the list.
    await page.getByRole('link', { name: 'Tell me about blockers' }).click();
    const mine = page.getByTestId('rule-editor');
    await mine.getByRole('button', { name: 'Delete rule' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete “Tell me about blockers”?' });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await page.locator('[data-rule="Tell me about blockers"]').count()).toBe(1);
    await mine.getByRole('button', { name: 'Delete rule' }).click();
    await dialog.getByLabel('Why (optional)').fill('Only needed for the test');
    await shot(page, 'rule-delete-1440', true);
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.waitForURL(/\/rules$/);
    await expect.poll(() => page.locator('[data-rule="Tell me about blockers"]').count()).toBe(0);
    await page.close();
    // The one console error allowed: the browser's own log of the refused draft (400).
    const unexpected = consoleErrors.filter((e) => !/\/rules\?rule=new: Failed to load resource: .* 400/.test(e));
    expect(unexpected.join('\n')).toBe('');
    consoleErrors.length = 0;
  });

  it('nested conditions: a group inside, a negated condition, an error at the nested field, saved as all / any / not', async () => {
    const page = watch(await context.newPage());
    await page.goto(`${server.baseUrl}/rules?rule=new`);
    const editor = page.getByTestId('rule-editor');
    await editor.waitFor();
    await editor.getByLabel('Name').first().fill('Urgent, not internal');
    await editor.getByRole('button', { name: 'Add group', exact: true }).click();
    const groups = editor.getByTestId('condition-group');
    await expect.poll(() => groups.count()).toBe(2);
    // The new group's condition has no path yet: the API refuses it, and says so at that field.
    await editor.getByRole('button', { name: 'Create rule' }).click();
    const nestedLeaf = groups.nth(1).getByTestId('condition').first();
    await expect.poll(() => nestedLeaf.locator('.field-error').count()).toBeGreaterThan(0);
    expect(await nestedLeaf.locator('input[aria-invalid=true]').count()).toBeGreaterThan(0);
    await nestedLeaf.getByLabel('Path').fill('entity.priority');
    await nestedLeaf.getByLabel('Value').fill('urgent');
    await editor.getByRole('button', { name: 'Add a condition to group 1' }).click();
    const third = editor.getByTestId('condition').nth(2);
    await third.getByLabel('Path').fill('entity.tags');
    await third.getByLabel('Operator').selectOption('contains');
    await third.getByLabel('Value').fill('internal');
    await third.getByRole('checkbox', { name: 'Condition 3 must not match' }).check();
    await shot(page, 'rule-nested-1440', true);
    await editor.getByRole('button', { name: 'Create rule' }).click();
    await page.waitForURL(/\/rules\?rule=rul/);
    const id = new URL(page.url()).searchParams.get('rule')!;
    const saved = (await (await page.request.get(`${server.baseUrl}/v1/rules/${id}`)).json()).data as { trigger: { when: unknown } };
    expect(saved.trigger.when).toEqual({
      all: [
        { path: 'after.status', op: 'changed_to', value: 'blocked' },
        { any: [{ path: 'entity.priority', op: 'eq', value: 'urgent' }, { not: { path: 'entity.tags', op: 'contains', value: 'internal' } }] },
      ],
    });
    // Opened again, the builder shows the same tree.
    await page.reload();
    const again = page.getByTestId('rule-editor');
    await again.getByTestId('condition-group').nth(1).waitFor();
    expect(await again.getByRole('checkbox', { name: 'Condition 3 must not match' }).isChecked()).toBe(true);
    expect(await again.getByTestId('condition').nth(1).getByLabel('Path').inputValue()).toBe('entity.priority');
    await page.close();
    // The one console error allowed: the browser's own log of the refused draft (400).
    expect(consoleErrors.filter((e) => !/Failed to load resource: .* 400/.test(e)).join('\n')).toBe('');
    consoleErrors.length = 0;
  });

  it("a webhook run's delivery log opens from its row: the attempt, no answer, the error, the next try", async () => {
    const page = watch(await context.newPage());
    await page.goto(`${server.baseUrl}/rules`);
    const csrf = (await context.cookies()).find((c) => c.name === 'atrium_csrf')?.value ?? '';
    const post = async (body: unknown) => {
      const res = await page.request.post(`${server.baseUrl}/v1/rules`, { data: body, headers: { 'x-csrf-token': csrf } });
      expect(res.status(), await res.text()).toBe(201);
      return (await res.json()).data.rule as { id: string };
    };
    // Calls a receiver that cannot be reached (no such host): each attempt is logged with its error.
    const hook = await post({ name: 'Tell the CRM', trigger: { namespace: 'rules', event: 'rule.created' }, actions: [{ type: 'webhook', url: 'https://crm.example.invalid/hooks/atrium' }] });
    await post({ name: 'Something to react to', enabled: false, trigger: { namespace: 'nowhere' }, actions: [{ type: 'notify', to: 'owner', message: 'x' }] });
    await page.goto(`${server.baseUrl}/rules?rule=${hook.id}`);
    await page.getByTestId('rule-editor').getByRole('tab', { name: 'Runs' }).click();
    const row = page.getByTestId('rule-runs').locator('tbody tr').first();
    const open = row.getByRole('button', { name: 'Deliveries' });
    // The run exists once the evaluator has seen the second rule's creation; its first attempt once the job ran.
    await expect.poll(async () => {
      if ((await open.count()) === 0) await page.getByRole('button', { name: 'Refresh' }).click();
      return open.count();
    }, { timeout: 15_000 }).toBe(1);
    await expect.poll(async () => {
      if ((await open.getAttribute('aria-expanded')) === 'true') await open.click();
      await open.click();
      return page.getByTestId('webhook-deliveries').locator('tbody tr').count();
    }, { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await open.getAttribute('aria-expanded')).toBe('true');
    const first = page.getByTestId('webhook-deliveries').locator('tbody tr').first();
    expect(await first.locator('td').nth(0).textContent()).toBe('1');
    expect(await first.locator('td').nth(1).textContent()).toBe('No answer');
    expect(await first.locator('td').nth(2).textContent()).toMatch(/ENOTFOUND|EAI_AGAIN|fetch failed|getaddrinfo/);
    await shot(page, 'rule-webhook-deliveries-1440', true);
    await open.click();
    await expect.poll(() => page.getByTestId('webhook-deliveries').count()).toBe(0);
    await page.close();
    expect(consoleErrors.join('\n')).toBe('');
  });

  it('each new screen renders at 1440 px and 360 px without overflow or error', async () => {
    const screens: Array<[string, string]> = [
      ['rules', '/rules'],
      ['rule-editor', '/rules?rule=new'],
      ['approvals', '/approvals?status=decided'],
      ['notifications', '/notifications'],
      ['ai-settings', '/settings/ai'],
    ];
    const page = watch(await context.newPage());
    for (const [width, height] of [[1440, 900], [360, 780]] as const) {
      await page.setViewportSize({ width, height });
      for (const [name, path] of screens) {
        await page.goto(`${server.baseUrl}${path}`);
        await page.locator('main h1').first().waitFor();
        await page.waitForLoadState('networkidle').catch(() => {});
        expect(await page.locator('main [role=alert]').count(), `${name} shows an error`).toBe(0);
        await shot(page, `${name}-${width}`, true);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        const wide = overflow > 1 ? await page.evaluate(() => [...document.querySelectorAll('main *')].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 3).map((e) => `${e.tagName}.${e.className}: ${e.textContent?.slice(0, 40)}`)) : [];
        expect(overflow, `${name} overflows at ${width}px: ${wide.join(' ')}`).toBeLessThanOrEqual(1);
      }
    }
    // The AI section shows the built-in offline provider and the budget.
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto(`${server.baseUrl}/settings/ai`);
    await expect.poll(() => page.getByTestId('ai-providers').textContent()).toContain('offline');
    await page.getByLabel('Tokens per month').fill('500000');
    await page.getByRole('button', { name: 'Save budget' }).click();
    await expect.poll(() => page.getByTestId('budget-state').textContent()).toBe('Within budget');
    // A provider key is write-only: saved, then never shown back.
    await page.getByLabel('API key').fill('sk-test-never-shown-0001');
    await page.getByRole('button', { name: 'Save provider' }).click();
    await expect.poll(() => page.getByLabel('API key').getAttribute('placeholder')).toBe('Leave empty to keep the current key');
    expect(await page.content()).not.toContain('sk-test-never-shown-0001');
    await shot(page, 'ai-settings-saved-1440', true);

    // Low-bandwidth mode: the bell still updates, by polling.
    await page.evaluate(() => localStorage.setItem('atrium.prefs', JSON.stringify({ theme: 'light', lowBandwidth: true })));
    await page.goto(`${server.baseUrl}/notifications`);
    await page.locator('main h1').first().waitFor();
    await expect.poll(() => page.locator('[data-live]').getAttribute('data-live')).toBe('polling');
    await shot(page, 'notifications-lowbw-light-1440');
    await page.evaluate(() => localStorage.removeItem('atrium.prefs'));
    await page.close();
    expect(consoleErrors.join('\n')).toBe('');
  });
});
