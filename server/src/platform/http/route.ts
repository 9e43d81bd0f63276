// Routes are declared once with zod schemas: the same schemas validate requests and
// generate the OpenAPI document, and each route states the scope it needs.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Principal } from '../context.js';
import { AppError, errors, type ErrorDetail } from '../errors.js';
import type { IdempotencyStore } from './idempotency.js';
import type { RateLimiter } from './rate-limit.js';
import { answerWrongMethodsFrom } from './server.js';

export type Scope = 'read' | 'write' | 'admin';
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type RouteInput<P, Q, B> = {
  params: P;
  query: Q;
  body: B;
  principal: Principal;
  requestId: string;
  req: FastifyRequest;
  reply: FastifyReply;
};

/** What a handler returns: `data` typed by the route's `response` schema when it declares one. */
export type Envelope<T = unknown> = { data: T; meta?: Record<string, unknown>; status?: number };
/** Returned by handlers that wrote the response themselves (streams, CSV, SSE). */
export const STREAMED = Symbol('streamed');

type AnySchema = z.ZodType;
export type RouteDef<P extends AnySchema, Q extends AnySchema, B extends AnySchema, R extends AnySchema = AnySchema> = {
  method: HttpMethod;
  url: string;
  summary: string;
  tags: string[];
  /** `null` for public routes (health, auth entry points). */
  scope: Scope | null;
  /** Public routes that accept credentials (login, sign-up) are limited per client IP. */
  ipLimited?: boolean;
  params?: P;
  query?: Q;
  body?: B;
  /**
   * The `data` payload of a JSON success response: documents it (OpenAPI, and the SDK types
   * generated from it), types the handler's answer, and is checked on every answer under tests
   * (see `responseValidationDefault`).
   */
  response?: R;
  /** Non-JSON success content types, for the OpenAPI document. */
  produces?: string[];
  successStatus?: number;
  handler: (input: RouteInput<z.output<P>, z.output<Q>, z.output<B>>) => Promise<Envelope<z.input<R>> | typeof STREAMED>;
};

export type RegisteredRoute = RouteDef<AnySchema, AnySchema, AnySchema>;

const SCOPE_RANK: Record<Scope, number> = { read: 1, write: 2, admin: 3 };

/** `read`/`write`/`admin` apply everywhere; `<module>:<scope>` only to that module's routes. */
export function hasScope(principal: Principal, needed: Scope, module: string): boolean {
  return principal.scopes.some((s) => {
    const [a, b] = s.split(':');
    const scope = (b === undefined ? a : a === module ? b : undefined) as Scope | undefined;
    return scope !== undefined && scope in SCOPE_RANK && SCOPE_RANK[scope] >= SCOPE_RANK[needed];
  });
}

type Issue = { code: string; path: PropertyKey[]; message: string; errors?: Issue[][] };

/**
 * A failed union reports one issue at the union itself; when exactly one branch came closest
 * (strictly fewer issues than every other), its issues are reported instead, so a client is
 * told `body.trigger.when.all.0.op`, not just `body.trigger.when`.
 */
function closestIssues(issue: Issue, prefix: PropertyKey[]): Issue[] {
  const at = [...prefix, ...issue.path];
  if (issue.code === 'invalid_union' && issue.errors && issue.errors.length > 1) {
    const sizes = issue.errors.map((b) => b.length);
    const min = Math.min(...sizes);
    if (min > 0 && sizes.filter((n) => n === min).length === 1) {
      return issue.errors[sizes.indexOf(min)]!.flatMap((i) => closestIssues(i, at));
    }
  }
  return [{ ...issue, path: at }];
}

function zodDetails(where: string, error: z.ZodError): ErrorDetail[] {
  return error.issues.flatMap((i) => closestIssues(i as Issue, [])).map((i) => ({
    path: [where, ...i.path.map(String)].join('.'),
    message: i.message,
    code: i.code,
  }));
}

/** Deeper JSON than this is refused: validating it recursively would exhaust the stack (a 500). */
export const MAX_JSON_DEPTH = 100;

/**
 * Input no schema can express but that would fail later as a server error: NUL characters
 * (Postgres text and jsonb cannot hold them) and pathologically deep nesting. Iterative, so
 * the check itself cannot overflow the stack.
 */
function screen(where: string, value: unknown): ErrorDetail | null {
  const stack: { v: unknown; path: string[] }[] = [{ v: value, path: [where] }];
  while (stack.length > 0) {
    const { v, path } = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return { path: path.join('.'), message: 'must not contain the NUL character (\\u0000)', code: 'invalid_string' };
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (path.length > MAX_JSON_DEPTH) return { path: path.slice(0, 3).join('.'), message: `nested deeper than ${MAX_JSON_DEPTH} levels`, code: 'too_deep' };
    for (const [k, child] of Object.entries(v)) {
      if (k.includes('\u0000')) return { path: path.join('.'), message: 'keys must not contain the NUL character (\\u0000)', code: 'invalid_key' };
      stack.push({ v: child, path: [...path, k] });
    }
  }
  return null;
}

