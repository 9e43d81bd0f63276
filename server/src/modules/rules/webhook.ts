// Webhook deliveries: a CloudEvents 1.0 JSON body, signed with HMAC-SHA256 over
// "<timestamp>.<body>" (header `Atrium-Signature: t=<unix>,v1=<hex>`), so a receiver can
// verify origin and refuse replays older than a few minutes. `webhook-id` is stable across
// retries: receivers deduplicate on it (delivery is at least once).
import { parseRetryAfter, sign } from '../../platform/outbound.js';
import type { Json, JsonObject } from '../../platform/schema.js';
import { assertSafeDestination, type UrlPolicy } from '../../platform/url-guard.js';

export const MAX_WEBHOOK_ATTEMPTS = 6;
const TIMEOUT_MS = 10_000;

export type CloudEvent = {
  specversion: '1.0'; id: string; source: string; type: string; subject: string; time: string;
  datacontenttype: 'application/json'; data: JsonObject;
};

export function cloudEvent(input: { runId: string; ruleId: string; event: string; entityType: string; entityId: string; data: JsonObject; time: Date }): CloudEvent {
  return {
    specversion: '1.0', id: input.runId, source: `atrium/rules/${input.ruleId}`, type: `atrium.${input.event}`,
    subject: `${input.entityType}/${input.entityId}`, time: input.time.toISOString(), datacontenttype: 'application/json', data: input.data,
  };
}

// Signing and Retry-After are every outbound call's (platform/outbound.ts).
export { parseRetryAfter, sign };

/**
 * Exponential backoff with jitter: base·2^(attempt-1), capped at an hour, scaled by a random
 * factor in [0.5, 1.5) so receivers that failed together are not retried together; a
 * receiver's Retry-After is honoured when longer.
 */
export function retryDelaySeconds(attempt: number, baseSeconds: number, retryAfter: number | null, random = Math.random): number {
  const exp = Math.min(3600, baseSeconds * 2 ** (attempt - 1)) * (0.5 + random());
  return Math.max(exp, retryAfter ?? 0);
}


export type DeliveryResult = { ok: boolean; statusCode: number | null; error: string | null; durationMs: number; retryAfter: number | null };

export async function deliver(url: string, secret: string, event: CloudEvent, policy: UrlPolicy, now: () => Date): Promise<DeliveryResult> {
  const started = performance.now();
  const body = JSON.stringify(event);
  try {
    const target = await assertSafeDestination(url, policy);
    const res = await fetch(target, {
      method: 'POST', body, redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS),
      headers: {
        'content-type': 'application/cloudevents+json', 'user-agent': 'Atrium-Webhooks/1',
        'webhook-id': event.id, 'atrium-signature': sign(secret, Math.floor(now().getTime() / 1000), body),
      },
    });
    await res.arrayBuffer().catch(() => undefined);
    const ok = res.status >= 200 && res.status < 300;
    return {
      ok, statusCode: res.status, error: ok ? null : `HTTP ${res.status}`, durationMs: performance.now() - started,
      retryAfter: parseRetryAfter(res.headers.get('retry-after'), now().getTime()),
    };
  } catch (err) {
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    return { ok: false, statusCode: null, error: message.slice(0, 500), durationMs: performance.now() - started, retryAfter: null };
  }
}

export const asJson = (v: unknown): Json => JSON.parse(JSON.stringify(v ?? null)) as Json;
