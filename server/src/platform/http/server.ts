// The HTTP shell: envelope, error mapping, request ids, body limit, security headers, and a
// prompt close. Modules add their routes through the RouteRegistry.
import { STATUS_CODES, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import type { Logger } from 'pino';
import { newId } from '../ids.js';
import { AppError, fromUniqueViolation } from '../errors.js';
import { DATABASE_UNAVAILABLE, isDatabaseUnavailable } from '../db/unavailable.js';

const REQUEST_ID = /^[A-Za-z0-9_.:-]{1,100}$/;
const SECURITY_HEADERS = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY' } as const;

/**
 * Headers for a handler that writes the raw response itself (`reply.hijack()`: exports,
 * SSE). The onSend hook does not run for those, and headers already set on the reply
 * (the rate limit's) would otherwise be lost.
 */
export function hijackedHeaders(req: FastifyRequest, reply: FastifyReply, own: OutgoingHttpHeaders): OutgoingHttpHeaders {
  return { ...(reply.getHeaders() as OutgoingHttpHeaders), 'x-request-id': req.id, ...SECURITY_HEADERS, ...own };
}

export function envelopeError(requestId: string, code: string, message: string, details: unknown[] = []) {
  return {
    data: null,
    meta: { request_id: requestId, timestamp: new Date().toISOString() },
    error: { code, message, details },
  };
}

/** Maps anything thrown to a stable code; client mistakes are 4xx, only our faults are 500. */
function classify(err: FastifyError | AppError | Error): { status: number; code: string; message: string; details: unknown[] } {
  if (err instanceof AppError) return { status: err.status, code: err.code, message: err.message, details: err.details };
  if (isDatabaseUnavailable(err)) return { ...DATABASE_UNAVAILABLE, details: [] }; // the database is away (db/unavailable.ts): 503 + Retry-After
  const race = fromUniqueViolation(err);
  if (race) return { status: race.status, code: race.code, message: race.message, details: race.details };
  const fe = err as FastifyError;
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, code: 'PAYLOAD_TOO_LARGE', message: 'The request body is too large.', details: [] };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Send the body as application/json.', details: [] };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, code: 'BAD_JSON', message: 'The body is not valid JSON.', details: [] };
  }
  if (err instanceof SyntaxError && fe.statusCode === 400) {
    return { status: 400, code: 'BAD_JSON', message: 'The body is not valid JSON.', details: [] };
  }
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { status: fe.statusCode, code: 'BAD_REQUEST', message: fe.message, details: [] };
  }
  return { status: 500, code: 'INTERNAL', message: 'Something went wrong on our side.', details: [] };
}

function frameworkRefusal(err: FastifyError): { status: number; code: string; message: string } {
  switch (err.code) {
    case 'FST_ERR_BAD_URL':
      return { status: 400, code: 'BAD_URL', message: 'The URL is not valid: check its percent-encoding.' };
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return { status: 414, code: 'URI_TOO_LONG', message: 'A path parameter is too long.' };
    default:
      return { status: 500, code: 'INTERNAL', message: 'Something went wrong on our side.' };
  }
}

function parserRefusal(err: Error): { status: number; code: string; message: string } {
  switch ((err as NodeJS.ErrnoException).code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, code: 'HEADERS_TOO_LARGE', message: 'The request line or headers are too large.' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, code: 'REQUEST_TIMEOUT', message: 'The request was not received in time.' };
    default:
      return { status: 400, code: 'BAD_REQUEST', message: 'The HTTP request is malformed.' };
  }
}

