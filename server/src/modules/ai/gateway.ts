// The gateway's call path, in three steps; no transaction is ever held while a provider
// thinks, and a plain call touches the database in none of them:
//   1. prepare: settings, routing and budget from this process's view of the workspace
//      (tenant-state.ts), alias → chain, template (a read), context fit, budget gate, cache
//      lookup (memory, then Postgres when its key index says it may hold the answer);
//   2. the chain: breaker, attempts with timeout, retries with backoff, fallback to the next
//      link, finally offline;
//   3. record: the answer goes to the memory cache and the meter, which writes the usage
//      row, `ai.call` diff, Postgres cache entry and budget counter behind the answer
//      (meter.ts).
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { AiConfig } from './config.js';
import type { CtxSource } from '../../platform/context.js';
import type { Db } from '../../platform/db/index.js';
import type { Ledger } from '../ledger/index.js';
import { AppError } from '../../platform/errors.js';
import type { SecretBox } from '../../platform/secrets.js';
import { budgetExceeded, budgetGate, type Notify } from './budget.js';
import { cacheKey, sharedCacheGet, type CachedResponse, type MemoryCache } from './cache.js';
import { validatorFor } from '../../platform/json-schema.js';
import type { SharedCacheIndex } from './cache-index.js';
import type { Meter } from './meter.js';
import type { Attempt, CacheWrite } from './metering.js';
import { callModel, streamModel, type DeltaSink } from './model-call.js';
import { costOf, factsOf } from './models.js';
import { estimateTokens } from './offline-text.js';
import { renderPrompt } from './prompts.js';
import { breakerKey, OFFLINE, unconfiguredReason, type ProviderConfig } from './providers.js';
import { backoffMs, classify, countsForBreaker, MAX_RETRY_WAIT_MS, retryable, type Breakers } from './resilience.js';
import type { Link, Settings } from './settings.js';
import type { TenantAiStates } from './tenant-state.js';
import type { ChatMessage, ModelRequest, ModelResult, ToolCall, ToolSpec } from './types.js';
import type { JsonSchema } from '../../platform/json-schema.js';

export type CompleteInput = {
  alias?: string;
  messages?: ChatMessage[];
  prompt?: string;
  system?: string;
  prompt_id?: string;
  prompt_version?: number;
  variables?: Record<string, unknown>;
  schema?: JsonSchema;
  tools?: ToolSpec[];
  temperature?: number;
  max_tokens?: number;
  truncate?: boolean;
  cache?: boolean;
  feature?: string;
  timeout_ms?: number;
};

export type Completion = {
  id: string;
  text: string;
  json?: unknown;
  tool_calls?: ToolCall[];
  provider: string;
  model: string;
  alias: string;
  usage: { input_tokens: number; output_tokens: number; cost_usd: number };
  cached: boolean;
  fallback_used: boolean;
  latency_ms: number;
  truncated: boolean;
  prompt: { id: string; version: number } | null;
  attempts: Attempt[];
};

export type GatewayDeps = {
  db: Db;
  ledger: Ledger;
  config: AiConfig;
  env: ProviderConfig[];
  secrets: () => SecretBox;
  breakers: Breakers;
  notify?: Notify;
  states: TenantAiStates;
  log: Logger;
  memory: MemoryCache;
  sharedKeys: SharedCacheIndex;
  meter: Meter;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
};

type Prepared = {
  alias: string;
  chain: Link[];
  req: ModelRequest;
  settings: Settings;
  key: string | null;
  hit: CachedResponse | null;
  prompt: { id: string; version: number } | null;
  truncated: boolean;
  forcedOffline: boolean;
  feature: string;
};

export function unknownAlias(alias: string, valid: string[]): AppError {
  return new AppError('UNKNOWN_ALIAS', 400, `Unknown model alias "${alias}". Valid aliases: ${valid.join(', ')}.`, [{ path: 'body.alias', message: 'unknown alias', valid }]);
}

