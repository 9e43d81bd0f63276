// Invitations through a real SMTP server on loopback (smtp-server): with ATRIUM_SMTP_URL set,
// the link goes by email and is not shown to the inviter; the emailed link works.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, type TestTenant } from '../../testing/harness.js';
import { newEmail, newPassword } from './testing.js';

type Received = { from: string; to: string[]; body: string };
const inbox: Received[] = [];
let smtp: SMTPServer;
let t: TestApp;
let owner: TestTenant;

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        inbox.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          body: Buffer.concat(chunks).toString('utf8'),
        });
        done();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const { port } = smtp.server.address() as AddressInfo;
  t = await startTestApp({ config: { smtpUrl: `smtp://127.0.0.1:${port}`, mailFrom: 'Atrium <atrium@example.test>' } });
  owner = await t.tenant('Mail Co');
});
afterAll(async () => {
  await t?.stop();
  await new Promise<void>((resolve) => smtp?.close(() => resolve()));
});

describe('invitations by email', () => {
  it('emails the accept link instead of showing it, and the emailed link works', async () => {
    const email = newEmail('mailed');
    const invite = await owner.client.members.invite(email, 'member');
    expect(invite.email_sent).toBe(true);
    expect(invite.token).toBeUndefined();
    expect(invite.accept_url).toBeUndefined();

    const mail = inbox.find((m) => m.to.includes(email));
    expect(mail?.from).toBe('atrium@example.test');
    // Quoted-printable may wrap long lines with "=\r\n"; unwrap before reading the link.
    const body = mail!.body.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
    const token = /accept-invitation\?token=([A-Za-z0-9_%-]+)/.exec(body)?.[1];
    expect(token).toBeDefined();

    const accepted = await t.client().members.accept({ token: decodeURIComponent(token!), name: 'Mailed Person', password: newPassword() });
    expect(accepted.role).toBe('member');
    expect(accepted.user.email).toBe(email);
  });
});
