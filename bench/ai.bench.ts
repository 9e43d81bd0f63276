// AI gateway, three measurements (each with its peer measured in the same run):
//
// ai.gateway.provider_call — `ai.complete()` (the module's entry point: settings + alias
//   routing + budget + cache lookup in one tenant transaction, the AI SDK call to a loopback
//   OpenAI-compatible server, then usage row + ai.call diff + cache entry in a second
//   transaction) against the peer: the same chat-completions request sent to the same
//   loopback server with a bare fetch. Reported: p50/p99 of both and the p99 added.
// ai.gateway.cache_hit — the same call answered from the Postgres cache (the provider is not
//   called; the usage row and diff are still written) against the same peer.
// ai.gateway.client_path — the part of the gateway without the database: the AI SDK client
//   call (request building, response parsing, schema-free) against the bare fetch — where
//   the added latency of a provider call comes from when it is not the database.
// ai.offline.summarise — the offline provider summarising a ~20-page document (~10 000
//   words); target < 200 ms. Peer: only splitting the same document into words (the floor
//   of any extractive method).
//
// Target for both gateway lines: < 1 ms added at p99. Rounds alternate ours/peer.
import { performance } from 'node:perf_hooks';
import { startFakeProvider, type FakeProvider } from '../server/src/modules/ai/fake-providers.js';
import { callModel } from '../server/src/modules/ai/model-call.js';
import { offlineComplete } from '../server/src/modules/ai/offline.js';
import { words } from '../server/src/modules/ai/offline-text.js';
import { envProviders } from '../server/src/modules/ai/providers.js';
import { loadConfig } from '../server/src/platform/config.js';
import { emit, intOption, latency, main, progress, round, withFreshApp, type BenchEnv } from './lib.js';

const TARGET_ADDED_MS = 1;
const TARGET_SUMMARY_MS = 200;

async function sample(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    out.push(performance.now() - t0);
  }
  return out;
}

/** Alternates rounds of ours and the peer; returns both sample sets. */
async function paired(rounds: number, perRound: number, ours: (i: number) => Promise<unknown>, peer: (i: number) => Promise<unknown>) {
  const a: number[] = [];
  const b: number[] = [];
  let k = 0;
  for (let r = 0; r < rounds; r++) {
    a.push(...(await sample(perRound, (i) => ours(k + i))));
    b.push(...(await sample(perRound, (i) => peer(k + i))));
    k += perRound;
  }
  return { ours: latency(a), peer: latency(b) };
}

function line(bench: string, r: { ours: ReturnType<typeof latency>; peer: ReturnType<typeof latency> }, peer: string, extra: Record<string, unknown>) {
  const added = r.ours.p99_ms - r.peer.p99_ms;
  emit({
    bench, ops_per_s: round(1000 / r.ours.mean_ms, 1), p50_ms: r.ours.p50_ms, p99_ms: r.ours.p99_ms,
    peer, peer_ops_per_s: round(1000 / r.peer.mean_ms, 1), peer_p50_ms: r.peer.p50_ms, peer_p99_ms: r.peer.p99_ms,
    added_p50_ms: round(r.ours.p50_ms - r.peer.p50_ms, 3), added_p99_ms: round(added, 3),
    target: `< ${TARGET_ADDED_MS} ms added at p99`, meets_target: added < TARGET_ADDED_MS, n: r.ours.n, ...extra,
  });
}

const SENTENCE_PARTS = {
  subject: ['The project team', 'Our largest client', 'The finance department', 'The new supplier', 'The support desk', 'Marketing', 'The warehouse crew', 'The board'],
  verb: ['reviewed', 'approved', 'delayed', 'questioned', 'expanded', 'cut', 'documented', 'escalated'],
  object: ['the quarterly budget', 'the onboarding workflow', 'the shipping schedule', 'the renewal terms', 'the hiring plan', 'the incident report', 'the pricing page', 'the vendor contract'],
  tail: ['after a long discussion.', 'because costs rose by 12%.', 'before the March deadline.', 'with help from Acme Corp.', 'for the third time this year.', 'without any objections.', 'pending legal review.', 'to reduce churn.'],
};

/** ~20 pages: 800 sentences (~10 000 words), deterministic. */
export function twentyPages(): string {
  const pick = <T>(xs: T[], i: number) => xs[i % xs.length]!;
  const out: string[] = [];
  for (let i = 0; i < 800; i++) {
    out.push(`${pick(SENTENCE_PARTS.subject, i * 7 + 3)} ${pick(SENTENCE_PARTS.verb, i * 5 + 1)} ${pick(SENTENCE_PARTS.object, i * 3)} ${pick(SENTENCE_PARTS.tail, i * 11 + 2)}`);
    if (i % 12 === 11) out.push('\n\n');
  }
  return out.join(' ');
}

