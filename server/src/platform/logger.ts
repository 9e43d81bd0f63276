import { pino, type Logger } from 'pino';
import type { AtriumConfig } from './config.js';

export type { Logger };

/**
 * Fields of an error that may be logged. Database errors carry the failed statement's text and
 * parameters (PGlite: `query`, `params`) and a `detail` that quotes the offending values
 * ("Key (email)=(ada@…) already exists"): password hashes, emails and tokens would reach the
 * log. So an error is logged by allowlist, never by copying its enumerable properties.
 */
const LOGGABLE_ERROR_FIELDS = ['code', 'constraint', 'table', 'column', 'schema', 'severity', 'routine', 'status', 'statusCode', 'errno', 'syscall'] as const;
const MAX_CAUSE_DEPTH = 3;

export function safeError(err: unknown, depth = 0): unknown {
  if (!(err instanceof Error)) return typeof err === 'string' ? { message: err } : { type: typeof err };
  const fields = err as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = { type: err.name, message: err.message, stack: err.stack };
  for (const k of LOGGABLE_ERROR_FIELDS) {
    const v = fields[k];
    if (typeof v === 'string' || typeof v === 'number') out[k] = v;
  }
  if (err.cause !== undefined && depth < MAX_CAUSE_DEPTH) out.cause = safeError(err.cause, depth + 1);
  if (err instanceof AggregateError && depth < MAX_CAUSE_DEPTH) out.errors = err.errors.slice(0, 5).map((e) => safeError(e, depth + 1));
  return out;
}

/** The destination is for tests that scan what was logged; production writes to stdout. */
export function createLogger(config: Pick<AtriumConfig, 'logLevel'>, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level: config.logLevel,
    base: { service: 'atrium' },
    serializers: { err: safeError, error: safeError },
    // Request bodies are never logged; these paths catch credentials passed in a log object by mistake.
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-csrf-token"]', '*.password', '*.password_hash', '*.token', '*.totp_code', '*.secret', '*.api_key'],
      remove: true,
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
