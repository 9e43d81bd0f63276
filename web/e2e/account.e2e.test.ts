// Account flows end to end in a real browser (headless Chromium, the real server over
// in-memory PGlite): turn on 2FA in Settings → Security (QR, a first code computed with
// otplib as an authenticator app would, recovery codes), sign out and back in with a code,
// invite a member and accept the link in a fresh browser, create an API key (shown once,
// copyable, gone after a reload), and change the new member's role through the 2FA step-up
// prompt. Fails on any browser console error other than the browser's own log of the
// refusals these flows provoke on purpose. Screenshots at 1440 px and 360 px go to
// test-artifacts/screens/account-*.png.
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../server/src/testing/harness.js';
import { closeBrowserSuite, DESKTOP, shot as screenshot, signUp, startBrowserSuite, watchConsole } from './browser.js';
import { TOKEN_CACHE_MS } from '../../server/src/modules/identity/tokens.js';
import { Authenticator } from '../../server/src/modules/identity/testing.js';

const PHONE = { width: 360, height: 780 };

let server: TestApp;
let browser: Browser;
let owner: BrowserContext;
const consoleErrors: string[] = [];

const watch = (page: Page): Page => watchConsole(page, consoleErrors);

/** Console errors, less the browser's own network log of refusals provoked on purpose. */
function unexpectedErrors(allowed: RegExp[]): string {
  const left = consoleErrors.filter((e) => !allowed.some((re) => re.test(e)));
  consoleErrors.length = 0;
  return left.join('\n');
}

const shot = (page: Page, name: string) => screenshot(page, name, true);

/** Resizes, then waits for the transitions that crossing a breakpoint starts (the drawer). */
async function resize(page: Page, size: { width: number; height: number }): Promise<void> {
  await page.setViewportSize(size);
  await page.evaluate(() => Promise.all(document.getAnimations().filter((a) => a instanceof CSSTransition).map((a) => a.finished.catch(() => {}))));
}

/**
 * Lets the step-up from the login lapse, as time would: cleared in the database, then waited
 * for until the server sees it (it caches a resolved token for TOKEN_CACHE_MS), as /v1/me of
 * the owner's session tells. Polled slowly: every request counts against the tenant's rate limit.
 */
async function lapseStepUp(): Promise<void> {
  await server.app.db.systemTx((tx) => tx.updateTable('auth_tokens').set({ step_up_at: null }).execute());
  await expect.poll(async () => ((await (await owner.request.get(`${server.baseUrl}/v1/me`)).json()) as { data: { auth: { step_up_at: string | null } } }).data.auth.step_up_at,
    { interval: 250, timeout: TOKEN_CACHE_MS + 15_000 }).toBeNull();
}

/** A screenshot at 360 px too (and no sideways scrolling there), then back to 1440 px. */
async function shotBoth(page: Page, name: string): Promise<void> {
  await shot(page, `${name}-1440`);
  await resize(page, PHONE);
  await shot(page, `${name}-360`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, `${name} overflows at 360 px`).toBeLessThanOrEqual(1);
  await resize(page, DESKTOP);
}

const heading = (page: Page) => page.getByRole('heading', { level: 1 }).textContent();

beforeAll(async () => {
  ({ server, browser } = await startBrowserSuite());
  owner = await browser.newContext({ viewport: DESKTOP, locale: 'en-GB' });
  await owner.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.baseUrl });
});

afterAll(() => closeBrowserSuite({ server, browser }));

