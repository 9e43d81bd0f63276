// Outgoing mail through SMTP (nodemailer) when ATRIUM_SMTP_URL is set. Without it,
// `send` reports `delivered: false` and callers show the content to the user instead.
import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from 'pino';

export type Mail = { to: string; subject: string; text: string };
export type Mailer = { readonly configured: boolean; send(mail: Mail): Promise<{ delivered: boolean }> };

export function createMailer(smtpUrl: string | undefined, from: string, log: Logger): Mailer {
  const transport: Transporter | null = smtpUrl ? nodemailer.createTransport(smtpUrl) : null;
  return {
    configured: transport !== null,
    async send(mail) {
      if (!transport) return { delivered: false };
      try {
        await transport.sendMail({ from, ...mail });
        return { delivered: true };
      } catch (err) {
        log.warn({ err, to: mail.to }, 'mail not delivered');
        return { delivered: false };
      }
    },
  };
}
