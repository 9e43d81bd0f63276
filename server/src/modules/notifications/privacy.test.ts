// Per-person data reaches only that person: a notification's title, body and link go to the
// recipient's live stream, diff list and export, and to no other member of the workspace
// (who sees that someone was notified, not what). Two members, on both databases.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AtriumClient, Diff } from '../../../../sdk/src/index.js';
import type { Principal } from '../../platform/context.js';
import { startTestApp, type TestApp, type TestTenant } from '../../testing/harness.js';
import { expectOk, waitFor } from '../../testing/http.js';
import { addMember } from '../work/testing.js';

let t: TestApp;
let a: TestTenant;
let member: Awaited<ReturnType<typeof addMember>>;
const closers: (() => void)[] = [];
beforeAll(async () => {
  t = await startTestApp();
  a = await t.tenant('Privacy');
  member = await addMember(t, a, 'Mira Member');
});
afterAll(async () => {
  closers.forEach((c) => c());
  await t?.stop();
});

async function listen(client: AtriumClient): Promise<Diff[]> {
  const got: Diff[] = [];
  await new Promise<void>((resolve) => closers.push(client.stream((d) => got.push(d), { onOpen: resolve })));
  return got;
}
const SECRET = 'Salary review for Mira';

describe('per-person notifications', () => {
  it('title, body and link reach the recipient only: stream, diff list, one diff, export, Pulse', async () => {
    const ownerStream = await listen(a.client);
    const memberStream = await listen(member.client);
    const owner: Principal = {
      tenantId: a.tenantId, actor: { type: 'user', id: a.userId }, userId: a.userId, tokenId: 'in-process', kind: 'session',
      role: 'owner', scopes: ['read', 'write', 'admin'], plan: 'enterprise', stepUpAt: null, platformRole: null,
    };
    await t.app.commands.execute(owner, 'notifications.notify', { to: [`user:${member.userId}`], title: SECRET, body: 'Thursday, 3 pm, confidential', link: '/hr/reviews/7' });
    const sent = (s: Diff[]) => s.find((d) => d.event === 'notification.sent');
    const mine = await waitFor('the member’s notification diff', () => sent(memberStream));
    const theirs = await waitFor('the owner’s view of it', () => sent(ownerStream));
    expect(mine.after).toMatchObject({ user_id: member.userId, title: SECRET, body: 'Thursday, 3 pm, confidential', link: '/hr/reviews/7' });
    expect(theirs.id).toBe(mine.id);
    expect(theirs.after).toEqual({ user_id: member.userId, entity_type: null, entity_id: null });
    expect(JSON.stringify(ownerStream)).not.toContain('Salary');

    const list = async (c: AtriumClient) => (await expectOk<Diff[]>(await c.raw('GET', '/v1/diffs?event=notification.sent'))).data;
    expect((await list(member.client))[0]?.after).toMatchObject({ title: SECRET });
    expect(JSON.stringify(await list(a.client))).not.toContain('Salary');
    expect(JSON.stringify((await expectOk<Diff>(await a.client.raw('GET', `/v1/diffs/${mine.id}`))).data)).not.toContain('Salary');
    expect((await expectOk<Diff>(await member.client.raw('GET', `/v1/diffs/${mine.id}`))).data.after).toMatchObject({ title: SECRET });

    const exported = await (await a.client.raw('GET', '/v1/export/diffs.jsonl?namespace=notifications')).text();
    expect(exported).toContain(mine.id);
    expect(exported).not.toContain('Salary');
    expect(await (await member.client.raw('GET', '/v1/export/diffs.jsonl?namespace=notifications')).text()).toContain('Salary');

    const pulse = (await expectOk<{ recent_diffs: Diff[] }>(await a.client.raw('GET', '/v1/dashboard'))).data;
    expect(pulse.recent_diffs.some((d) => d.id === mine.id)).toBe(true);
    expect(JSON.stringify(pulse)).not.toContain('Salary');
  });
});
