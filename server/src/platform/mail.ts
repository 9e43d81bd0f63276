// Outgoing mail through SMTP (nodemailer) when ATRIUM_SMTP_URL is set. Without it,
// `send` reports `delivered: false` and callers show the content to the user instead.
// nodemailer is imported at the first send (~10 MB resident a process without SMTP never
// needs: README, embedded mode); the transport is made once.
import type { Transporter } from 'nodemailer';
import type { Logger } from 'pino';

export type Mail = { to: string; subject: string; text: string };
export type Mailer = { readonly configured: boolean; send(mail: Mail): Promise<{ delivered: boolean }> };

export function createMailer(smtpUrl: string | undefined, from: string, log: Logger): Mailer {
  let transport: Promise<Transporter> | null = null;
  return {
    configured: !!smtpUrl,
    async send(mail) {
      if (!smtpUrl) return { delivered: false };
      try {
        transport ??= import('nodemailer')
          .then((m) => m.default.createTransport(smtpUrl))
          .catch((err: unknown) => {
            transport = null; // retried by the next send
            throw err;
          });
        await (await transport).sendMail({ from, ...mail });
        return { delivered: true };
      } catch (err) {
        log.warn({ err, to: mail.to }, 'mail not delivered');
        return { delivered: false };
      }
    },
  };
}
