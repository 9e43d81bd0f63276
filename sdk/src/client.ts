// Typed client for the Atrium API v1, used by the tests, the web app and the CLI.
import type {
  AnnotationHit, Annotation, Diff, DiffFilters, EnvelopeOf, Meta, NewDiff, Page, ReplayedState, Sentiment, ApiErrorBody,
  AcceptedInvitation, AcceptInvitationInput, InvitationPreview, ApiKey, CreatedApiKey, Invitation, InvitationCreated, LoginInput, Me, Member,
  NewApiKey, Role, Session, SignupInput, TotpSetup, AuthProviders, Tenant, Plan,
} from './types.js';

import { workApi, type WorkApi } from './work.js';

export class AtriumError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ApiErrorBody['details'],
    readonly requestId: string | undefined,
    /** Seconds to wait before trying again, from `Retry-After` (429, 503). */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'AtriumError';
  }
}

type Query = Record<string, string | number | boolean | undefined>;
export type RequestOptions = { query?: Query; body?: unknown; headers?: Record<string, string> };
export type ClientOptions = { baseUrl: string; token?: string; fetch?: typeof fetch };

function qs(query: Query | undefined): string {
  if (!query) return '';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

export class AtriumClient {
  readonly baseUrl: string;
  token: string | undefined;
  readonly #fetch: typeof fetch;

  constructor(opts: ClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/$/, '');
    this.token = opts.token;
    this.#fetch = opts.fetch ?? fetch;
  }

  withToken(token: string | undefined): AtriumClient {
    return new AtriumClient({ baseUrl: this.baseUrl, token, fetch: this.#fetch });
  }

  /** The raw HTTP response, for streams and for tests that look at status and headers. */
  raw(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    }
    return this.#fetch(`${this.baseUrl}${path}${qs(opts.query)}`, { method, headers, body });
  }

  /** Sends a request and unwraps the envelope; an error envelope becomes an AtriumError. */
  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<{ data: T; meta: Meta }> {
    const res = await this.raw(method, path, opts);
    const env = (await res.json()) as EnvelopeOf<T>;
    if (env.error) {
      const retryAfter = Number(res.headers.get('retry-after'));
      throw new AtriumError(res.status, env.error.code, env.error.message, env.error.details, env.meta?.request_id, retryAfter > 0 ? retryAfter : undefined);
    }
    return { data: env.data, meta: env.meta };
  }

  /** Workflows, tasks, templates, dashboard (module work). */
  readonly work: WorkApi = workApi(this);

  readonly diffs = {
    list: async (filters: DiffFilters & { limit?: number; cursor?: string } = {}): Promise<Page<Diff>> => {
      const { data, meta } = await this.request<Diff[]>('GET', '/v1/diffs', { query: filters });
      return { items: data, nextCursor: meta.next_cursor };
    },
    /** Every diff matching the filters, page after page. */
    all: async (filters: DiffFilters = {}): Promise<Diff[]> => {
      const out: Diff[] = [];
      let cursor: string | undefined;
      do {
        const page = await this.diffs.list({ ...filters, limit: 200, cursor });
        out.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      return out;
    },
    get: async (id: string): Promise<Diff> => (await this.request<Diff>('GET', `/v1/diffs/${encodeURIComponent(id)}`)).data,
    record: async (input: NewDiff, idempotencyKey?: string): Promise<Diff> =>
      (await this.request<Diff>('POST', '/v1/diffs', { body: input, headers: idempotencyKey ? { 'idempotency-key': idempotencyKey } : {} })).data,
    annotations: async (id: string): Promise<Annotation[]> =>
      (await this.request<Annotation[]>('GET', `/v1/diffs/${encodeURIComponent(id)}/annotations`)).data,
    annotate: async (id: string, why: string, sentiment?: Sentiment): Promise<Annotation> =>
      (await this.request<Annotation>('POST', `/v1/diffs/${encodeURIComponent(id)}/annotations`, { body: { why, sentiment } })).data,
  };

  readonly annotations = {
    search: async (q: string, limit?: number): Promise<AnnotationHit[]> =>
      (await this.request<AnnotationHit[]>('GET', '/v1/annotations', { query: { q, limit } })).data,
  };

  readonly entities = {
    history: async (type: string, id: string, opts: { limit?: number; cursor?: string } = {}): Promise<Page<Diff>> => {
      const { data, meta } = await this.request<Diff[]>('GET', `/v1/entities/${encodeURIComponent(type)}/${encodeURIComponent(id)}/history`, { query: opts });
      return { items: data, nextCursor: meta.next_cursor };
    },
    stateAt: async (type: string, id: string, at?: string | Date): Promise<ReplayedState> =>
      (
        await this.request<ReplayedState>('GET', `/v1/entities/${encodeURIComponent(type)}/${encodeURIComponent(id)}/state`, {
          query: { at: at instanceof Date ? at.toISOString() : at },
        })
      ).data,
  };

  readonly exports = {
    /** The whole export as text (for large exports, use `raw` and read the stream). */
    diffs: async (format: 'csv' | 'jsonl', filters: DiffFilters = {}): Promise<string> => {
      const res = await this.raw('GET', `/v1/export/diffs.${format}`, { query: filters });
      if (!res.ok) {
        const env = (await res.json()) as EnvelopeOf<null>;
        throw new AtriumError(res.status, env.error?.code ?? 'UNKNOWN', env.error?.message ?? res.statusText, env.error?.details ?? [], env.meta?.request_id);
      }
      return res.text();
    },
  };

  /** Sign-up, log-in/out, the current caller, 2FA. `signup`/`login` do not change this client's token. */
  readonly auth = {
    signup: async (input: SignupInput): Promise<Session> => (await this.request<Session>('POST', '/v1/auth/signup', { body: input })).data,
    login: async (input: LoginInput): Promise<Session> => (await this.request<Session>('POST', '/v1/auth/login', { body: input })).data,
    logout: async (): Promise<{ logged_out: boolean }> => (await this.request<{ logged_out: boolean }>('POST', '/v1/auth/logout')).data,
    me: async (): Promise<Me> => (await this.request<Me>('GET', '/v1/me')).data,
    /** Public: the sign-in methods this installation offers (single sign-on button or not). */
    providers: async (): Promise<AuthProviders> => (await this.request<AuthProviders>('GET', '/v1/auth/providers')).data,
    totpSetup: async (): Promise<TotpSetup> => (await this.request<TotpSetup>('POST', '/v1/auth/totp/setup')).data,
    /** Confirms 2FA with a first code; the recovery codes are returned this once. */
    totpVerify: async (code: string): Promise<{ enabled: true; recovery_codes: string[] }> =>
      (await this.request<{ enabled: true; recovery_codes: string[] }>('POST', '/v1/auth/totp/verify', { body: { code } })).data,
    totpDisable: async (code: string): Promise<{ enabled: false }> =>
      (await this.request<{ enabled: false }>('POST', '/v1/auth/totp/disable', { body: { code } })).data,
    stepUp: async (code: string): Promise<{ step_up_at: string }> =>
      (await this.request<{ step_up_at: string }>('POST', '/v1/auth/step-up', { body: { code } })).data,
    /** A one-time ticket for `GET /v1/stream?ticket=` (EventSource cannot send headers). */
    streamTicket: async (): Promise<{ ticket: string; expires_at: string }> =>
      (await this.request<{ ticket: string; expires_at: string }>('POST', '/v1/auth/stream-tickets')).data,
  };

  readonly members = {
    list: async (): Promise<Member[]> => (await this.request<Member[]>('GET', '/v1/members')).data,
    invite: async (email: string, role?: Exclude<Role, 'owner'>): Promise<InvitationCreated> =>
      (await this.request<InvitationCreated>('POST', '/v1/members', { body: { email, role } })).data,
    changeRole: async (userId: string, role: Role, why?: string): Promise<{ user_id: string; role: Role }> =>
      (await this.request<{ user_id: string; role: Role }>('PATCH', `/v1/members/${encodeURIComponent(userId)}`, { body: { role, why } })).data,
    remove: async (userId: string, why?: string): Promise<{ removed: true }> =>
      (await this.request<{ removed: true }>('DELETE', `/v1/members/${encodeURIComponent(userId)}`, { query: { why } })).data,
    invitations: async (): Promise<Invitation[]> => (await this.request<Invitation[]>('GET', '/v1/invitations')).data,
    revokeInvitation: async (id: string): Promise<{ revoked: true }> =>
      (await this.request<{ revoked: true }>('DELETE', `/v1/invitations/${encodeURIComponent(id)}`)).data,
    /** Public: the invitation token is the credential. */
    /** Public: the workspace and inviter of an invitation, before accepting it. */
    preview: async (token: string): Promise<InvitationPreview> =>
      (await this.request<InvitationPreview>('POST', '/v1/invitations/preview', { body: { token } })).data,
    accept: async (input: AcceptInvitationInput): Promise<AcceptedInvitation> =>
      (await this.request<AcceptedInvitation>('POST', '/v1/invitations/accept', { body: input })).data,
  };

  readonly tenant = {
    get: async (): Promise<Tenant> => (await this.request<Tenant>('GET', '/v1/tenant')).data,
    update: async (patch: { name: string; why?: string }): Promise<Tenant> =>
      (await this.request<Tenant>('PATCH', '/v1/tenant', { body: patch })).data,
    /** Platform operators only: another (or their own) workspace's plan. */
    setPlan: async (tenantId: string, plan: Plan, why?: string): Promise<Tenant> =>
      (await this.request<Tenant>('PUT', `/v1/platform/tenants/${encodeURIComponent(tenantId)}/plan`, { body: { plan, why } })).data,
  };

  readonly apiKeys = {
    list: async (): Promise<ApiKey[]> => (await this.request<ApiKey[]>('GET', '/v1/api-keys')).data,
    create: async (input: NewApiKey): Promise<CreatedApiKey> => (await this.request<CreatedApiKey>('POST', '/v1/api-keys', { body: input })).data,
    revoke: async (id: string): Promise<{ revoked: true }> =>
      (await this.request<{ revoked: true }>('DELETE', `/v1/api-keys/${encodeURIComponent(id)}`)).data,
  };

  /**
   * Subscribes to the tenant's diffs over Server-Sent Events. Returns a function that
   * closes the stream. `lastEventId` resumes after a known diff.
   */
  stream(onDiff: (diff: Diff) => void, opts: { lastEventId?: string; onOpen?: () => void } = {}): () => void {
    const controller = new AbortController();
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (opts.lastEventId) headers['last-event-id'] = opts.lastEventId;
    void (async () => {
      const res = await this.#fetch(`${this.baseUrl}/v1/stream`, { headers, signal: controller.signal });
      if (!res.ok || !res.body) throw new AtriumError(res.status, 'STREAM_FAILED', `stream answered ${res.status}`, [], undefined);
      opts.onOpen?.();
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
          if (data && /^event: diff$/m.test(block)) onDiff(JSON.parse(data) as Diff);
        }
      }
    })().catch((err: unknown) => {
      if ((err as Error).name !== 'AbortError') console.error('atrium stream:', err);
    });
    return () => controller.abort();
  }
}
