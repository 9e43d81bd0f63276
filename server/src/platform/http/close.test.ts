// Stopping is prompt whatever the clients do (issue 17: "an aborted large response makes
// http.close() wait ~70 s"). Each case opens a real connection to a real port, leaves it in
// some state — a stalled download, an answer under way, a request that never finishes arriving,
// an open /v1/stream — and measures how long stopping the app takes (`t.stop()`: the app, then
// its database). Before the fix (Node 20, Fastify 5's default `forceCloseConnections: 'idle'`):
// a stalled download was already cut at once (Node destroys a connection whose answer is fully
// written), but an answer under way at close kept its connection alive 72 s after it was sent
// (Fastify's keepAliveTimeout: the ~70 s seen), and a half-sent request or an open stream held
// the close until the client went away. Now: under 0.2 s for each, but a request whose body
// stops arriving, which gets the grace period (CLOSE_GRACE_MS) before its connection is cut.
import { connect, type Socket } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../testing/harness.js';
import { waitFor } from '../../testing/http.js';
import { CLOSE_GRACE_MS } from './server.js';

/** Generous for a loaded 2-core machine; the failure it guards against is 72 s or forever. */
const PROMPT_MS = 5_000;

const sockets: Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
});

/** A test app, and what its HTTP server sees: connections (server side) and requests. */
async function serve(): Promise<{ t: TestApp; port: number; host: string; connections: Socket[]; requests: { req: IncomingMessage; res: ServerResponse }[] }> {
  const t = await startTestApp({ role: 'serve' });
  const connections: Socket[] = [];
  const requests: { req: IncomingMessage; res: ServerResponse }[] = [];
  t.app.http.server.on('connection', (socket: Socket) => connections.push(socket));
  t.app.http.server.on('request', (req: IncomingMessage, res: ServerResponse) => requests.push({ req, res }));
  const url = new URL(t.baseUrl);
  return { t, port: Number(url.port), host: url.host, connections, requests };
}

/** A raw connection: everything it receives, and whether the server closed it. */
async function open(port: number): Promise<{ socket: Socket; received: () => Buffer; closed: Promise<void> }> {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  socket.on('error', () => {}); // a reset at close is what some cases expect
  const chunks: Buffer[] = [];
  socket.on('data', (b: Buffer) => chunks.push(b));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, received: () => Buffer.concat(chunks), closed };
}

/** How long `t.stop()` takes, in ms. */
async function timeStop(t: TestApp): Promise<number> {
  const started = performance.now();
  await t.stop();
  return performance.now() - started;
}

describe('stopping the HTTP server', { timeout: 60_000 }, () => {
  it('a large response the client stopped reading (/v1/openapi.json) does not hold the close', async () => {
    const { t, port, host, connections } = await serve();
    const c = await open(port);
    // One request's 0.4 MB fits in the loopback buffers: pipeline enough of them that the
    // server is really left writing to a client that does not read.
    const firstPart = new Promise<void>((resolve) => c.socket.once('data', () => {
      c.socket.pause(); // read a little, then stall
      resolve();
    }));
    c.socket.write(`GET /v1/openapi.json HTTP/1.1\r\nHost: ${host}\r\n\r\n`.repeat(40));
    await firstPart;
    await waitFor('the server to be stalled on the client', () => (connections[0]?.writableNeedDrain ? true : undefined));
    const ms = await timeStop(t);
    expect(ms).toBeLessThan(PROMPT_MS);
  });

  it('an answer under way at close is sent whole, then its connection is closed instead of kept alive', async () => {
    const { t, port, host, requests } = await serve();
    const c = await open(port);
    const body = JSON.stringify({ email: 'not-an-email', password: 'x' });
    // The request is under way at close for sure: its body is still arriving.
    c.socket.write(`POST /v1/auth/login HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`);
    await waitFor('the server to receive the request head', () => (requests.length > 0 ? true : undefined));
    const stopping = timeStop(t);
    c.socket.write(body.slice(5));
    await c.closed; // by the server, once the answer is out
    const text = c.received().toString('utf8');
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    const [head = '', payload = ''] = text.split('\r\n\r\n');
    expect(Buffer.byteLength(payload)).toBe(Number(/content-length: (\d+)/i.exec(head)?.[1]));
    expect(JSON.parse(payload)).toMatchObject({ data: null, error: { code: 'VALIDATION_FAILED' } });
    expect(await stopping).toBeLessThan(PROMPT_MS);
  });

  it('a request whose head never finishes arriving does not hold the close', async () => {
    const { t, port, host, connections } = await serve();
    const c = await open(port);
    const partial = `GET /v1/openapi.json HTTP/1.1\r\nHost: ${host}\r\nX-Slow: never-ends`;
    c.socket.write(partial);
    // No request yet: the server has read the partial head (its parser is mid-message).
    await waitFor('the server to read the partial head', () => (connections[0] && connections[0].bytesRead >= partial.length ? true : undefined));
    expect(await timeStop(t)).toBeLessThan(PROMPT_MS);
    await c.closed;
  });

  it('a request whose body stops arriving gets the grace period, then its connection is cut', async () => {
    const { t, port, host, requests } = await serve();
    const c = await open(port);
    c.socket.write(`POST /v1/auth/login HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"email":`);
    await waitFor('the server to receive the request head', () => (requests.length > 0 ? true : undefined));
    const ms = await timeStop(t);
    expect(ms).toBeGreaterThanOrEqual(CLOSE_GRACE_MS - 50);
    expect(ms).toBeLessThan(CLOSE_GRACE_MS + PROMPT_MS);
    await c.closed;
  });

  it('an open /v1/stream ends cleanly (no reset) and promptly', async () => {
    const { t } = await serve();
    const x = await t.tenant('Streaming');
    const res = await fetch(`${t.baseUrl}/v1/stream`, { headers: { authorization: `Bearer ${x.token}`, accept: 'text/event-stream' } });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('retry: 3000')) {
      const { value, done } = await reader.read();
      expect(done).toBe(false);
      text += decoder.decode(value, { stream: true });
    }
    const stopping = timeStop(t);
    // The stream reaches its end: `done`, not a "terminated" error.
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expect(await stopping).toBeLessThan(PROMPT_MS);
  });
});
