// What every outbound call Atrium makes shares (rule webhooks, flow http steps): the HMAC
// signature a receiver verifies (`Atrium-Signature: t=<unix>,v1=<hex>` over "<timestamp>.<body>",
// so it can also refuse replays), and the receiver's Retry-After, read as seconds.
import { createHmac } from 'node:crypto';

export function sign(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Retry-After in seconds (delta-seconds or an HTTP date), or null when absent or unreadable. */
export function parseRetryAfter(header: string | null, now: number): number | null {
  if (!header) return null;
  const secs = Number(header);
  if (Number.isFinite(secs)) return Math.max(0, secs);
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, (at - now) / 1000);
}
