// End to end in a real browser, the knowledge journey: a new workspace → a notebook created from
// the empty state → a Markdown handbook and a CSV uploaded through the file input, watched until
// read → a question answered with citation chips (focusing one shows its passage; following it
// opens the passage view with that passage highlighted) → a brief of at least 5 cited insights →
// the source map (SVG and its table) → a search across notebooks with highlighted snippets; the
// notebook page in French and Malagasy at 390 px in low-bandwidth mode; axe-core finds nothing
// serious or critical on the list and the notebook page at 1440 and 390 px. Screenshots of the
// notebook page go to /tmp/kweb-*.png. Fails on any console error.
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../server/src/testing/harness.js';
import { DESKTOP, closeBrowserSuite, signUp, startBrowserSuite, watchConsole } from './browser.js';

let server: TestApp;
let browser: Browser;
let context: BrowserContext;
const consoleErrors: string[] = [];
const AXE = fileURLToPath(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url));

const HANDBOOK = [
  '# Riake onboarding handbook', '', '## Contract', '',
  'The contract with Riake Logistics renews on 14 March 2027 for a fee of 18 400 euros per year.',
  'Riake Logistics runs 42 delivery vans between Antananarivo and Toamasina.',
  'The account manager for Riake Logistics is Hery Rakoto, who reports to the operations director.',
  '', '## Onboarding steps', '',
  'Warehouse mapping in Antananarivo starts on the first Monday and takes three working days.',
  'Every new driver attends a two-day defensive driving course before the first delivery.',
  'Route planning uses the shared map of depots, updated by the dispatcher each Friday evening.',
  'Invoices are issued on the fifth day of each month and are payable within thirty days.',
  'The safety audit checks brakes, tyres and fire extinguishers of every van twice a year.',
  'The Toamasina depot of Riake Logistics reported 3 late deliveries in October because the port road was closed for repairs.',
  'Fuel consumption is reported weekly by each depot manager in the fleet spreadsheet.',
  'Damage claims must be filed within seven days with photographs of the parcel.',
  'The Mahajanga depot handles refrigerated goods and keeps a backup generator on site.',
  'Fianarantsoa receives deliveries on Tuesdays and Thursdays because of the mountain road.',
  'Night deliveries need written approval from the operations director.',
  'Customer complaints are answered within one business day by the support desk.',
  'Quarterly business reviews with Riake Logistics compare delivery times against the agreed targets.',
  'Cyclone season procedures suspend coastal routes when the national alert reaches red.',
].join('\n');
const CSV = 'region,vans,late_deliveries\nAntananarivo,25,1\nToamasina,17,3\n';

/**
 * axe-core in the page: no serious or critical violation. The shell's top bar is left out: its
 * palette button's name does not contain its visible text (label-content-name-mismatch), which
 * the shell's accessibility pass fixes; the sidebar and the whole screen are checked.
 */
async function axe(page: Page, what: string): Promise<void> {
  await page.addScriptTag({ path: AXE });
  const found = await page.evaluate(async () => {
    const r = await (window as unknown as { axe: { run: (ctx: object, o: object) => Promise<{ violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }> }> } })
      .axe.run({ exclude: [['.topbar']] }, { resultTypes: ['violations'] });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  });
  expect(found, `axe on ${what}`).toEqual([]);
}

/** axe at 1440 and 390 px, no horizontal overflow at either. */
async function audit(page: Page, what: string): Promise<void> {
  for (const width of [1440, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), { message: `${what} at ${width} px overflows` }).toBeLessThanOrEqual(1);
    await axe(page, `${what} at ${width} px`);
  }
  await page.setViewportSize(DESKTOP);
}

async function shot(page: Page, name: string, width: number): Promise<void> {
  await page.setViewportSize({ width, height: 900 });
  await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), { message: `${name} overflows` }).toBeLessThanOrEqual(1);
  // The shell's sidebar slides away below its breakpoint: wait for its transition to end.
  await page.evaluate(() => Promise.all(document.getAnimations().filter((a) => a instanceof CSSTransition).map((a) => a.finished.catch(() => undefined))));
  await page.screenshot({ path: `/tmp/kweb-${name}-${width}.png`, fullPage: true });
}

