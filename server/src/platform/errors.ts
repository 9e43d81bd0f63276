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

/** Codes documented in the OpenAPI document; keep in sync with what the server can answer. */
export const ERROR_CODES = {
  BAD_JSON: 'The body is not valid JSON.',
  VALIDATION_FAILED: 'The request does not match the schema; details name each field.',
  UNAUTHENTICATED: 'No valid credentials were given.',
  FORBIDDEN: 'The credentials do not allow this action.',
  NOT_FOUND: 'No such resource in this tenant (or no such route).',
  METHOD_NOT_ALLOWED: 'The route exists but not with this method.',
  IDEMPOTENCY_KEY_REUSED: 'The Idempotency-Key was already used with a different request.',
  IDEMPOTENCY_IN_PROGRESS: 'A request with this Idempotency-Key is still being processed.',
  WHY_REQUIRED: 'The change is critical and needs a why.',
  RESERVED_NAMESPACE: 'The namespace belongs to an Atrium module and cannot be written by API clients.',
  BAD_CURSOR: 'The pagination cursor is malformed.',
  PAYLOAD_TOO_LARGE: 'The request body exceeds the size limit.',
  UNSUPPORTED_MEDIA_TYPE: 'The body must be application/json.',
  RATE_LIMITED: 'Too many requests; retry after the given delay.',
  CSRF_FAILED: 'A cookie-authenticated unsafe request lacked the matching x-csrf-token header.',
  INVALID_CREDENTIALS: 'Wrong email or password (the same answer for an unknown email).',
  TOTP_REQUIRED: 'Two-factor authentication is on: send totp_code.',
  INVALID_TOTP: 'The TOTP or recovery code is wrong or was already used.',
  STEP_UP_REQUIRED: 'This sensitive action needs a TOTP code confirmed in the last 10 minutes (POST /v1/auth/step-up).',
  TOTP_ALREADY_ENABLED: '2FA is already on.',
  TOTP_NOT_ENABLED: '2FA is not on.',
  TOTP_NOT_STARTED: '2FA setup was not started.',
  EMAIL_TAKEN: 'An account with this email exists.',
  ALREADY_MEMBER: 'The person is already a member.',
  INVITATION_INVALID: 'The invitation does not exist, was used, revoked or expired.',
  LAST_OWNER: 'The last owner cannot be demoted or removed.',
  OIDC_STATE_INVALID: 'The OIDC sign-in state is unknown, expired or was already used.',
  OIDC_EMAIL_UNVERIFIED: 'The identity provider did not confirm the email.',
  OIDC_NO_ACCOUNT: 'No account or invitation matches this email.',
  OIDC_DENIED: 'The identity provider refused the sign-in.',
  OIDC_FAILED: 'The identity provider’s answer could not be verified.',
  OIDC_UNAVAILABLE: 'The identity provider cannot be reached.',
  CONFLICT: 'A concurrent request created or changed the same thing first; read it again and retry.',
  BAD_URL: 'The URL is malformed (bad percent-encoding).',
  URI_TOO_LONG: 'A path parameter is longer than the server accepts.',
  HEADERS_TOO_LARGE: 'The request line or headers exceed the size limit.',
  REQUEST_TIMEOUT: 'The request was not received in time.',
  BAD_REQUEST: 'The HTTP request itself is malformed.',
  VERSION_CONFLICT: 'The resource changed since the given version (optimistic concurrency).',
  ARCHIVED: 'The workflow is archived; restore it first.',
  NOT_ARCHIVED: 'The workflow is not archived.',
  UNKNOWN_ALIAS: 'The AI model alias is not defined for this workspace; details list the valid ones.',
  INVALID_SCHEMA: 'The JSON Schema given (structured output or tool parameters) is not a valid JSON Schema.',
  PROMPT_TOO_LONG: 'The prompt exceeds the model’s context window; details give the counts (or ask for truncate: true).',
  BUDGET_EXCEEDED: 'The workspace’s monthly AI budget is used up.',
  UNSAFE_PROVIDER_URL: 'The provider URL points at a link-local or cloud-metadata address.',
  TEMPLATE_VARIABLES_MISSING: 'The prompt template needs variables that were not given.',
  AI_UNAVAILABLE: 'No provider in the alias’s chain could answer (the offline provider included).',
  METERING_BEHIND: 'Recent AI calls of the workspace are still being written (the database is slow or unavailable); retry shortly.',
  DATABASE_UNAVAILABLE: 'The database cannot be reached right now (restart, failover, network); retry after the Retry-After delay.',
  BLOCKED_BY_RULE: 'A guard rule of the workspace refuses this change; the message says which and why.',
  APPROVAL_DECIDED: 'The held change was already approved or rejected.',
  APPROVAL_STALE: 'The entity changed since the change was held: approving would not do what was asked.',
  APPROVAL_FAILED: 'The approved change could not be applied; details carry the reason.',
  REQUESTER_GONE: 'The person who asked for the held change is no longer a member.',
  UNSAFE_URL: 'The URL points at a private, link-local or metadata address, or is not http(s).',
  PROMPT_EXISTS: 'A prompt template with this name exists: add a version to it.',
  NOT_TAGGABLE: 'A rule action: only tasks carry tags.',
  NO_WORKFLOW: 'A rule action: the triggering entity belongs to no workflow and the action names none.',
  INTERNAL: 'An unexpected server error; the request id identifies it in the logs.',
} as const;