/** Fits the messages into the model's window, or refuses with the counts. */
export function fitContext(messages: ChatMessage[], model: string, context: number, maxTokens: number, truncate: boolean): { messages: ChatMessage[]; truncated: boolean } {
  const count = (ms: ChatMessage[]) => estimateTokens(ms.map((m) => m.content).join('\n'));
  const input = count(messages);
  if (input + maxTokens <= context) return { messages, truncated: false };
  if (!truncate) {
    throw new AppError('PROMPT_TOO_LONG', 400, `The prompt has about ${input} tokens (+${maxTokens} for the answer) but ${model} takes ${context}. Shorten it or send truncate: true.`, [
      { path: 'body.messages', message: 'over the context window', input_tokens: input, max_output_tokens: maxTokens, context_tokens: context, model },
    ]);
  }
  // Drop the oldest turns first (system messages stay), then keep the tail of the last one.
  const out = [...messages];
  while (count(out) + maxTokens > context && out.filter((m) => m.role !== 'system').length > 1) out.splice(out.findIndex((m) => m.role !== 'system'), 1);
  if (count(out) + maxTokens > context) {
    const last = out.at(-1)!;
    const room = Math.max(0, (context - maxTokens - count(out.slice(0, -1))) * 4 - 8);
    out[out.length - 1] = { ...last, content: last.content.slice(last.content.length - room) };
  }
  return { messages: out, truncated: true };
}