async function bench(env: BenchEnv, fake: FakeProvider): Promise<void> {
  const n = intOption('calls', 'ATRIUM_BENCH_AI_CALLS', 400);
  const rounds = 4;
  {
    const { app } = env;
    const tenant = await app.identity.createTenantWithOwner({ name: 'AI bench', plan: 'enterprise', owner: { email: 'bench-ai@example.test', name: 'Bench' } });
    const source = { tenantId: tenant.tenantId, actor: { type: 'user' as const, id: tenant.userId } };
    const body = (i: number) => JSON.stringify({ model: 'fake-gpt', messages: [{ role: 'user', content: `Question ${i}` }] });
    const direct = async (i: number) => {
      const res = await fetch(`${fake.baseUrl}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' }, body: body(i) });
      const json = (await res.json()) as { choices: { message: { content: string } }[] };
      if (!json.choices[0]!.message.content) throw new Error('empty answer');
    };

    progress('warm-up');
    for (let i = 0; i < 50; i++) {
      await app.ai.complete(source, { prompt: `warm ${i}`, cache: false });
      await direct(i);
    }

    progress(`provider call: ${n} gateway calls vs ${n} direct`);
    const call = await paired(rounds, n / rounds, async (i) => {
      const r = await app.ai.complete(source, { prompt: `Question ${i}`, cache: false });
      if (r.provider !== 'openai') throw new Error(`served by ${r.provider}: ${JSON.stringify(r.attempts)}`);
    }, direct);
    line('ai.gateway.provider_call', call, 'bare fetch to the same loopback server', { db: env.db, path: 'ai.complete() in process: 2 tenant transactions + AI SDK call' });

    await app.ai.complete(source, { prompt: 'The cached question' });
    progress(`cache hit: ${n} vs ${n} direct`);
    const hit = await paired(rounds, n / rounds, async () => {
      const r = await app.ai.complete(source, { prompt: 'The cached question' });
      if (!r.cached) throw new Error('not a cache hit');
    }, direct);
    line('ai.gateway.cache_hit', hit, 'bare fetch to the loopback server', { db: env.db, path: 'ai.complete() answered from ai_cache; usage row + diff still written' });

    const [provider] = envProviders(app.config.ai);
    progress(`client path: ${n} AI SDK calls vs ${n} direct`);
    const client = await paired(rounds, n / rounds, (i) => callModel(provider!, 'fake-gpt', { messages: [{ role: 'user', content: `Question ${i}` }] }, new AbortController().signal), direct);
    line('ai.gateway.client_path', client, 'bare fetch to the loopback server', { path: 'AI SDK generateText through createOpenAICompatible, no database' });

    const doc = twentyPages();
    const req = { messages: [{ role: 'user' as const, content: `Summarise this document:\n${doc}` }] };
    offlineComplete(req);
    progress(`offline summary of ${words(doc).length} words`);
    const sum = await paired(5, 6, async () => {
      const r = offlineComplete(req);
      if (r.text.length < 100) throw new Error('summary too short');
    }, async () => void words(doc));
    emit({
      bench: 'ai.offline.summarise', ops_per_s: round(1000 / sum.ours.mean_ms, 1), p50_ms: sum.ours.p50_ms, p99_ms: sum.ours.p99_ms,
      peer: 'splitting the same document into words', peer_p50_ms: sum.peer.p50_ms, peer_p99_ms: sum.peer.p99_ms,
      target: `p99 < ${TARGET_SUMMARY_MS} ms`, meets_target: sum.ours.p99_ms < TARGET_SUMMARY_MS, words: words(doc).length, chars: doc.length, n: sum.ours.n,
    });
  }
}

// The fake listens first: the app's environment points `openai` at it.
main(async () => {
  const fake = await startFakeProvider('openai');
  fake.fallback = { text: 'A short answer from the loopback server.' };
  try {
    const openai = { baseUrl: fake.baseUrl, apiKey: 'sk-bench', model: 'fake-gpt', embedModel: undefined };
    await withFreshApp({ ai: { ...loadConfig({}).ai, openai } }, 1, (env) => bench(env, fake));
  } finally {
    await fake.close();
  }
});
