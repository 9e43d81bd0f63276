// Shared by the AI tests and bench: an app whose environment points `openai` and
// `anthropic` at loopback fakes, a movable clock, and small request helpers.
import type { AiConfig } from './config.js';
import { startTestApp, type TestApp, type TestTenant } from '../../testing/harness.js';
import { startFakeProvider, type FakeProvider } from './fake-providers.js';
import type { Completion } from './gateway.js';

export type AiTestEnv = { t: TestApp; openai: FakeProvider; anthropic: FakeProvider; clock: { advance(ms: number): void; now(): Date }; stop(): Promise<void> };

export async function startAiTestApp(ai: Partial<AiConfig> = {}): Promise<AiTestEnv> {
  const openai = await startFakeProvider('openai');
  const anthropic = await startFakeProvider('anthropic');
  let offset = 0;
  const clock = { advance: (ms: number) => void (offset += ms), now: () => new Date(Date.now() + offset) };
  const t = await startTestApp({
    now: clock.now,
    config: {
      ai: {
        openai: { baseUrl: openai.baseUrl, apiKey: 'sk-test-openai', model: 'fake-gpt', embedModel: undefined },
        anthropic: { baseUrl: anthropic.baseUrl, apiKey: 'sk-test-anthropic', model: 'fake-claude' },
        timeoutMs: 5000, maxRetries: 2, retryBaseMs: 5, metering: 'write-behind',
        ...ai,
      },
    },
  });
  return { t, openai, anthropic, clock, stop: async () => { await t.stop(); await openai.close(); await anthropic.close(); } };
}

export type Env<T> = { status: number; data: T; error: { code: string; message: string; details: Record<string, unknown>[] } | null };

// Tests read many shapes; `any` keeps them short (this file is test support only).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function call<T = Record<string, any>>(x: TestTenant, method: string, path: string, body?: unknown): Promise<Env<T>> {
  const res = await x.client.raw(method, path, { body });
  const env = (await res.json()) as { data: T; error: Env<T>['error'] };
  return { status: res.status, data: env.data, error: env.error };
}

export const complete = (x: TestTenant, body: Record<string, unknown>) => call<Completion>(x, 'POST', '/v1/ai/complete', body);

/** POSTs a streaming completion and parses the Server-Sent Events. */
export async function completeStream(x: TestTenant, body: Record<string, unknown>): Promise<{ status: number; contentType: string; events: { event: string; data: any }[] }> {
  const res = await x.client.raw('POST', '/v1/ai/complete', { body: { ...body, stream: true }, headers: { accept: 'text/event-stream' } });
  const text = await res.text();
  const events = text.split('\n\n').filter((b) => b.trim()).map((block) => {
    const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
    const data = /^data: (.*)$/m.exec(block)?.[1] ?? 'null';
    return { event, data: JSON.parse(data) };
  });
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', events };
}
export { startFakeProvider, type FakeProvider } from './fake-providers.js';
