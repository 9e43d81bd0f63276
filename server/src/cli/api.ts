// A small HTTP client for the CLI: Bearer key, JSON envelopes ({data, meta, error}) unwrapped,
// errors turned into exit codes (401/403 → 3, 404 → 4, anything else → 1).
import { CliError, EXIT } from './io.js';
import type { Login } from './config.js';

type ErrorBody = { code?: string; message?: string; details?: { path?: string; message?: string }[] };
type Envelope<T> = { data: T; meta?: Record<string, unknown>; error: ErrorBody | null };

export class ApiError extends CliError {
  constructor(readonly status: number, readonly body: ErrorBody | undefined, message: string) {
    super(status === 401 || status === 403 ? EXIT.auth : status === 404 ? EXIT.notFound : EXIT.failed, message);
  }
}

export function describeError(status: number, err: ErrorBody | undefined): string {
  const head = err?.code ? `${err.code}: ${err.message ?? ''}` : `HTTP ${status}${err?.message ? `: ${err.message}` : ''}`;
  const details = (err?.details ?? []).map((d) => `  ${d.path ? `${d.path}: ` : ''}${d.message ?? ''}`);
  const hint = status === 401 ? ['  (check the API key: `atrium login --url <url> --key <api key>`)'] : [];
  return [head, ...details, ...hint].join('\n');
}

export class Api {
  readonly #fetch: typeof fetch;
  constructor(readonly login: Login, fetchImpl?: typeof fetch) {
    this.#fetch = fetchImpl ?? fetch;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<{ data: T; meta: Record<string, unknown>; status: number }> {
    const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${this.login.key}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await this.#fetch(`${this.login.url}${path}`, { method, headers, ...(body !== undefined && { body: JSON.stringify(body) }) });
    } catch (err) {
      const cause = (err as { cause?: { message?: string } }).cause?.message;
      throw new CliError(EXIT.failed, `cannot reach ${this.login.url}: ${cause ?? (err as Error).message}`);
    }
    const text = await res.text();
    let env: Envelope<T> | undefined;
    try {
      env = JSON.parse(text) as Envelope<T>;
    } catch {
      env = undefined;
    }
    if (!res.ok || !env || env.error) {
      const err = env?.error ?? (env ? undefined : { message: text.slice(0, 200) || res.statusText });
      throw new ApiError(res.status, err ?? undefined, describeError(res.status, err ?? undefined));
    }
    return { data: env.data, meta: env.meta ?? {}, status: res.status };
  }

  async get<T>(path: string): Promise<T> { return (await this.request<T>('GET', path)).data; }
  async post<T>(path: string, body: unknown): Promise<T> { return (await this.request<T>('POST', path, body)).data; }
}
