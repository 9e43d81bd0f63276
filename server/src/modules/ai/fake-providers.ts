// Loopback servers that speak the real wire protocols — OpenAI chat completions (JSON and
// SSE, tool calls, embeddings) and Anthropic Messages (JSON and SSE, tool use) — scripted
// per request, for the gateway's tests and bench. Not used by the server itself.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Reply = {
  /** Non-2xx answers an error body in the protocol's shape. */
  status?: number;
  headers?: Record<string, string>;
  text?: string;
  toolCalls?: { name: string; input: unknown }[];
  /** Wait before answering (a hung provider: longer than the gateway's timeout). */
  delayMs?: number;
  /** Streamed answers: wait this long between events (a slow stream; longer than the timeout, a stalled one). */
  gapMs?: number;
  /** Streamed answers: this many `: keep-alive` comment lines first (a model thinking before its first word). */
  keepAlives?: number;
  usage?: { input: number; output: number };
};

export type Seen = { path: string; body: Record<string, unknown>; headers: IncomingMessage['headers'] };

export type FakeProvider = {
  baseUrl: string;
  /** Requests received, in order. */
  seen: Seen[];
  /** Replies for the next requests, in order; afterwards `fallback` answers. */
  script(...replies: Reply[]): void;
  fallback: Reply;
  close(): Promise<void>;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pieces = (text: string): string[] => text.match(/.{1,7}/gs) ?? [];

function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      try {
        resolve(raw ? (JSON.parse(raw) as Record<string, unknown>) : {});
      } catch (err) {
        reject(err as Error);
      }
    });
    req.on('error', reject);
  });
}

/** A deterministic unit vector per text (dimension 8): equal texts, equal vectors. */
export function fakeVector(text: string): number[] {
  const h = createHash('sha256').update(text).digest();
  const v = Array.from({ length: 8 }, (_, i) => h[i]! / 255 - 0.5);
  const n = Math.hypot(...v) || 1;
  return v.map((x) => x / n);
}

async function sse(res: ServerResponse, events: { event?: string; data: unknown }[], r: Reply): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const lines = [
    ...Array.from({ length: r.keepAlives ?? 0 }, () => ': keep-alive\n\n'),
    ...events.map((e) => `${e.event ? `event: ${e.event}\n` : ''}data: ${typeof e.data === 'string' ? e.data : JSON.stringify(e.data)}\n\n`),
  ];
  for (const [i, line] of lines.entries()) {
    if (r.gapMs && i > 0) await sleep(r.gapMs);
    if (res.destroyed) return; // the client gave up (a timeout)
    res.write(line);
  }
  res.end();
}

async function openAi(path: string, body: Record<string, unknown>, r: Reply, res: ServerResponse): Promise<void> {
  if (r.status && r.status >= 400) {
    res.writeHead(r.status, { 'content-type': 'application/json', ...r.headers });
    res.end(JSON.stringify({ error: { message: `scripted ${r.status}`, type: 'server_error', code: String(r.status) } }));
    return;
  }
  const model = String(body.model ?? 'fake');
  const usage = { prompt_tokens: r.usage?.input ?? 11, completion_tokens: r.usage?.output ?? 7, total_tokens: (r.usage?.input ?? 11) + (r.usage?.output ?? 7) };
  if (path.endsWith('/embeddings')) {
    const input = (Array.isArray(body.input) ? body.input : [body.input]) as string[];
    res.writeHead(200, { 'content-type': 'application/json', ...r.headers });
    res.end(JSON.stringify({ object: 'list', model, data: input.map((t, index) => ({ object: 'embedding', index, embedding: fakeVector(t) })), usage: { prompt_tokens: usage.prompt_tokens, total_tokens: usage.prompt_tokens } }));
    return;
  }
  const text = r.text ?? 'Hello from the fake OpenAI server.';
  const calls = (r.toolCalls ?? []).map((c, i) => ({ id: `call_${i + 1}`, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.input) } }));
  const finish = calls.length ? 'tool_calls' : 'stop';
  const base = { id: 'chatcmpl-fake', created: 1_700_000_000, model };
  if (body.stream) {
    const chunk = (delta: Record<string, unknown>, finish_reason: string | null, extra = {}) => ({ data: { ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason }], ...extra } });
    await sse(res, [
      chunk({ role: 'assistant', content: '' }, null),
      ...(calls.length ? calls.map((c, index) => chunk({ tool_calls: [{ index, ...c }] }, null)) : pieces(text).map((p) => chunk({ content: p }, null))),
      chunk({}, finish, { usage }),
      { data: '[DONE]' },
    ], r);
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json', ...r.headers });
  res.end(JSON.stringify({ ...base, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: calls.length ? null : text, ...(calls.length ? { tool_calls: calls } : {}) }, finish_reason: finish }], usage }));
}