function rawEnvelope({ status, code, message }: { status: number; code: string; message: string }): string {
  const id = newId('req');
  const body = JSON.stringify(envelopeError(id, code, message));
  const headers = { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), 'x-request-id': id, connection: 'close', ...SECURITY_HEADERS };
  const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n');
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n${head}\r\n\r\n${body}`;
}

/** Methods served at a concrete path (the route registry knows); a known path asked with another method is a 405. */
const allowedMethodsOf = new WeakMap<FastifyInstance, (path: string) => string[]>();
export function answerWrongMethodsFrom(app: FastifyInstance, methodsAt: (path: string) => string[]): void {
  allowedMethodsOf.set(app, methodsAt);
}

/** At close, how long answers already under way may take to finish before their connections are cut. */
export const CLOSE_GRACE_MS = 3_000;
/** Most files one multipart request may carry (a notebook's upload of many documents at once). */
export const MAX_FILES_PER_REQUEST = 50;

const endedAtClose = new WeakSet<ServerResponse>();

/**
 * Marks a response that never ends by itself (a subscription stream such as /v1/stream): when
 * the server closes, it ends the response cleanly — the client sees the stream end, not a reset,
 * and reconnects (with Last-Event-ID) to a process still running — instead of waiting for it.
 */
export function endAtClose(res: ServerResponse): void {
  endedAtClose.add(res);
}

/**
 * Makes `close()` prompt. Left to itself, Node's server.close() (with Fastify's default
 * `forceCloseConnections: 'idle'`) closes only the connections idle at that moment and then
 * waits for every other one to go away: a stream the client keeps open, a request whose headers
 * or body never finish arriving — indefinitely —, or a keep-alive connection whose answer was
 * under way at close and so became idle only afterwards (Fastify's keepAliveTimeout: 72 s).
 * Here, at close: connections with nothing under way (idle, or a request still arriving) are
 * destroyed; subscription streams (`endAtClose`) are ended cleanly; a connection whose answer is
 * under way keeps it, and is closed as soon as that answer is sent; whatever is still open after
 * `graceMs` is destroyed. (`forceCloseConnections: true` alone would cut answers under way too.)
 */
function closePromptly(app: FastifyInstance, graceMs: number): void {
  const answering = new Map<Socket, Set<ServerResponse>>(); // every open connection → its answers under way
  let closing = false;
  app.server.on('connection', (socket: Socket) => {
    answering.set(socket, new Set());
    socket.once('close', () => answering.delete(socket));
  });
  app.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    const open = answering.get(socket);
    if (!open) return;
    open.add(res);
    res.once('close', () => {
      open.delete(res);
      // Closing: no keep-alive after the answer (the client reconnects to a process still running).
      if (closing && open.size === 0) socket.destroySoon();
    });
  });
  app.addHook('preClose', (done) => {
    closing = true;
    for (const [socket, open] of answering) {
      if (open.size === 0) {
        socket.destroy();
        continue;
      }
      for (const res of open) {
        if (!endedAtClose.has(res)) continue;
        // A delivery that was already on its way may still try to write: that is no crash.
        res.on('error', () => {});
        res.end();
      }
    }
    const cut = setTimeout(() => {
      for (const socket of answering.keys()) socket.destroy();
    }, graceMs);
    cut.unref();
    app.server.once('close', () => clearTimeout(cut));
    done();
  });
}

export function createHttpServer(opts: { logger: Logger; bodyLimit: number; trustProxy: boolean; closeGraceMs?: number }): FastifyInstance {
  const app = Fastify({
    loggerInstance: opts.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimit,
    trustProxy: opts.trustProxy,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : newId('req');
    },
    routerOptions: { ignoreTrailingSlash: true },
    // The router's own refusals (before any route or hook runs) answer in the envelope too.
    frameworkErrors: (err, req, reply: FastifyReply) => {
      const { status, code, message } = frameworkRefusal(err);
      for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v);
      void reply.code(status).header('x-request-id', req.id).send(envelopeError(req.id, code, message));
    },
    // Refusals of Node's HTTP parser (headers too large, timeouts, garbage) never reach Fastify's
    // request pipeline: the envelope is written on the socket directly.
    clientErrorHandler: (err, socket) => {
      if ((err as NodeJS.ErrnoException).code === 'ECONNRESET' || socket.destroyed) return;
      if (socket.writable) socket.write(rawEnvelope(parserRefusal(err)));
      socket.destroy(err);
    },
  });

  closePromptly(app, opts.closeGraceMs ?? CLOSE_GRACE_MS);
  // multipart/form-data (file uploads): parts are streams the route consumes itself (into the blob
  // store), never buffered into req.body; the route counts bytes against its own limit.
  // fileSize: the routes count bytes against their own limits (a refused file is reported by name).
  void app.register(multipart, { limits: { fileSize: 4 * 1024 ** 3, files: MAX_FILES_PER_REQUEST, fields: 20, fieldSize: 64 * 1024, parts: MAX_FILES_PER_REQUEST + 20 } });

  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id);
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v);
  });

  app.setErrorHandler((err: FastifyError | AppError, req, reply) => {
    const { status, code, message, details } = classify(err);
    if (status >= 500) req.log.error({ err, request_id: req.id }, 'request failed');
    if (err instanceof AppError) for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
    else if (code === DATABASE_UNAVAILABLE.code) reply.header('retry-after', DATABASE_UNAVAILABLE.retryAfter);
    reply.header('cache-control', 'no-store');
    return reply.code(status).send(envelopeError(req.id, code, message, details));
  });

  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? '';
    const allowed = allowedMethodsOf.get(app)?.(path) ?? [];
    // The path's pattern is served with this very method, yet the router found no route: a
    // parameter was longer than the router accepts (find-my-way's maxParamLength).
    if (allowed.includes(req.method)) return reply.code(414).send(envelopeError(req.id, 'URI_TOO_LONG', 'A path parameter is too long.'));
    if (allowed.length > 0) {
      const allow = allowed.includes('GET') ? [...allowed, 'HEAD'] : allowed;
      return reply.code(405).header('allow', allow.join(', ')).send(envelopeError(req.id, 'METHOD_NOT_ALLOWED', `${req.method} is not served at ${path}; use ${allow.join(', ')}.`));
    }
    return reply.code(404).send(envelopeError(req.id, 'NOT_FOUND', `No route ${req.method} ${path}.`));
  });

  return app;
}