beforeAll(async () => {
  ({ server, browser } = await startBrowserSuite());
  // axe-core is injected as a script tag, which the app's CSP (script-src 'self') would refuse.
  context = await browser.newContext({ viewport: DESKTOP, locale: 'en-GB', bypassCSP: true });
});
afterAll(() => closeBrowserSuite({ server, browser }));

describe('knowledge in a real browser', () => {
  it('notebook → upload → read → cited answer → brief → source map → search; French and Malagasy; axe', async () => {
    const page = watchConsole(await context.newPage(), consoleErrors);
    await signUp(page, server, { organization: 'Riake Logistics', name: 'Hery Rakoto', email: `hery-${Date.now()}@example.test`, password: 'amber-lantern-quarry-2719' });

    // The empty state says what a notebook is and creates the first one.
    await page.getByRole('link', { name: 'Knowledge' }).first().click();
    await page.getByRole('heading', { level: 1, name: 'Knowledge' }).waitFor();
    await page.getByRole('heading', { name: 'No notebook yet' }).waitFor();
    await audit(page, 'the empty notebooks list');
    await page.getByRole('button', { name: 'Create your first notebook' }).click();
    await page.getByLabel('Name').fill('Riake onboarding');
    await page.getByLabel('Description (optional)').fill('Contract, onboarding steps and fleet figures of our logistics client.');
    await page.getByRole('button', { name: 'Create notebook' }).click();
    await page.getByRole('heading', { level: 1, name: 'Riake onboarding' }).waitFor();

    // Two files through the file input; both are read (the progress bars go as they finish).
    await page.getByTestId('file-input').setInputFiles([
      { name: 'handbook.md', mimeType: 'text/markdown', buffer: Buffer.from(HANDBOOK) },
      { name: 'vans.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) },
    ]);
    const sources = page.getByTestId('sources').locator('li[data-source]');
    await expect.poll(() => sources.count()).toBe(2);
    await expect.poll(() => page.getByTestId('sources').locator('li[data-status="parsed"]').count(), { timeout: 60_000 }).toBe(2);
    expect(await page.getByTestId('sources').getByRole('progressbar').count()).toBe(0);
    expect(await page.getByTestId('source-status').allTextContents()).toEqual(['Read', 'Read']);
    // An empty file is refused, with its reason beside its name (the 400 it answers is expected:
    // Chromium reports it on the console, so it is taken off the list of errors).
    const before = consoleErrors.length;
    await page.getByTestId('file-input').setInputFiles([{ name: 'empty.txt', mimeType: 'text/plain', buffer: Buffer.alloc(0) }]);
    await expect.poll(() => page.getByTestId('refused').textContent()).toContain('empty.txt — The file is empty.');
    consoleErrors.push(...consoleErrors.splice(before).filter((e) => !/status of 400/.test(e)));
    const notebookUrl = page.url();
    await audit(page, 'the notebook page');
    await shot(page, 'notebook', 1440);
    await shot(page, 'notebook', 390);
    await page.setViewportSize(DESKTOP);

    // Ask (Enter submits): cited sentences; focusing a chip shows its passage.
    await page.getByRole('tab', { name: 'Ask' }).click();
    await page.getByLabel('Your question').fill('Why were there late deliveries in Toamasina?');
    await page.getByLabel('Your question').press('Enter');
    const answer = page.getByTestId('answer');
    await expect.poll(() => answer.textContent(), { timeout: 30_000 }).toContain('port road was closed');
    expect(await answer.getByTestId('extractive-note').textContent()).toContain('without a language model');
    const chip = answer.getByTestId('citation').first();
    const tip = answer.getByTestId('citation-tip').first();
    expect(await tip.isVisible()).toBe(false);
    await chip.focus();
    await expect.poll(() => tip.isVisible()).toBe(true);
    expect(await tip.textContent()).toContain('handbook.md');
    await shot(page, 'ask', 1440);
    await page.setViewportSize(DESKTOP);
    // Following the chip opens the passage view, the cited passage highlighted and in view.
    await chip.press('Enter');
    await page.getByRole('heading', { level: 1, name: /Riake onboarding handbook|handbook\.md/ }).waitFor();
    const cited = page.locator('[data-chunk][aria-current="true"]');
    await expect.poll(() => cited.textContent()).toContain('port road was closed');
    expect(await cited.isVisible()).toBe(true);
    await page.goBack();

    // The brief: at least 5 insights, each cited.
    await page.goto(`${notebookUrl}?tab=brief`);
    await page.getByTestId('generate-brief').click();
    const insights = page.getByTestId('insights').locator(':scope > li');
    await expect.poll(() => insights.count(), { timeout: 60_000 }).toBeGreaterThanOrEqual(5);
    for (const li of await insights.all()) expect(await li.getByTestId('citation').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('generate-brief').textContent()).toBe('Regenerate');
    await shot(page, 'brief', 1440);
    await page.setViewportSize(DESKTOP);

    // Q&A: pairs of questions and cited answers.
    await page.getByRole('tab', { name: 'Q&A' }).click();
    await page.getByTestId('generate-qa').click();
    await expect.poll(() => page.getByTestId('qa').locator('dt').count(), { timeout: 60_000 }).toBeGreaterThan(0);
    expect(await page.getByTestId('qa').getByTestId('citation').count()).toBeGreaterThan(0);

    // The source map: both documents drawn, the same data as a table.
    await page.getByRole('tab', { name: 'Source map' }).click();
    await page.getByTestId('generate-source_map').click();
    const map = page.getByTestId('source-map');
    await expect.poll(() => map.locator('svg .kn-node').count(), { timeout: 60_000 }).toBe(2);
    expect(await map.locator('table').count()).toBe(1);
    await shot(page, 'map', 1440);
    await page.setViewportSize(DESKTOP);

    // Search across notebooks: highlighted snippets linking to the passage.
    await page.goto(`${server.baseUrl}/knowledge`);
    await page.getByTestId('notebooks').locator('li[data-notebook]').first().waitFor();
    await page.getByRole('searchbox', { name: 'Search all notebooks' }).fill('contract renew');
    await page.getByRole('searchbox', { name: 'Search all notebooks' }).press('Enter');
    const hits = page.getByTestId('search-hits');
    await expect.poll(() => hits.locator('mark').count()).toBeGreaterThan(0);
    expect(await hits.getByRole('link').first().getAttribute('href')).toMatch(/^\/knowledge\/notebooks\/[^/]+\/sources\/[^/#]+#.+/);
    await audit(page, 'the notebooks list with search results');
    await shot(page, 'list', 1440);
    await shot(page, 'list', 390);

    // The light theme: the notebook page passes axe too (contrast differs from dark).
    await page.evaluate(() => localStorage.setItem('atrium.prefs', JSON.stringify({ theme: 'light' })));
    await page.goto(notebookUrl);
    await page.getByTestId('sources').locator('li[data-status="parsed"]').first().waitFor();
    await shot(page, 'notebook-light', 1440);
    await audit(page, 'the notebook page in the light theme');

    // French and Malagasy, 390 px, low-bandwidth mode (polling, no stream).
    await page.setViewportSize({ width: 390, height: 900 });
    for (const [lang, tab, status] of [['fr', 'Documents', 'Lu'], ['mg', 'Loharano', 'Voavaky']] as const) {
      await page.evaluate((l) => { localStorage.setItem('atrium.lang', l); localStorage.setItem('atrium.prefs', JSON.stringify({ lowBandwidth: true })); }, lang);
      await page.goto(notebookUrl);
      await page.getByRole('tab', { name: tab, exact: true }).waitFor();
      await expect.poll(() => page.locator('[data-live]').getAttribute('data-live')).toBe('polling');
      expect(await page.getByTestId('source-status').allTextContents()).toEqual([status, status]);
      await shot(page, `notebook-${lang}-lowbw`, 390);
      await axe(page, `the notebook page in ${lang}`);
    }
    await page.evaluate(() => { localStorage.setItem('atrium.lang', 'en'); localStorage.removeItem('atrium.prefs'); });
    await page.close();
    expect(consoleErrors.join('\n')).toBe('');
  }, 240_000);
});