function parsePart<S extends AnySchema | undefined>(where: string, schema: S, value: unknown): unknown {
  if (!schema) return value;
  const refused = screen(where, value);
  if (refused) throw errors.validation([refused]);
  const r = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (!r.success) throw errors.validation(zodDetails(where, r.error));
  return r.data;
}

/**
 * Whether the registry checks each JSON success answer against its route's `response` schema:
 * on under vitest (`VITEST` is set in every test worker), off otherwise, so production pays
 * nothing per request. `ATRIUM_VALIDATE_RESPONSES=1` turns it on anywhere (a dev server),
 * `=0` off (a test that measures the hot path).
 */
export function responseValidationDefault(env: NodeJS.ProcessEnv = process.env): boolean {
  const flag = env.ATRIUM_VALIDATE_RESPONSES;
  if (flag === '1' || flag === 'true') return true;
  if (flag === '0' || flag === 'false') return false;
  return !!env.VITEST;
}

/** An answer that breaks its route's declared contract (test and development builds only). */
export type ResponseViolation = { route: string; issues: { path: string; message: string; code: string }[] };

/**
 * Every answer of this process that broke its contract (filled only while validating): the
 * test harness fails a suite on one even when a test swallowed the 500.
 */
export const responseViolations: ResponseViolation[] = [];