describe('account flows in a real browser', () => {
  const email = `grace-${Date.now()}@example.test`;
  const password = 'amber-lantern-fjord-5521';
  const inviteeEmail = `bob-${Date.now()}@example.test`;
  const inviteeName = 'Bob Builder';
  let page: Page;
  let authenticator: Authenticator;
  let inviteToken = '';

  it('turns on 2FA in Settings → Security: QR code, a first code, recovery codes', async () => {
    page = watch(await owner.newPage());
    await signUp(page, server, { organization: 'Hopper Labs', name: 'Grace Hopper', email, password });

    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('tab', { name: 'Two-factor' }).click();
    await page.waitForURL(/\/settings\/security$/);
    expect(await page.getByText('Two-factor authentication is off.').count()).toBe(1);
    await page.getByRole('button', { name: 'Turn on two-factor' }).click();
    const qr = page.getByRole('img', { name: 'QR code for your authenticator app' });
    await qr.waitFor();
    await expect.poll(() => qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    const secret = (await page.locator('code.secret').textContent())!.trim();
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    await shotBoth(page, 'account-2fa-enrol');

    // A wrong code is refused with a translated error, and the form stays.
    authenticator = new Authenticator(secret);
    await page.getByLabel('Authentication code').fill(await authenticator.wrong());
    await page.getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(() => page.getByRole('alert').count()).toBeGreaterThan(0);
    expect(await qr.isVisible()).toBe(true);

    await page.getByLabel('Authentication code').fill(await authenticator.next());
    await page.getByRole('button', { name: 'Confirm' }).click();
    const codes = page.getByTestId('recovery-codes');
    await codes.waitFor();
    expect(await codes.locator('code').count()).toBeGreaterThanOrEqual(8);
    await expect.poll(() => page.getByText('Two-factor authentication is on.').count()).toBe(1);
    expect(await qr.count()).toBe(0);
    await shotBoth(page, 'account-2fa-codes');
    // The refused code above: the browser logs the 4xx of that request.
    expect(unexpectedErrors([/Failed to load resource: .* 4\d\d/])).toBe('');
  }, 180_000);

  it('signs out and in again: the code prompt appears and a code gets in', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click({ force: true });
    await page.waitForURL(/\/login/);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    const code = page.getByLabel('Authentication code');
    await code.waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);
    await shotBoth(page, 'account-login-totp');
    await code.fill(await authenticator.next());
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(/\/settings\/security$/);
    await expect.poll(() => heading(page)).toBe('Settings');
    expect(await page.getByText('Two-factor authentication is on.').count()).toBe(1);
    // On a phone the settings tabs scroll sideways: the current one is scrolled into view.
    const phone = watch(await owner.newPage());
    await phone.setViewportSize(PHONE);
    await phone.goto(`${server.baseUrl}/settings/security`);
    const current = phone.getByRole('tab', { name: 'Two-factor' });
    await expect.poll(() => current.getAttribute('aria-selected')).toBe('true');
    await expect.poll(() => current.evaluate((el) => { const r = el.getBoundingClientRect(); return r.left >= 0 && r.right <= window.innerWidth; })).toBe(true);
    await shot(phone, 'account-2fa-on-360');
    await phone.close();
    await page.bringToFront(); // the clipboard needs the page focused
    // The first login attempt is answered 401 TOTP_REQUIRED, which the browser logs.
    expect(unexpectedErrors([/\/login(\?\S*)?: Failed to load resource: .* 401/])).toBe('');
  }, 180_000);

  it('invites a member: the link is shown (no SMTP), and a fresh browser accepts it', async () => {
    await page.getByRole('tab', { name: 'Members' }).click();
    await page.waitForURL(/\/settings\/members$/);
    await page.locator('#inv-email').fill(inviteeEmail);
    await page.locator('#inv-role').selectOption('member');
    await page.getByRole('button', { name: 'Invite', exact: true }).click();
    const link = page.locator('[role=status] code.secret');
    await link.waitFor();
    const url = new URL((await link.textContent())!.trim());
    expect(url.pathname).toBe('/accept-invitation');
    inviteToken = url.searchParams.get('token') ?? '';
    expect(inviteToken).toMatch(/^inv_/);
    await expect.poll(() => page.locator('.list li', { hasText: inviteeEmail }).count()).toBe(1);
    await shotBoth(page, 'account-invite');

    // On a phone the navigation is a drawer: closed it is hidden (out of the tab order),
    // open it is as tall as the screen.
    await resize(page, PHONE);
    const nav = page.getByRole('navigation');
    expect(await nav.isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Menu' }).click();
    await expect.poll(() => nav.evaluate((el) => el.getBoundingClientRect().left)).toBe(0);
    expect(await nav.evaluate((el) => Math.round(el.getBoundingClientRect().height))).toBe(PHONE.height);
    await shot(page, 'account-menu-360');
    await page.mouse.click(PHONE.width - 20, PHONE.height / 2); // the dimmed page beside it closes it
    await expect.poll(() => nav.isVisible()).toBe(false);
    await resize(page, DESKTOP);

    // A different person, a different browser profile: no session there.
    const guest = await browser.newContext({ viewport: DESKTOP, locale: 'en-GB' });
    const other = watch(await guest.newPage());
    await other.goto(`${server.baseUrl}${url.pathname}${url.search}`);
    await expect.poll(() => heading(other)).toBe('Join your team');
    // Which workspace, and who invited (issue 16, defect 8).
    await expect.poll(() => other.getByTestId('invitation-preview').textContent()).toBe('Grace Hopper invited you to join Hopper Labs.');
    await other.getByLabel('Name').fill(inviteeName);
    await other.getByLabel('Password').fill('copper-meadow-violin-7730');
    await shotBoth(other, 'account-accept');
    await other.getByRole('button', { name: 'Accept invitation' }).click();
    await expect.poll(() => heading(other)).toBe('Pulse');
    expect(new URL(other.url()).pathname).toBe('/');
    expect(await other.locator('.sidebar-foot').textContent()).toContain(inviteeName);
    expect(await other.locator('.sidebar-foot').textContent()).toContain('Hopper Labs');
    await shot(other, 'account-invitee-pulse-1440');
    await guest.close();

    // The owner's list shows the new member and the invitation as accepted.
    await page.bringToFront();
    await page.reload();
    await expect.poll(() => page.getByRole('cell', { name: inviteeName }).count()).toBe(1);
    expect(unexpectedErrors([])).toBe('');
  });

  it('creates an API key: shown once with a copy button, not shown again after a reload', async () => {
    await page.getByRole('tab', { name: 'API keys' }).click();
    await page.waitForURL(/\/settings\/api-keys$/);
    await page.getByLabel('Name').fill('CI exporter');
    await page.getByRole('checkbox', { name: 'Write' }).check();
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = page.getByTestId('new-key');
    await key.waitFor();
    const secret = (await key.textContent())!.trim();
    expect(secret.length).toBeGreaterThan(20);
    const once = page.locator('.alert', { has: key });
    await once.getByRole('button', { name: 'Copy', exact: true }).click();
    // Transient labels (2 s, 5 s) are awaited in the page (waitFor), not polled from here: a starved
    // test process could poll past them.
    await once.getByRole('button', { name: 'Copied', exact: true }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    await expect.poll(() => page.locator('.list li', { hasText: 'CI exporter' }).count()).toBe(1);
    await shotBoth(page, 'account-api-key');

    // The key works against the API, then after a reload it is nowhere on the page.
    const me = await fetch(`${server.baseUrl}/v1/me`, { headers: { authorization: `Bearer ${secret}` } });
    expect(me.status).toBe(200);
    await page.reload();
    await expect.poll(() => page.locator('.list li', { hasText: 'CI exporter' }).count()).toBe(1);
    expect(await page.getByTestId('new-key').count()).toBe(0);
    expect(await page.content()).not.toContain(secret);
    expect(unexpectedErrors([])).toBe('');
  });

  it("changes the invited member's role through the 2FA step-up prompt", async () => {
    // The step-up from the login is fresh for ten minutes: let it lapse, as time would.
    await lapseStepUp();
    await page.getByRole('tab', { name: 'Members' }).click();
    await page.waitForURL(/\/settings\/members$/);
    const role = page.getByLabel(`Role of ${inviteeName}`);
    await role.waitFor();
    expect(await role.inputValue()).toBe('member');
    await role.selectOption('admin');
    const dialog = page.getByRole('dialog', { name: 'Confirm it is you' });
    await dialog.waitFor();
    await shotBoth(page, 'account-step-up');
    // A wrong code keeps the prompt open with an error; the right one retries the change.
    await dialog.getByLabel('Authentication code').fill(await authenticator.wrong());
    await dialog.getByRole('button', { name: 'Verify' }).click();
    await expect.poll(() => dialog.getByRole('alert').count()).toBe(1);
    await dialog.getByLabel('Authentication code').fill(await authenticator.next());
    await dialog.getByRole('button', { name: 'Verify' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByText('Saved.').first().waitFor();
    await expect.poll(() => role.inputValue()).toBe('admin');
    const members = await (await page.request.get(`${server.baseUrl}/v1/members`)).json();
    const bob = (members.data as Array<{ name: string; role: string }>).find((m) => m.name === inviteeName);
    expect(bob?.role).toBe('admin');
    await page.close();
    // The change refused with STEP_UP_REQUIRED (403) and the wrong code (400) are logged by
    // the browser; nothing else may be.
    expect(unexpectedErrors([/Failed to load resource: .* (400|401|403)/])).toBe('');
  }, 180_000);

  it('a save behind the step-up prompt is sent once (the prompt sits inside the form it protects)', async () => {
    await lapseStepUp();
    const ai = watch(await owner.newPage());
    // Every save the page sends, in order, with its status once answered (0: no answer).
    const puts = new Map<Request, number | null>();
    const isSave = (r: Request) => r.method() === 'PUT' && new URL(r.url()).pathname === '/v1/ai/settings';
    ai.on('request', (r) => void (isSave(r) && puts.set(r, null)));
    ai.on('requestfinished', async (r) => void (isSave(r) && puts.set(r, (await r.response())?.status() ?? 0)));
    ai.on('requestfailed', (r) => void (isSave(r) && puts.set(r, 0)));
    const settings = async () => (await (await ai.request.get(`${server.baseUrl}/v1/ai/settings`)).json()).data as { version: number; store_prompts: boolean };
    await ai.goto(`${server.baseUrl}/settings/ai`);
    const before = await settings();
    await ai.getByLabel('Keep prompts and outputs in the ledger').check();
    await ai.getByRole('button', { name: 'Save privacy and cache' }).click();
    const dialog = ai.getByRole('dialog', { name: 'Confirm it is you' });
    await dialog.waitFor();
    await dialog.getByLabel('Authentication code').fill(await authenticator.next());
    await dialog.getByLabel('Authentication code').press('Enter');
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(async () => (await settings()).store_prompts).toBe(true);
    // A second save sent by the same Enter (the submit bubbling to the form behind the prompt)
    // leaves before the step-up is even answered, so before the retry: once the retry is seen
    // and every save sent is answered, there is none still to come.
    const statuses = () => [...puts.values()];
    await expect.poll(() => statuses().includes(200) && !statuses().includes(null)).toBe(true);
    expect(statuses()).toEqual([403, 200]); // refused for the step-up, then retried once
    expect((await settings()).version).toBe(before.version + 1);
    await ai.close();
    expect(unexpectedErrors([/Failed to load resource: .* 403/])).toBe('');
  }, 180_000);
});
