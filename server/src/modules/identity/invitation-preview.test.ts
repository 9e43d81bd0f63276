// The accept-invitation page says which workspace and who invited (issue 16, defect 8): the
// token (in the body, never a URL) previews its invitation; a used or unknown one does not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import { expectError } from '../../testing/http.js';
import { newEmail, newPassword } from './testing.js';

let t: TestApp;
beforeAll(async () => void (t = await startTestApp()));
afterAll(() => t?.stop());

describe('invitation preview', () => {
  it('tells the workspace and the inviter before accepting; a used or unknown token is INVITATION_INVALID', async () => {
    const owner = await t.tenant('Vanille & Co');
    const email = newEmail('preview');
    const invite = await owner.client.members.invite(email, 'member');
    const inviter = (await owner.client.members.list()).find((m) => m.user_id === owner.userId)!;
    const anon = t.client();
    expect(await anon.members.preview(invite.token!)).toEqual({ tenant: { name: 'Vanille & Co' }, invited_by: { name: inviter.name }, email, role: 'member' });
    await anon.members.accept({ token: invite.token!, name: 'Previewed', password: newPassword() });
    await expectError(await anon.raw('POST', '/v1/invitations/preview', { body: { token: invite.token } }), 404, 'INVITATION_INVALID');
    await expectError(await anon.raw('POST', '/v1/invitations/preview', { body: { token: 'inv_0123456789abcdef' } }), 404, 'INVITATION_INVALID');
  });
});