/** Keys the wire form has but the schema's parse dropped: fields the contract does not declare. */
function undeclaredKeys(wire: unknown, parsed: unknown, path: PropertyKey[], out: Issue[]): void {
  if (Array.isArray(wire) && Array.isArray(parsed)) {
    wire.forEach((w, i) => undeclaredKeys(w, parsed[i], [...path, i], out));
    return;
  }
  if (typeof wire !== 'object' || wire === null || typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return;
  for (const [k, w] of Object.entries(wire)) {
    if (!Object.hasOwn(parsed, k)) out.push({ code: 'unrecognized_keys', path: [...path, k], message: 'not declared by the response schema' });
    else undeclaredKeys(w, (parsed as Record<string, unknown>)[k], [...path, k], out);
  }
}

/**
 * Checks the `data` a client will receive (its JSON form: dates as strings, undefined fields
 * gone) against the declared schema: every zod issue, plus keys a plain `z.object` would strip
 * (the OpenAPI document says `additionalProperties: false` for those). Null when it conforms.
 */
export function checkResponse(route: string, schema: z.ZodType, data: unknown): ResponseViolation | null {
  const wire: unknown = data === undefined ? undefined : JSON.parse(JSON.stringify(data));
  const r = schema.safeParse(wire);
  const issues: Issue[] = r.success ? [] : r.error.issues.flatMap((i) => closestIssues(i as Issue, []));
  if (r.success) undeclaredKeys(wire, r.data, [], issues);
  if (issues.length === 0) return null;
  return { route, issues: issues.map((i) => ({ path: ['data', ...i.path.map(String)].join('.'), message: i.message, code: i.code })) };
}

/**
 * Thrown inside a command by a pre-commit policy that holds the change for a person to approve
 * (the transaction has rolled back by the time the registry sees it). The command registry tags
 * it with the command and its input; the registered hold handler records that as a pending
 * approval (approving runs the command again) and the client gets 202.
 */
export class ChangeHeld extends Error {
  /** Set by the command registry: the command (and its input) the held change came from. */
  command?: { command: string; input: unknown };
  constructor(readonly hold: unknown) {
    super('change held for approval');
    this.name = 'ChangeHeld';
  }
}
/** Who asked for a held change; `method` and `url` say where, for people reading the approval (never replayed). */
export type HeldRequest = { principal: Principal; requestId?: string; method?: HttpMethod; url?: string };
export type HoldHandler = (held: ChangeHeld & { command: NonNullable<ChangeHeld['command']> }, request: HeldRequest) => Promise<Envelope>;

/**
 * A hold that reached a route without a command: nothing could apply it once approved (approving
 * runs the held command again, and no HTTP request is replayed). The write must run through a
 * command, or its transaction say `holdable: false`; until then it is a 500, never a silent hold.
 */
function heldOutsideCommand(route: string, req: FastifyRequest): AppError {
  req.log.error({ route }, 'a change was held outside a command: it cannot be held');
  return new AppError('INTERNAL', 500, `${route} wrote a change that a rule holds, outside a command: it cannot be held for approval.`);
}

export type Authenticator = (req: FastifyRequest, opts: { required: boolean }) => Promise<Principal | null>;
/** Requests per minute: each person (or API key) of a workspace, and the workspace as a whole. */
export type PrincipalLimits = { person: number; workspace: number };
export type Limits = { limiter: RateLimiter; perPrincipal: (p: Principal) => PrincipalLimits; perIpOnAuth: number };

export class RouteRegistry {
  readonly routes: RegisteredRoute[] = [];
  /** Checks every JSON success answer against its route's `response` schema (a mismatch is a 500). */
  validateResponses = responseValidationDefault();
  #onHeld: HoldHandler | null = null;

  constructor(
    private readonly app: FastifyInstance,
    private readonly authenticate: Authenticator,
    private readonly idempotency: IdempotencyStore,
    private readonly limits: Limits,
  ) {
    answerWrongMethodsFrom(app, (path) => this.methodsAt(path));
  }

  readonly #patterns: { method: HttpMethod; pattern: RegExp }[] = [];

  /** The methods registered for routes matching a concrete path (`/v1/tasks/task_1` → PATCH, DELETE, GET). */
  methodsAt(path: string): HttpMethod[] {
    const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
    return [...new Set(this.#patterns.filter((p) => p.pattern.test(trimmed)).map((p) => p.method))];
  }

  /**
   * A route whose handler's `data` is typed by its `response` schema (`z.input` of it): a
   * handler answering a field of another type, or missing one, does not compile. Opt-in for
   * now: `add` keeps `data: unknown`, because typing every route this way fails on view types
   * looser than their schemas (the ledger's `sentiment: number` for -1 | 0 | 1, the rules'
   * `trigger: Json` for an object, the AI completion's `json: unknown`). Answers of both kinds
   * are checked at run time under tests.
   */
  addTyped<P extends AnySchema, Q extends AnySchema, B extends AnySchema, R extends AnySchema>(def: RouteDef<P, Q, B, R> & { response: R }): void {
    this.add(def as unknown as RouteDef<P, Q, B>);
  }

  /** A route; its answers are checked against `response` at run time under tests, not typed by it (see `addTyped`). */
  add<P extends AnySchema, Q extends AnySchema, B extends AnySchema>(def: RouteDef<P, Q, B>): void {
    const route = def as unknown as RegisteredRoute;
    this.routes.push(route);
    const pattern = def.url.split('/').map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/');
    this.#patterns.push({ method: def.method, pattern: new RegExp(`^${pattern}$`) });
    this.app.route({
      method: def.method,
      url: def.url,
      handler: async (req, reply) => {
        if (def.ipLimited) await this.limits.limiter.take(`ip:${req.ip}:auth`, this.limits.perIpOnAuth, reply);
        const principal = await this.authenticate(req, { required: def.scope !== null });
        if (principal) {
          const limit = this.limits.perPrincipal(principal);
          await this.limits.limiter.takeAll([
            { key: `person:${principal.tenantId}:${principal.actor.type}:${principal.actor.id}`, limit: limit.person },
            { key: `tenant:${principal.tenantId}`, limit: limit.workspace },
          ], reply);
        }
        if (def.scope !== null) {
          if (!principal) throw errors.unauthenticated();
          const module = def.tags[0] ?? '';
          if (!hasScope(principal, def.scope, module)) {
            throw errors.forbidden(`This needs the "${def.scope}" scope.`, [{ message: 'missing scope', scope: def.scope, module }]);
          }
        }
        const input = {
          params: parsePart('params', def.params, req.params),
          query: parsePart('query', def.query, req.query),
          body: parsePart('body', def.body, req.body),
          principal: principal as Principal,
          requestId: req.id,
          req,
          reply,
        } as RouteInput<z.output<P>, z.output<Q>, z.output<B>>;
        const run = async () => {
          const outcome = await def.handler(input);
          if (outcome !== STREAMED) outcome.status ??= def.successStatus;
          return outcome;
        };
        const held = async () => {
          try {
            return await run();
          } catch (err) {
            if (!(err instanceof ChangeHeld)) throw err;
            const command = err.command;
            if (!command || !this.#onHeld || !principal) throw heldOutsideCommand(`${def.method} ${def.url}`, req);
            return this.#onHeld(Object.assign(err, { command }), { principal, requestId: req.id, method: def.method, url: req.url });
          }
        };
        const result = def.method === 'POST' && principal ? await this.idempotency.wrap(req, principal, held) : await held();
        if (result === STREAMED) return reply;
        // A change held for approval answers the approval (HeldEnvelope), not the route's resource.
        if (this.validateResponses && def.response && result.meta?.held !== true) {
          const violation = checkResponse(`${def.method} ${def.url}`, def.response, result.data);
          if (violation) {
            responseViolations.push(violation);
            const listed = violation.issues.map((i) => `${i.path}: ${i.message} (${i.code})`).join('; ');
            req.log.error({ route: violation.route, issues: violation.issues }, 'response does not match the route\'s declared schema');
            throw new AppError('INTERNAL', 500, `${violation.route} answered data that does not match its response schema: ${listed}`, violation.issues);
          }
        }
        // API answers carry tokens (login, sign-up, API keys shown once) and tenant data: no
        // browser or proxy may keep a copy.
        if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
        return reply.code(result.status ?? 200).send({
          data: result.data,
          meta: { request_id: req.id, timestamp: new Date().toISOString(), ...result.meta },
          error: null,
        });
      },
    });
  }

  /** Who handles changes held for approval (the rules module). */
  onHeld(handler: HoldHandler): void {
    this.#onHeld = handler;
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
