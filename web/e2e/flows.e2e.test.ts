// End to end in a real browser, the orchestration screens: a flow created through the API is
// listed on /flows, opened (graph, definition, validation problems on the node), run with an
// input; the run page shows the journal live, the approval is decided there and the run
// completes. Each screen at 1440 and 390 px; low-bandwidth mode lists the steps instead of the
// graph. Fails on any browser console error. Screenshots go to test-artifacts/screens/.
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

const definition = {
  key: 'greet-and-approve',
  name: 'Greet and approve',
  description: 'Says hello, then waits for an approval.',
  version: '1.0.0',
  input: { type: 'object', properties: { who: { type: 'string' } } },
  steps: [
    { id: 'greet', type: 'transform', value: 'Hello {{ input.who }}' },
    { id: 'check', type: 'approval', title: 'Send the greeting?', approvers: ['role:owner'], required: 1, exclude_starter: false, after: ['greet'] },
    { id: 'sent', type: 'transform', value: { sent: true }, after: ['check:approved'] },
  ],
};

describe('flows and runs in a real browser', () => {
  it('flow listed → opened → problem shown on its node → run started → approved on the run page → completed', async () => {
    const page = watch(await context.newPage());
    await signUp(page, server, { organization: 'Flow & Co', name: 'Ada Lovelace', email: `ada-${Date.now()}@example.test`, password: 'amber-lantern-quarry-2719' });
    const csrf = (await context.cookies()).find((c) => c.name === 'atrium_csrf')?.value ?? '';
    const res = await page.request.post(`${server.baseUrl}/v1/flows`, { data: definition, headers: { 'x-csrf-token': csrf } });
    expect(res.status(), await res.text()).toBe(201);

    // The list: the navigation entry "Flows" (not "Workflows"), the flow in the table, filtered.
    await page.getByRole('link', { name: 'Flows', exact: true }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Flows');
    const row = page.locator('tr[data-flow=greet-and-approve]');
    await row.waitFor();
    expect(await row.textContent()).toContain('Active');
    await page.getByLabel('Search by name or key').fill('nothing-like-it');
    await page.getByText('No flows match this search.').waitFor();
    await page.getByLabel('Search by name or key').fill('greet');
    await shot(page, 'flows-1440');

    // The flow: its graph, then a broken edit shows the problem on the node.
    await row.getByRole('link', { name: 'Greet and approve' }).click();
    await page.waitForURL(/\/flows\/greet-and-approve$/);
    await page.getByTestId('flow-graph').locator('.react-flow__node').nth(2).waitFor();
    expect(await page.getByTestId('flow-graph').locator('.react-flow__edge').count()).toBe(2);
    expect(await page.getByTestId('flow-graph').textContent()).toContain('approved');
    await shot(page, 'flow-1440', true);
    const editor = page.getByLabel('Definition (JSON or YAML)');
    const broken = { ...definition, steps: [definition.steps[0], definition.steps[1], { ...definition.steps[2], after: ['nowhere'] }] };
    await editor.fill(JSON.stringify(broken, null, 2));
    await page.getByRole('button', { name: 'Validate' }).click();
    await page.getByTestId('flow-problems').waitFor();
    expect(await page.getByTestId('flow-problems').textContent()).toContain('steps.2');
    await expect.poll(() => page.locator('.react-flow__node.has-problem').count()).toBe(1);
    expect(await page.locator('.react-flow__node.has-problem').getAttribute('data-id')).toBe('sent');
    await shot(page, 'flow-problems-1440', true);
    await page.reload();

    // Start a run with an input: the run page shows the journal and waits for the approval.
    await page.getByLabel('Input (JSON)').fill('{"who": "Ada"}');
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.waitForURL(/\/runs\/[^/]+$/);
    const timeline = page.getByTestId('run-timeline');
    await expect.poll(() => timeline.locator('li[data-step=greet]').count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => page.locator('[data-wait=check]').count(), { timeout: 15_000 }).toBe(1);
    expect(await page.locator('.react-flow__node.st-completed').count()).toBeGreaterThan(0);
    await timeline.locator('li[data-step=greet] summary', { hasText: 'Output' }).click();
    expect(await timeline.locator('li[data-step=greet]').textContent()).toContain('Hello Ada');
    await shot(page, 'run-waiting-1440', true);
    const runPath = new URL(page.url()).pathname;

    // Approve: polled, the run completes without a reload.
    await page.locator('[data-wait=check]').getByLabel('Why (optional)').fill('Looks right');
    await page.locator('[data-wait=check]').getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => page.locator('.page-head [data-status]').getAttribute('data-status'), { timeout: 15_000 }).toBe('completed');
    await expect.poll(() => timeline.locator('li[data-step=sent]').count()).toBe(1);
    await shot(page, 'run-completed-1440', true);

    // Runs list, and the flow's recent runs.
    await page.goto(`${server.baseUrl}/runs`);
    await page.locator(`tr[data-run="${runPath.split('/').pop()}"]`).waitFor();
    await shot(page, 'runs-1440');

    // Each screen at 390 px without overflow.
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [name, path] of [['flows', '/flows'], ['flow', '/flows/greet-and-approve'], ['new-flow', '/flows/new'], ['runs', '/runs'], ['run', runPath]] as const) {
      await page.goto(`${server.baseUrl}${path}`);
      await page.locator('main h1').first().waitFor();
      await page.waitForLoadState('networkidle').catch(() => {});
      expect(await page.locator('main [role=alert]').count(), `${name} shows an error`).toBe(0);
      await shot(page, `${name}-390`, true);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `${name} overflows at 390px`).toBeLessThanOrEqual(1);
    }

    // Low-bandwidth mode: the steps as a list, no graph.
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.evaluate(() => localStorage.setItem('atrium.prefs', JSON.stringify({ theme: 'dark', lowBandwidth: true })));
    await page.goto(`${server.baseUrl}${runPath}`);
    await page.getByTestId('flow-steps').waitFor();
    expect(await page.getByTestId('flow-graph').count()).toBe(0);
    expect(await page.getByTestId('flow-steps').locator('li[data-step=sent]').textContent()).toContain('Completed');
    await shot(page, 'run-lowbw-1440', true);
    await page.evaluate(() => localStorage.removeItem('atrium.prefs'));
    await page.close();
    expect(consoleErrors.join('\n')).toBe('');
  });

  it('a new flow from the templates gallery: problems of a 400 INVALID_FLOW shown with their path, then created from YAML', async () => {
    const page = watch(await context.newPage());
    await page.goto(`${server.baseUrl}/flows/new`);
    const gallery = page.getByTestId('flow-templates');
    await gallery.waitFor();
    expect(await gallery.locator('li[data-template]').count()).toBeGreaterThanOrEqual(8);
    const text = page.getByLabel('Definition', { exact: true });
    // "Use this template" fills the editor (translated name) and moves the focus there; by keyboard too.
    await gallery.getByRole('button', { name: 'Use this template: Weekly report by LLM' }).click();
    expect(await text.inputValue()).toContain('0 9 * * 1');
    expect(await text.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await gallery.locator('li[data-template=weekly-report]').getAttribute('aria-current')).toBe('true');
    await gallery.getByRole('button', { name: 'Use this template: Invoice chase' }).focus();
    await page.keyboard.press('Enter');
    expect(await text.inputValue()).toContain('"pay:timeout"');
    await page.getByRole('button', { name: 'Validate' }).click();
    await page.getByText('The definition is valid.').waitFor();
    await shot(page, 'new-flow-gallery-1440', true);
    await gallery.getByRole('button', { name: 'Use this template: Content review with two approvers' }).click();
    await text.fill(['key: yaml-flow', 'name: From YAML', 'steps:', '  - id: one', '    type: transform', '    value: 1', '    after: [ghost]'].join('\n'));
    await page.getByRole('button', { name: 'Create flow' }).click();
    await page.getByTestId('flow-problems').waitFor();
    expect(await page.getByTestId('flow-problems').textContent()).toContain('steps.0');
    await shot(page, 'new-flow-problems-1440', true);
    await text.fill(['key: yaml-flow', 'name: From YAML', 'steps:', '  - id: one', '    type: transform', '    value: 1'].join('\n'));
    await page.getByRole('button', { name: 'Create flow' }).click();
    await page.waitForURL(/\/flows\/yaml-flow$/);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('From YAML');
    await page.close();
    // The one console error allowed: the browser's own log of the refused definition (400).
    expect(consoleErrors.filter((e) => !/Failed to load resource: .* 400/.test(e)).join('\n')).toBe('');
  });

  it('a failed run: the error panel names the step and its attempts; Replay opens the new run', async () => {
    const page = watch(await context.newPage());
    await page.goto(`${server.baseUrl}/flows`);
    const csrf = (await context.cookies()).find((c) => c.name === 'atrium_csrf')?.value ?? '';
    const failing = { key: 'call-nowhere', name: 'Call nowhere', steps: [{ id: 'call', type: 'http', url: 'https://hooks.example.invalid/x', retry: { max_attempts: 1 } }] };
    const created = await page.request.post(`${server.baseUrl}/v1/flows`, { data: failing, headers: { 'x-csrf-token': csrf } });
    expect(created.status(), await created.text()).toBe(201);
    const started = await page.request.post(`${server.baseUrl}/v1/flows/call-nowhere/runs`, { data: { input: {} }, headers: { 'x-csrf-token': csrf } });
    expect(started.status(), await started.text()).toBe(201);
    const runId = (await started.json()).data.id as string;
    await page.goto(`${server.baseUrl}/runs/${runId}`);
    const panel = page.getByTestId('run-error');
    await panel.waitFor({ timeout: 20_000 });
    expect(await panel.textContent()).toContain('Step “call” failed (attempts: 1).');
    expect(await page.locator('.react-flow__node.st-failed').count()).toBe(1);
    await shot(page, 'run-failed-1440', true);
    await panel.getByRole('button', { name: 'Replay' }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/runs/') && !url.pathname.endsWith(runId));
    await page.locator('.page-head [data-status]').waitFor();
    await page.close();
    expect(consoleErrors.filter((e) => !/Failed to load resource: .* 400/.test(e)).join('\n')).toBe('');
  });

  it('the visual editor: a step added from the palette, edited in its form, seen in the JSON and YAML text, published and kept', async () => {
    const page = watch(await context.newPage());
    await page.goto(`${server.baseUrl}/flows`);
    const csrf = (await context.cookies()).find((c) => c.name === 'atrium_csrf')?.value ?? '';
    const def = { key: 'edit-me', name: 'Edit me', version: '1.0.0', steps: [{ id: 'first', type: 'transform', value: 'hi' }] };
    const created = await page.request.post(`${server.baseUrl}/v1/flows`, { data: def, headers: { 'x-csrf-token': csrf } });
    expect(created.status(), await created.text()).toBe(201);
    await page.goto(`${server.baseUrl}/flows/edit-me`);
    const graph = page.getByTestId('flow-graph');
    await graph.locator('.react-flow__node[data-id=first]').click();
    expect(await page.getByLabel('Step id').inputValue()).toBe('first');

    // Palette: a wait step after the selected one, selected in its turn.
    await page.getByTestId('step-palette').getByRole('button', { name: 'Add step: Wait' }).click();
    await graph.locator('.react-flow__node[data-id=wait_1]').waitFor();
    await expect.poll(() => graph.locator('.react-flow__edge').count()).toBe(1);
    const text = page.getByLabel('Definition (JSON or YAML)');
    const seconds = page.getByLabel('Wait (seconds)');
    expect(await seconds.inputValue()).toBe('60');
    expect(JSON.parse(await text.inputValue()).steps[1]).toEqual({ id: 'wait_1', type: 'wait', after: ['first'], seconds: 60 });

    // The form edits the text.
    await seconds.fill('120');
    await page.getByLabel('Step name').fill('Pause a bit');
    await expect.poll(async () => JSON.parse(await text.inputValue()).steps[1]).toEqual({ id: 'wait_1', type: 'wait', after: ['first'], seconds: 120, name: 'Pause a bit' });
    await shot(page, 'flow-editor-1440', true);

    // Validation problems: on the node and in the selected step's form.
    const afterField = page.getByLabel('After steps (id or id:branch)');
    await afterField.fill('first, nowhere');
    await page.getByRole('button', { name: 'Validate' }).click();
    await page.getByTestId('step-problems').waitFor();
    expect(await page.getByTestId('step-problems').textContent()).toContain('steps.1');
    expect(await page.locator('.react-flow__node.has-problem').getAttribute('data-id')).toBe('wait_1');
    await afterField.fill('first');

    // YAML and back; an edit of the YAML text shows in the form.
    await page.getByRole('button', { name: 'YAML', exact: true }).click();
    expect(await text.inputValue()).toContain('seconds: 120');
    await text.fill((await text.inputValue()).replace('seconds: 120', 'seconds: 90'));
    await expect.poll(() => seconds.inputValue()).toBe('90');
    await text.fill((await text.inputValue()) + '\n  - id: [broken');
    await page.getByText('The YAML does not parse').waitFor();
    expect(await page.getByTestId('step-palette').getByRole('button', { name: 'Add step: Wait' }).isDisabled()).toBe(true);
    expect(await graph.locator('.react-flow__node').count()).toBe(2);
    await text.fill((await text.inputValue()).replace('\n  - id: [broken', ''));
    await page.getByRole('button', { name: 'JSON', exact: true }).click();
    expect(JSON.parse(await text.inputValue()).steps[1].seconds).toBe(90);

    // Publish a new version, reload: the step is kept.
    await page.getByRole('button', { name: 'Next version' }).click();
    await page.getByRole('button', { name: 'Publish new version' }).click();
    await page.getByText('v1.0.1', { exact: true }).first().waitFor();
    await page.reload();
    await graph.locator('.react-flow__node[data-id=wait_1]').waitFor();
    expect(JSON.parse(await text.inputValue()).steps[1]).toMatchObject({ id: 'wait_1', seconds: 90, after: ['first'] });

    // Connections: a handle dragged from one step to another adds the edge; the edge deleted removes it.
    await graph.locator('.react-flow__node[data-id=wait_1]').click();
    await page.getByTestId('step-palette').getByRole('button', { name: 'Add step: Transform' }).click();
    await graph.locator('.react-flow__node[data-id=transform_1]').waitFor();
    const afterOf = async (id: string) => (JSON.parse(await text.inputValue()).steps as Array<{ id: string; after?: string[] }>).find((x) => x.id === id)?.after ?? [];
    await expect.poll(() => afterOf('transform_1')).toEqual(['wait_1']);
    await page.waitForTimeout(400); // the view fits the new step
    const from = (await graph.locator('.react-flow__node[data-id=first] .react-flow__handle.source').boundingBox())!;
    const to = (await graph.locator('.react-flow__node[data-id=transform_1] .react-flow__handle.target').boundingBox())!;
    await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await page.mouse.down();
    await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 12 });
    await page.mouse.up();
    await expect.poll(() => afterOf('transform_1')).toEqual(['wait_1', 'first']);
    await expect.poll(() => graph.locator('.react-flow__edge').count()).toBe(3);
    // By keyboard (the edge passes under another node here): focus it, Enter selects it.
    await page.getByTestId('rf__edge-first->transform_1').focus();
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Delete connection first → transform_1' }).click();
    await expect.poll(() => afterOf('transform_1')).toEqual(['wait_1']);

    // Keyboard: Enter on a node selects it; Delete step removes it and its edges.
    const firstNode = graph.locator('.react-flow__node[data-id=first]');
    await expect.poll(async () => { await firstNode.focus(); return page.evaluate(() => document.activeElement?.getAttribute('data-id')); }).toBe('first');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByLabel('Step id').inputValue()).toBe('first');
    await page.getByRole('button', { name: 'Delete step' }).click();
    await expect.poll(async () => JSON.parse(await text.inputValue()).steps.map((x: { id: string }) => x.id)).toEqual(['wait_1', 'transform_1']);
    expect(JSON.parse(await text.inputValue()).steps[0]).toMatchObject({ id: 'wait_1', type: 'wait', seconds: 90, name: 'Pause a bit' });
    expect(await afterOf('wait_1')).toEqual([]);
    await expect.poll(() => graph.locator('.react-flow__edge').count()).toBe(1);
    await shot(page, 'flow-editor-edited-1440', true);
    await page.close();
    expect(consoleErrors.filter((e) => !/Failed to load resource: .* 400/.test(e)).join('\n')).toBe('');
  });
});
