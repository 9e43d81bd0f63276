// End to end in a real browser, Settings → AI as an admin configures it: the `smart` alias's
// chain edited with the keyboard-usable buttons (reordered, a model pinned, a step added and
// removed), saved with a why, persisted after a reload and equal to what the API returns; a
// server validation error (a provider that no longer exists) shown at its field; a price
// override added (an out-of-range price refused at the field first), kept after a reload, edited;
// another added and removed;
// prompts kept in the ledger and the cache lifetime changed; a member without the admin scope
// sees it all read-only. At 1440 and 360 px (and in French and Malagasy), without horizontal
// overflow. Fails on any browser console error but the refused saves' own 400s.
// Screenshots go to test-artifacts/screens/ai-settings-*.png.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../server/src/testing/harness.js';
import { shot, closeBrowserSuite, openBrowserSuite, signUp, watchConsole } from './browser.js';

let server: TestApp;
let browser: Browser;
let context: BrowserContext;
const consoleErrors: string[] = [];

const watch = (page: Page): Page => watchConsole(page, consoleErrors);

beforeAll(async () => void ({ server, browser, context } = await openBrowserSuite()));
afterAll(() => closeBrowserSuite({ server, browser }));

/** The API as the signed-in browser (session cookie + CSRF double submit). */
async function apiGet(page: Page, path: string) {
  const res = await page.request.get(`${server.baseUrl}${path}`);
  expect(res.status(), path).toBe(200);
  return (await res.json()).data;
}
async function apiPut(page: Page, path: string, body: unknown) {
  const csrf = (await context.cookies()).find((c) => c.name === 'atrium_csrf')?.value ?? '';
  const res = await page.request.put(`${server.baseUrl}${path}`, { data: body, headers: { 'x-csrf-token': csrf } });
  expect(res.status(), `${path}: ${await res.text()}`).toBe(200);
  return (await res.json()).data;
}

async function noOverflow(page: Page, what: string) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  const wide = overflow > 1
    ? await page.evaluate(() => [...document.querySelectorAll('main *')].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 3).map((e) => `${e.tagName}.${e.className}: ${e.textContent?.slice(0, 40)}`))
    : [];
  expect(overflow, `${what} overflows: ${wide.join(' ')}`).toBeLessThanOrEqual(1);
}

const activeLabel = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent ?? '');

