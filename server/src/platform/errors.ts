// One error type for the whole server: a stable code, an HTTP status, a human message, optional details.
export type ErrorDetail = { path?: string; message: string; [k: string]: unknown };

export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly details: ErrorDetail[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const errors = {
  notFound: (what = 'Resource') => new AppError('NOT_FOUND', 404, `${what} not found.`),
  validation: (details: ErrorDetail[]) =>
    new AppError('VALIDATION_FAILED', 400, 'The request does not match the expected shape.', details),
  badRequest: (code: string, message: string, details: ErrorDetail[] = []) => new AppError(code, 400, message, details),
  unauthenticated: (message = 'Authentication is required.') => new AppError('UNAUTHENTICATED', 401, message),
  forbidden: (message = 'You are not allowed to do this.', details: ErrorDetail[] = []) =>
    new AppError('FORBIDDEN', 403, message, details),
  conflict: (code: string, message: string, details: ErrorDetail[] = []) => new AppError(code, 409, message, details),
  whyRequired: (event: string) =>
    new AppError('WHY_REQUIRED', 422, `A why is required for "${event}": say why this change is made.`, [
      { path: 'why', message: 'required for this change', event },
    ]),
};

/**
 * A unique violation is what a race between two valid requests looks like (two sign-ups with one
 * email): the loser must get the 409 a sequential request gets, never a 500. Modules declare which
 * constraint means which conflict; an undeclared one is still a 409 `CONFLICT`.
 */
const uniqueViolations = new Map<string, { code: string; message: string }>();

export function declareUniqueViolation(constraint: string, code: string, message: string): void {
  uniqueViolations.set(constraint, { code, message });
}

const UNIQUE_VIOLATION = '23505';

export function fromUniqueViolation(err: unknown): AppError | null {
  if (!(err instanceof Error) || (err as { code?: unknown }).code !== UNIQUE_VIOLATION) return null;
  const constraint = (err as { constraint?: unknown }).constraint;
  const known = typeof constraint === 'string' ? uniqueViolations.get(constraint) : undefined;
  return known
    ? errors.conflict(known.code, known.message)
    : errors.conflict('CONFLICT', 'A concurrent request changed or created the same thing; read it again and retry.');
}

/**
 * The error codes each module adds (its definition's `errors`), merged with the platform's own
 * into the OpenAPI document; `errors.test.ts` fails on a code thrown but declared nowhere.
 */
const moduleCodes = new Map<string, { module: string; doc: string }>();

export function registerErrorCodes(module: string, codes: Readonly<Record<string, string>>): void {
  for (const [code, doc] of Object.entries(codes)) {
    const had = moduleCodes.get(code);
    if (had && had.module !== module) throw new Error(`error code ${code}: declared by ${had.module} and ${module}`);
    if (code in ERROR_CODES) throw new Error(`error code ${code}: ${module} redeclares a platform code`);
    moduleCodes.set(code, { module, doc });
  }
}

/** Every documented code: the platform's and the registered modules'. */
export function documentedErrorCodes(): Readonly<Record<string, string>> {
  return { ...ERROR_CODES, ...Object.fromEntries([...moduleCodes].map(([code, { doc }]) => [code, doc])) };
}

/** The platform's own codes (HTTP shell, validation, auth plumbing); modules declare theirs. */
export const ERROR_CODES = {
  UNKNOWN_COMMAND: 'No command with this name is registered.',
  UNKNOWN_RULE_ACTION: 'A stored rule names an action type that no module registers.',
  BAD_JSON: 'The body is not valid JSON.',
  VALIDATION_FAILED: 'The request does not match the schema; details name each field.',
  UNAUTHENTICATED: 'No valid credentials were given.',
  FORBIDDEN: 'The credentials do not allow this action.',
  NOT_FOUND: 'No such resource in this tenant (or no such route).',
  METHOD_NOT_ALLOWED: 'The route exists but not with this method.',
  IDEMPOTENCY_KEY_REUSED: 'The Idempotency-Key was already used with a different request.',
  IDEMPOTENCY_IN_PROGRESS: 'A request with this Idempotency-Key is still being processed.',
  WHY_REQUIRED: 'The change is critical and needs a why.',
  BAD_CURSOR: 'The pagination cursor is malformed.',
  PAYLOAD_TOO_LARGE: 'The request body exceeds the size limit.',
  UNSUPPORTED_MEDIA_TYPE: 'The body must be application/json.',
  RATE_LIMITED: 'Too many requests; retry after the given delay.',
  CSRF_FAILED: 'A cookie-authenticated unsafe request lacked the matching x-csrf-token header.',
  STEP_UP_REQUIRED: 'This sensitive action needs a TOTP code confirmed in the last 10 minutes (POST /v1/auth/step-up).',
  CONFLICT: 'A concurrent request created or changed the same thing first; read it again and retry.',
  BAD_URL: 'The URL is malformed (bad percent-encoding).',
  URI_TOO_LONG: 'A path parameter is longer than the server accepts.',
  HEADERS_TOO_LARGE: 'The request line or headers exceed the size limit.',
  REQUEST_TIMEOUT: 'The request was not received in time.',
  BAD_REQUEST: 'The HTTP request itself is malformed.',
  VERSION_CONFLICT: 'The resource changed since the given version (optimistic concurrency).',
  DATABASE_UNAVAILABLE: 'The database cannot be reached right now (restart, failover, network); retry after the Retry-After delay.',
  BLOCKED_BY_RULE: 'A guard rule of the workspace refuses this change; the message says which and why.',
  UNSAFE_URL: 'The URL points at a private, link-local or metadata address, or is not http(s).',
  INTERNAL: 'An unexpected server error; the request id identifies it in the logs.',
} as const;
