// The Pulse's feed is the business, not the bookkeeping (issue 16, defect 8): sign-ins and
// sign-outs stay in the audit log (GET /v1/diffs) and are left out of the dashboard's recent diffs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import { signup } from '../identity/testing.js';

let t: TestApp;
beforeAll(async () => void (t = await startTestApp()));
afterAll(() => t?.stop());

type Feed = { recent_diffs: { event: string }[] };

describe('the Pulse feed', () => {
  it('leaves sign-ins and sign-outs to the audit log', async () => {
    const person = await signup(t, { name: 'Joël' });
    // Two more sign-ins and a sign-out of the same person.
    for (let i = 0; i < 2; i++) await t.client().auth.login({ email: person.email, password: person.password });
    const extra = await t.client().auth.login({ email: person.email, password: person.password });
    await t.client(extra.token!).auth.logout();
    await person.client.work.create({ name: 'Vanilla curing' });

    const audit = (await person.client.diffs.all()).map((d) => d.event);
    expect(audit.filter((e) => e === 'session.created').length).toBeGreaterThanOrEqual(3);
    expect(audit).toContain('session.revoked');

    const pulse = (await person.client.request<Feed>('GET', '/v1/dashboard')).data;
    const events = pulse.recent_diffs.map((d) => d.event);
    expect(events).toContain('workflow.created');
    expect(events.filter((e) => e.startsWith('session.'))).toEqual([]);
  });
});