export function createGateway(d: GatewayDeps) {
  async function prepare(source: CtxSource, input: CompleteInput): Promise<Prepared> {
    if (input.schema) validatorFor(input.schema, 'body.schema');
    input.tools?.forEach((t, i) => validatorFor(t.parameters, `body.tools.${i}.parameters`));
    const state = await d.states.get(source.tenantId);
    const { settings, routing } = state;
    const alias = input.alias ?? 'smart';
    let chain = alias === 'embed' ? undefined : routing.aliases[alias];
    if (!chain || chain.length === 0) throw unknownAlias(alias, Object.keys(routing.aliases).filter((a) => a !== 'embed'));

    let messages = [...(input.messages ?? [])];
    let prompt: Prepared['prompt'] = null;
    if (input.prompt_id) {
      const { prompt_id, variables, prompt_version } = input;
      const r = await d.db.tenantTx(source.tenantId, (tx) => renderPrompt(tx, prompt_id, variables ?? {}, prompt_version));
      prompt = { id: r.prompt_id, version: r.version };
      messages = [...(r.system ? [{ role: 'system' as const, content: r.system }] : []), ...messages, { role: 'user', content: r.text }];
    }
    if (input.system) messages.unshift({ role: 'system', content: input.system });
    if (input.prompt) messages.push({ role: 'user', content: input.prompt });
    if (!messages.some((m) => m.role !== 'system')) {
      throw new AppError('VALIDATION_FAILED', 400, 'The request does not match the expected shape.', [{ path: 'body.messages', message: 'give messages, prompt or prompt_id' }]);
    }
    const first = chain[0]!;
    const facts = factsOf(first.model, settings.prices);
    const fitted = fitContext(messages, first.model, facts.context, input.max_tokens ?? 0, input.truncate ?? false);

    const now = d.now();
    const budget = budgetGate(state.budget, d.states.unwritten(source.tenantId), now);
    let forcedOffline = false;
    if (budget.state === 'exceeded' && chain.some((l) => l.provider.kind !== 'offline')) {
      if (!budget.allow_offline) throw budgetExceeded(budget, now);
      chain = [{ provider: OFFLINE, model: OFFLINE.model }];
      forcedOffline = true;
    }

    const req: ModelRequest = { messages: fitted.messages, schema: input.schema, tools: input.tools, temperature: input.temperature, maxTokens: input.max_tokens };
    const useCache = input.cache !== false && settings.cacheTtlSeconds > 0 && !forcedOffline;
    const key = useCache ? cacheKey(chain[0]!.provider.id, chain[0]!.model, req) : null;
    const hit = key ? await lookup(source.tenantId, key, now) : null;
    return { alias, chain, req, settings, key, hit, prompt, truncated: fitted.truncated, forcedOffline, feature: input.feature ?? 'api' };
  }

  /** Memory first; then the shared Postgres tier, if its index says it may hold the key (another process answered it). */
  async function lookup(tenantId: string, key: string, now: Date): Promise<CachedResponse | null> {
    const inMemory = d.memory.get(tenantId, key, now.getTime());
    if (inMemory) return inMemory;
    if (d.sharedKeys.check(tenantId, key) === 'absent') return null;
    let shared: Awaited<ReturnType<typeof sharedCacheGet>>;
    try {
      shared = await sharedCacheGet(d.db, tenantId, key, now);
    } catch (err) {
      d.log.warn({ err }, 'ai shared cache read failed; treated as a miss');
      return null;
    }
    if (shared) d.memory.put(tenantId, key, shared.response, shared.expiresAt.getTime());
    return shared?.response ?? null;
  }

  /** Walks the chain; `invoke` makes one attempt. Throws AI_UNAVAILABLE when every link failed. */
  async function runChain<T>(chain: Link[], timeoutMs: number, invoke: (link: Link, signal: AbortSignal, touch: () => void) => Promise<T>, committed: () => boolean = () => false) {
    const attempts: Attempt[] = [];
    for (const [index, link] of chain.entries()) {
      const { provider, model } = link;
      const breaker = provider.kind === 'offline' ? null : d.breakers.of(breakerKey(provider));
      const why = unconfigured(provider);
      if (why) {
        attempts.push({ provider: provider.id, model, outcome: 'unconfigured', message: why });
        continue;
      }
      if (breaker && !breaker.tryPass()) {
        attempts.push({ provider: provider.id, model, outcome: 'circuit_open' });
        continue;
      }
      for (let n = 0; ; n++) {
        const ac = new AbortController();
        let timedOut = false;
        let timer: NodeJS.Timeout | undefined;
        let ended = false;
        const startedAt = performance.now();
        // The timeout is a silence limit: every chunk a stream sends resets it — up to
        // STREAM_LIMIT_FACTOR × the timeout in all, so keep-alives alone cannot hold a call open.
        const touch = () => {
          if (ended || performance.now() - startedAt > timeoutMs * STREAM_LIMIT_FACTOR) return;
          clearTimeout(timer);
          timer = setTimeout(() => {
            timedOut = true;
            ac.abort(new DOMException('timeout', 'TimeoutError'));
          }, timeoutMs);
        };
        touch();
        try {
          const value = await invoke(link, ac.signal, touch);
          breaker?.success();
          attempts.push({ provider: provider.id, model, outcome: 'ok' });
          return { value, link, index, attempts };
        } catch (err) {
          const f = classify(err, timedOut);
          attempts.push({ provider: provider.id, model, outcome: f.kind, ...(f.status ? { status: f.status } : {}), message: f.message.slice(0, 300) });
          if (breaker) countsForBreaker(f) ? breaker.failure() : breaker.release();
          if (committed()) throw new AppError('AI_UNAVAILABLE', 502, `The provider failed mid-stream: ${f.message}`, attemptDetails(attempts));
          const again = provider.kind !== 'offline' && retryable(f) && n < (f.kind === 'invalid_output' ? Math.min(1, d.config.maxRetries) : d.config.maxRetries) && (f.retryAfterMs ?? 0) <= MAX_RETRY_WAIT_MS;
          if (!again) break;
          await d.sleep(backoffMs(n, d.config.retryBaseMs, f));
          if (breaker && !breaker.tryPass()) {
            attempts.push({ provider: provider.id, model, outcome: 'circuit_open' });
            break;
          }
        } finally {
          ended = true; // a chunk still in the pipe must not re-arm the timer
          clearTimeout(timer);
        }
      }
    }
    throw new AppError('AI_UNAVAILABLE', 503, 'No provider could answer this request.', attemptDetails(attempts));
  }

  const unconfigured = (p: ProviderConfig) => unconfiguredReason(p);

  async function record(source: CtxSource, p: Prepared, served: { provider: string; model: string; result: ModelResult; cached: boolean; fallback: boolean; attempts: Attempt[]; startedAt: number; cacheable: boolean }): Promise<Completion> {
    const { result } = served;
    const cost = served.cached ? 0 : costOf(served.model, result.inputTokens, result.outputTokens, p.settings.prices);
    const latency = Math.round(performance.now() - served.startedAt);
    let cache: CacheWrite | null = null;
    if (served.cacheable && p.key && !served.cached) {
      const expiresAt = new Date(d.now().getTime() + p.settings.cacheTtlSeconds * 1000);
      cache = { key: p.key, expiresAt, value: structuredClone({ text: result.text, json: result.json, tool_calls: result.toolCalls, provider: served.provider, model: served.model, input_tokens: result.inputTokens, output_tokens: result.outputTokens }) };
      d.memory.put(source.tenantId, cache.key, cache.value, expiresAt.getTime());
      d.sharedKeys.add(source.tenantId, cache.key);
    }
    const id = await d.meter.record(source, {
      kind: 'complete', alias: p.alias, provider: served.provider, model: served.model, feature: p.feature,
      inputTokens: result.inputTokens, outputTokens: result.outputTokens, costUsd: cost, latencyMs: latency,
      cached: served.cached, fallbackUsed: served.fallback, prompt: p.prompt, attempts: served.attempts,
      content: p.settings.storePrompts ? { messages: p.req.messages, output: result.json ?? result.text, tool_calls: result.toolCalls ?? null } : null,
    }, cache);
    return {
      id, text: result.text, ...(result.json !== undefined ? { json: result.json } : {}), ...(result.toolCalls ? { tool_calls: result.toolCalls } : {}),
      provider: served.provider, model: served.model, alias: p.alias,
      usage: { input_tokens: result.inputTokens, output_tokens: result.outputTokens, cost_usd: cost },
      cached: served.cached, fallback_used: served.fallback, latency_ms: latency, truncated: p.truncated, prompt: p.prompt, attempts: served.attempts,
    };
  }

  // A copy: the caller may change what it gets without changing the cache.
  const fromCache = (h: CachedResponse): ModelResult => structuredClone({ text: h.text, json: h.json, toolCalls: h.tool_calls, inputTokens: h.input_tokens, outputTokens: h.output_tokens, finishReason: 'stop' });

  async function complete(source: CtxSource, input: CompleteInput, sink?: DeltaSink): Promise<Completion> {
    const startedAt = performance.now();
    const p = await prepare(source, input);
    if (p.hit) {
      sink?.delta(p.hit.text);
      return record(source, p, { provider: p.hit.provider, model: p.hit.model, result: fromCache(p.hit), cached: true, fallback: false, attempts: [], startedAt, cacheable: false });
    }
    let started = false;
    const timeout = input.timeout_ms ?? d.config.timeoutMs;
    const run = await runChain(p.chain, timeout, (link, signal, touch) =>
      sink
        ? streamModel(link.provider, link.model, p.req, signal, { delta: (t) => { started = true; sink.delta(t); } }, touch)
        : callModel(link.provider, link.model, p.req, signal),
      () => started,
    );
    const fallback = run.index > 0 || p.forcedOffline;
    return record(source, p, { provider: run.link.provider.id, model: run.link.model, result: run.value, cached: false, fallback, attempts: run.attempts, startedAt, cacheable: run.index === 0 });
  }

  return { complete, runChain, prepare };
}

/** A stream may run this many timeouts in all while it keeps sending (a long answer, keep-alives). */
export const STREAM_LIMIT_FACTOR = 10;

const attemptDetails = (attempts: Attempt[]) => attempts.map((a) => ({ ...a, message: `${a.provider}/${a.model}: ${a.outcome}${a.message ? ` (${a.message})` : ''}` }));


export type Gateway = ReturnType<typeof createGateway>;