describe('AI settings in a real browser', () => {
  const email = `ada-${Date.now()}@example.test`;
  const password = 'copper-meadow-falcon-4821';

  it('routing: smart edited, saved with a why, persisted, equal to the API; a server error at its field', async () => {
    const page = watch(await context.newPage());
    await signUp(page, server, { organization: 'Lovelace Analytics', name: 'Ada Lovelace', email, password });

    // A workspace provider (a local Ollama: loopback needs no key), through the existing form.
    await page.goto(`${server.baseUrl}/settings/ai`);
    const providerForm = page.getByTestId('ai-provider-form');
    await providerForm.getByLabel('Provider name').fill('ollama');
    await providerForm.getByLabel('Address (base URL)').fill('http://127.0.0.1:11434/v1');
    await providerForm.getByLabel('Model', { exact: true }).fill('llama3.2');
    await providerForm.getByRole('button', { name: 'Save provider' }).click();
    await expect.poll(() => page.getByTestId('ai-providers').textContent()).toContain('ollama');

    // smart starts on the default chain: ollama, then offline.
    const smart = page.locator('[data-alias=smart]');
    await expect.poll(() => smart.getByTestId('alias-chain').textContent()).toMatch(/^Tried in order: ollama \(llama3\.2\) → offline/);
    expect(await smart.getByTestId('alias-kind').textContent()).toBe('Default');
    await smart.getByRole('button', { name: 'Edit the routing of “smart”' }).click();
    const editor = smart.getByTestId('alias-editor');
    await editor.waitFor();
    // The focus is in the editor, on the first step's provider.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(await editor.getByLabel('Step 1 provider').getAttribute('id'));
    expect(await editor.getByLabel('Step 1 provider').inputValue()).toBe('ollama');
    expect(await editor.getByLabel('Step 1 model').inputValue()).toBe(''); // the provider's default, not pinned
    expect(await editor.getByLabel('Step 2 provider').inputValue()).toBe('offline');

    // Keyboard: move offline up with Enter; the focus follows the step (now first: "down").
    await editor.getByRole('button', { name: 'Move step 2 up' }).focus();
    await page.keyboard.press('Enter');
    expect(await editor.getByLabel('Step 1 provider').inputValue()).toBe('offline');
    expect(await editor.getByLabel('Step 2 provider').inputValue()).toBe('ollama');
    expect(await activeLabel(page)).toBe('Move step 1 down');
    expect(await editor.getByRole('button', { name: 'Move step 1 up' }).isDisabled()).toBe(true);

    // Pin a model on ollama; add a step, then remove it again.
    await editor.getByLabel('Step 2 model').fill('qwen2.5:7b');
    await editor.getByRole('button', { name: 'Add step' }).click();
    await expect.poll(() => editor.getByTestId('alias-step').count()).toBe(3);
    await editor.getByRole('button', { name: 'Remove step 3' }).click();
    await expect.poll(() => editor.getByTestId('alias-step').count()).toBe(2);
    await editor.getByLabel('Why (optional)').fill('Keep AI offline until the pilot starts');
    await shot(page, 'ai-settings-routing-edit-1440', true);
    await editor.getByRole('button', { name: 'Save routing' }).click();
    await editor.waitFor({ state: 'detached' });
    await expect.poll(() => smart.getByTestId('alias-kind').textContent()).toBe('Custom');
    await expect.poll(() => smart.getByTestId('alias-chain').textContent()).toBe('Tried in order: offline (offline-extractive-1) → ollama (qwen2.5:7b)');
    expect(await activeLabel(page)).toBe('Edit the routing of “smart”'); // the focus is back on Edit

    // After a reload: still there, and the API agrees with what the screen shows.
    await page.reload();
    await expect.poll(() => smart.getByTestId('alias-chain').textContent()).toBe('Tried in order: offline (offline-extractive-1) → ollama (qwen2.5:7b)');
    const settings = await apiGet(page, '/v1/ai/settings');
    expect(settings.aliases.smart).toEqual({ chain: [{ provider: 'offline' }, { provider: 'ollama', model: 'qwen2.5:7b' }] });
    const providers = await apiGet(page, '/v1/ai/providers');
    expect(providers.aliases.smart).toEqual([{ provider: 'offline', model: 'offline-extractive-1' }, { provider: 'ollama', model: 'qwen2.5:7b' }]);
    // The why is in the ledger with the change.
    const diffs = await apiGet(page, '/v1/diffs?event=ai.settings_updated&limit=5');
    expect(diffs.flatMap((d: { annotations: { why: string }[] }) => d.annotations.map((a) => a.why))).toContain('Keep AI offline until the pilot starts');
    await smart.getByRole('button', { name: 'Edit the routing of “smart”' }).click();
    expect(await editor.getByLabel('Step 2 provider').inputValue()).toBe('ollama');
    expect(await editor.getByLabel('Step 2 model').inputValue()).toBe('qwen2.5:7b');
    await editor.getByRole('button', { name: 'Cancel' }).click();
    await editor.waitFor({ state: 'detached' });

    // The provider is removed (by another admin, through the API): smart still names it, the
    // gateway skips it; saving it as is is refused by the server, at that step's field.
    await apiPut(page, '/v1/ai/settings', { providers: { ollama: null } });
    await page.reload();
    await expect.poll(() => smart.getByTestId('alias-chain').textContent()).toBe('Tried in order: offline (offline-extractive-1)');
    await smart.getByRole('button', { name: 'Edit the routing of “smart”' }).click();
    expect(await editor.getByLabel('Step 2 provider').inputValue()).toBe('ollama');
    expect(await editor.getByLabel('Step 2 provider').locator('option:checked').textContent()).toBe('ollama (no longer exists)');
    await editor.getByRole('button', { name: 'Save routing' }).click();
    const step2 = editor.getByTestId('alias-step').nth(1);
    await expect.poll(() => step2.locator('.field-error').textContent()).toMatch(/unknown provider/);
    expect(await step2.locator('select[aria-invalid=true]').count()).toBe(1);
    expect(await editor.getByRole('alert').filter({ hasText: 'Some fields are not valid. Check: Provider.' }).count()).toBe(1);
    // The message is the select's description, for screen readers too.
    const described = await step2.locator('select').getAttribute('aria-describedby');
    expect(await page.locator(`[id="${described}"]`).textContent()).toMatch(/unknown provider/);
    await shot(page, 'ai-settings-routing-error-1440', true);
    // Fixed: the step is removed, and the save goes through.
    await editor.getByRole('button', { name: 'Remove step 2' }).click();
    await editor.getByRole('button', { name: 'Save routing' }).click();
    await editor.waitFor({ state: 'detached' });
    expect((await apiGet(page, '/v1/ai/settings')).aliases.smart).toEqual({ chain: [{ provider: 'offline' }] });

    // A custom alias: a bad name is refused before sending; a good one is saved, then reset.
    await page.getByLabel('New alias').fill('Bad name');
    await page.getByRole('button', { name: 'Add alias' }).click();
    expect(await page.getByLabel('New alias').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('New alias').fill('summaries');
    await page.getByRole('button', { name: 'Add alias' }).click();
    const custom = page.locator('[data-alias=summaries]');
    await custom.getByTestId('alias-editor').getByRole('button', { name: 'Save routing' }).click();
    await expect.poll(() => custom.getByTestId('alias-kind').textContent()).toBe('Custom');
    expect((await apiGet(page, '/v1/ai/providers')).aliases.summaries).toEqual([{ provider: 'offline', model: 'offline-extractive-1' }]);
    await custom.getByRole('button', { name: 'Edit the routing of “summaries”' }).click();
    await custom.getByRole('button', { name: 'Remove alias' }).click();
    await expect.poll(() => custom.count()).toBe(0);
    // smart back to its default: null in the API, "Default" on screen.
    await smart.getByRole('button', { name: 'Edit the routing of “smart”' }).click();
    await editor.getByRole('button', { name: 'Reset to default' }).click();
    await expect.poll(() => smart.getByTestId('alias-kind').textContent()).toBe('Default');
    expect((await apiGet(page, '/v1/ai/settings')).aliases.smart).toBeUndefined();

    await page.close();
    // The only console errors allowed: the browser's own log of the refused save (400).
    const unexpected = consoleErrors.filter((e) => !/Failed to load resource: .* 400/.test(e));
    expect(unexpected.join('\n')).toBe('');
    consoleErrors.length = 0;
  });

  it('price overrides: refused at the field, added, kept after a reload, edited, removed; prompts kept; cache lifetime', async () => {
    const page = watch(await context.newPage());
    await page.goto(`${server.baseUrl}/settings/ai`);
    const prices = page.getByTestId('ai-prices');
    await expect.poll(() => prices.textContent()).toContain('No prices of your own');
    const form = page.getByTestId('ai-price-form');
    await form.getByLabel('Model name').fill('gpt-4o-mini');
    await form.getByLabel('Input price ($ per million tokens)').fill('20000');
    await form.getByLabel('Output price ($ per million tokens)').fill('0.8');
    await form.getByLabel('Context window (tokens, optional)').fill('128000');
    await form.getByRole('button', { name: 'Save price' }).click();
    await expect.poll(() => form.locator('.field-error').count()).toBe(1);
    expect(await form.getByLabel('Input price ($ per million tokens)').getAttribute('aria-invalid')).toBe('true');
    await form.getByLabel('Input price ($ per million tokens)').fill('0.2');
    await form.getByLabel('Why (optional)').fill('Our negotiated rate');
    await form.getByRole('button', { name: 'Save price' }).click();
    const row = prices.locator('tr[data-model="gpt-4o-mini"]');
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.locator('td').allTextContents()).toEqual(['gpt-4o-miniContext: 128,000 tokens', '0.2 $', '0.8 $', 'EditRemove']);
    expect(await form.locator('.field-error').count()).toBe(0);
    await page.reload();
    await expect.poll(() => row.textContent()).toContain('0.2 $');
    expect((await apiGet(page, '/v1/ai/settings')).prices).toEqual({ 'gpt-4o-mini': { input_per_mtok: 0.2, output_per_mtok: 0.8, context: 128000 } });
    // Edit puts the row in the form.
    await row.getByRole('button', { name: 'Edit the price of “gpt-4o-mini”' }).click();
    expect(await form.getByLabel('Model name').inputValue()).toBe('gpt-4o-mini');
    expect(await form.getByLabel('Output price ($ per million tokens)').inputValue()).toBe('0.8');
    await form.getByLabel('Output price ($ per million tokens)').fill('0.9');
    await form.getByRole('button', { name: 'Save price' }).click();
    await expect.poll(() => row.textContent()).toContain('0.9 $');
    // Another one, added then removed (asked first, with a why).
    await form.getByLabel('Model name').fill('mistral-small');
    await form.getByLabel('Input price ($ per million tokens)').fill('0.1');
    await form.getByLabel('Output price ($ per million tokens)').fill('0.3');
    await form.getByRole('button', { name: 'Save price' }).click();
    const other = prices.locator('tr[data-model="mistral-small"]');
    await expect.poll(() => other.textContent()).toContain('Built-in context window');
    await other.getByRole('button', { name: 'Remove the price of “mistral-small”' }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove the price of “mistral-small”?' });
    await dialog.getByLabel('Why (optional)').fill('We stopped using it');
    await shot(page, 'ai-settings-price-remove-1440');
    await dialog.getByRole('button', { name: 'Remove', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => other.count()).toBe(0);
    expect(Object.keys((await apiGet(page, '/v1/ai/settings')).prices)).toEqual(['gpt-4o-mini']);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(await form.getByLabel('Model name').getAttribute('id'));

    // Privacy and cache.
    const privacy = page.getByTestId('ai-privacy-form');
    const keep = privacy.getByLabel('Keep prompts and outputs in the ledger');
    expect(await keep.isChecked()).toBe(false);
    await keep.check();
    await privacy.getByLabel('Cache lifetime (seconds)').fill('3600');
    expect(await privacy.getByTestId('cache-ttl-now').textContent()).toBe('That is: 1 h.');
    await privacy.getByLabel('Why (optional)').fill('We need the prompts to audit the pilot');
    await privacy.getByRole('button', { name: 'Save privacy and cache' }).click();
    await expect.poll(async () => (await apiGet(page, '/v1/ai/settings')).store_prompts).toBe(true);
    expect((await apiGet(page, '/v1/ai/settings')).cache_ttl_seconds).toBe(3600);
    await page.reload();
    expect(await privacy.getByLabel('Keep prompts and outputs in the ledger').isChecked()).toBe(true);
    expect(await privacy.getByLabel('Cache lifetime (seconds)').inputValue()).toBe('3600');
    await privacy.getByLabel('Cache lifetime (seconds)').fill('0');
    expect(await privacy.getByTestId('cache-ttl-now').textContent()).toBe('That is: off.');
    await shot(page, 'ai-settings-all-1440', true);
    await noOverflow(page, 'AI settings at 1440 px');

    // 360 px: the screen, and the routing editor open, without horizontal overflow.
    await page.setViewportSize({ width: 360, height: 780 });
    await page.reload();
    await page.locator('[data-alias=smart]').getByRole('button', { name: 'Edit the routing of “smart”' }).click();
    await page.locator('[data-alias=smart]').getByTestId('alias-editor').waitFor();
    await shot(page, 'ai-settings-editor-360', true);
    await noOverflow(page, 'AI settings at 360 px');
    // The longer French and Malagasy sentences fit too (the language is switched in
    // Preferences, then the AI tab opened without a reload).
    for (const [lng, tab] of [['fr', 'IA'], ['mg', 'Faharanitan-tsaina artifisialy']] as const) {
      await page.goto(`${server.baseUrl}/settings/preferences`);
      await page.locator('#pref-language').selectOption(lng);
      await expect.poll(() => page.locator('html').getAttribute('lang')).toBe(lng);
      await page.getByRole('tab', { name: tab }).click();
      await page.locator('[data-alias=smart] button').first().click();
      await page.locator('[data-alias=smart]').getByTestId('alias-editor').waitFor();
      await shot(page, `ai-settings-editor-${lng}-360`, true);
      await noOverflow(page, `AI settings in ${lng} at 360 px`);
    }
    // The saved choice survives a reload (the bundle is loaded before the first render).
    await page.reload();
    await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('mg');
    await page.getByRole('tab', { name: 'Faharanitan-tsaina artifisialy' }).waitFor();
    await page.evaluate(() => localStorage.setItem('atrium.lang', 'en'));
    await page.close();
    expect(consoleErrors.filter((e) => !/Failed to load resource: .* 400/.test(e)).join('\n')).toBe('');
    consoleErrors.length = 0;
  });

  it('a member without the admin scope sees the same settings, read-only', async () => {
    const owner = watch(await context.newPage());
    await owner.goto(`${server.baseUrl}/settings/ai`);
    const csrf = (await context.cookies()).find((c) => c.name === 'atrium_csrf')?.value ?? '';
    const res = await owner.request.post(`${server.baseUrl}/v1/members`, { data: { email: `grace-${Date.now()}@example.test`, role: 'member' }, headers: { 'x-csrf-token': csrf } });
    expect(res.status()).toBe(201);
    const { token } = (await res.json()).data;
    await owner.close();

    const guest = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-GB' });
    const page = watch(await guest.newPage());
    await page.goto(`${server.baseUrl}/accept-invitation?token=${encodeURIComponent(token)}`);
    await page.getByLabel('Name').fill('Grace Member');
    await page.getByLabel('Password').fill('violet-harbour-engine-5530');
    await page.getByRole('button', { name: 'Accept invitation' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Pulse');
    for (const [width, height] of [[1440, 900], [360, 780]] as const) {
      await page.setViewportSize({ width, height });
      await page.goto(`${server.baseUrl}/settings/ai`);
      await expect.poll(() => page.locator('[data-alias=smart]').getByTestId('alias-chain').textContent()).toBe('Tried in order: offline (offline-extractive-1)');
      await expect.poll(() => page.getByTestId('ai-price-table').textContent()).toContain('gpt-4o-mini');
      expect(await page.getByTestId('store-prompts-state').textContent()).toBe('On');
      expect(await page.getByTestId('ai-privacy').textContent()).toContain('1 h');
      // Nothing to edit, nothing refused.
      expect(await page.getByRole('button', { name: /^Edit/ }).count()).toBe(0);
      for (const form of ['ai-provider-form', 'ai-price-form', 'ai-privacy-form']) expect(await page.getByTestId(form).count(), form).toBe(0);
      expect(await page.getByLabel('New alias').count()).toBe(0);
      expect(await page.locator('main [role=alert]').count()).toBe(0);
      await shot(page, `ai-settings-readonly-${width}`, true);
      await noOverflow(page, `read-only AI settings at ${width} px`);
    }
    await guest.close();
    expect(consoleErrors.join('\n')).toBe('');
  });
});