async function anthropic(body: Record<string, unknown>, r: Reply, res: ServerResponse): Promise<void> {
  if (r.status && r.status >= 400) {
    res.writeHead(r.status, { 'content-type': 'application/json', ...r.headers });
    res.end(JSON.stringify({ type: 'error', error: { type: r.status === 429 ? 'rate_limit_error' : 'api_error', message: `scripted ${r.status}` } }));
    return;
  }
  const model = String(body.model ?? 'fake');
  const text = r.text ?? 'Hello from the fake Anthropic server.';
  // Structured output through the SDK's `json` tool: answer with that tool's input.
  const tools = (body.tools as { name: string }[] | undefined) ?? [];
  const jsonTool = tools.some((t) => t.name === 'json') && !r.toolCalls;
  const calls = jsonTool ? [{ name: 'json', input: JSON.parse(text) as unknown }] : (r.toolCalls ?? []);
  const content = calls.length ? calls.map((c, i) => ({ type: 'tool_use', id: `toolu_${i + 1}`, name: c.name, input: c.input })) : [{ type: 'text', text }];
  const stop = calls.length ? 'tool_use' : 'end_turn';
  const usage = { input_tokens: r.usage?.input ?? 13, output_tokens: r.usage?.output ?? 5 };
  if (body.stream) {
    const blocks = content.flatMap((c, index) => [
      { event: 'content_block_start', data: { type: 'content_block_start', index, content_block: c.type === 'text' ? { type: 'text', text: '' } : { ...c, input: {} } } },
      ...(c.type === 'text'
        ? pieces(text).map((p) => ({ event: 'content_block_delta', data: { type: 'content_block_delta', index, delta: { type: 'text_delta', text: p } } }))
        : [{ event: 'content_block_delta', data: { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: JSON.stringify((c as { input: unknown }).input) } } }]),
      { event: 'content_block_stop', data: { type: 'content_block_stop', index } },
    ]);
    await sse(res, [
      { event: 'message_start', data: { type: 'message_start', message: { id: 'msg_fake', type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: usage.input_tokens, output_tokens: 1 } } } },
      ...blocks,
      { event: 'message_delta', data: { type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } } },
      { event: 'message_stop', data: { type: 'message_stop' } },
    ], r);
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json', ...r.headers });
  res.end(JSON.stringify({ id: 'msg_fake', type: 'message', role: 'assistant', model, content, stop_reason: stop, stop_sequence: null, usage }));
}

/**
 * `keepAliveMs`: the server's idle keep-alive. Tests keep it short so closing is quick (under
 * undici's 2 s hint threshold every request then opens a connection); the bench uses a long
 * one, as real providers do.
 */
export async function startFakeProvider(kind: 'openai' | 'anthropic', { keepAliveMs = 1000 }: { keepAliveMs?: number } = {}): Promise<FakeProvider> {
  const queue: Reply[] = [];
  const seen: Seen[] = [];
  const fake = { fallback: {} as Reply };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const path = req.url ?? '/';
      seen.push({ path, body, headers: req.headers });
      const r = queue.shift() ?? fake.fallback;
      if (r.delayMs) await sleep(r.delayMs);
      if (res.destroyed) return;
      if (kind === 'openai') await openAi(path, body, r, res);
      else await anthropic(body, r, res);
    })().catch(() => {
      res.writeHead(400).end();
    });
  });
  server.keepAliveTimeout = keepAliveMs;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    seen,
    script: (...replies: Reply[]) => void queue.push(...replies),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  });
}
