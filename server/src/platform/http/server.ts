// The HTTP shell: envelope, error mapping, request ids, body limit, security headers.
// Modules add their routes through the RouteRegistry.
import type { OutgoingHttpHeaders } from 'node:http';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { newId } from '../ids.js';
import { AppError } from '../errors.js';

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

function envelopeError(requestId: string, code: string, message: string, details: unknown[] = []) {
  return {
    data: null,
    meta: { request_id: requestId, timestamp: new Date().toISOString() },
    error: { code, message, details },
  };
}

/** Maps anything thrown to a stable code; client mistakes are 4xx, only our faults are 500. */
function classify(err: FastifyError | AppError | Error): { status: number; code: string; message: string; details: unknown[] } {
  if (err instanceof AppError) return { status: err.status, code: err.code, message: err.message, details: err.details };
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

export function createHttpServer(opts: { logger: Logger; bodyLimit: number; trustProxy: boolean }): FastifyInstance {
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
  });

  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id);
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v);
  });

  app.setErrorHandler((err: FastifyError | AppError, req, reply) => {
    const { status, code, message, details } = classify(err);
    if (status >= 500) req.log.error({ err, request_id: req.id }, 'request failed');
    if (err instanceof AppError) for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
    return reply.code(status).send(envelopeError(req.id, code, message, details));
  });

  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send(envelopeError(req.id, 'NOT_FOUND', `No route ${req.method} ${req.url.split('?')[0]}.`)),
  );

  return app;
}
