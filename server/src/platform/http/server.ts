// The HTTP shell: envelope, error mapping, request ids, body limit, security headers.
// Modules add their routes through the RouteRegistry.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { ulid } from 'ulid';
import { AppError } from '../errors.js';

const REQUEST_ID = /^[A-Za-z0-9_.:-]{1,100}$/;

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

export function createHttpServer(opts: { logger: Logger; bodyLimit: number }): FastifyInstance {
  const app = Fastify({
    loggerInstance: opts.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimit,
    trustProxy: true,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : `req_${ulid()}`;
    },
    routerOptions: { ignoreTrailingSlash: true },
  });

  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
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
