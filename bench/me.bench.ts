// Authenticated `GET /v1/me` with an API key against a bare Fastify hello-world route,
// both served by this process on loopback and driven by autocannon in the same run:
// throughput (req/s) of each and their ratio (target ≥ 0.5), then /v1/me's latency at a
// fixed 500 req/s (target p99 < 20 ms). autocannon runs as a child process so the load
// generator never shares the servers' event loop; rounds alternate ours/peer so machine
// noise hits both sides alike.
//
// The key's tenant is on `enterprise` (2 000 req/min); the bench lifts that plan's limit
// in this process only, so every request still pays the rate-limit count (one upsert on
// server Postgres) but none is answered 429 — a 429 would be cheaper and flatter the figure.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import Fastify from 'fastify';
import { PLAN_LIMITS_PER_MINUTE } from '../server/src/modules/identity/index.js';
import { cpuProfile, emit, flag, intOption, main, progress, round, watchLoop, withFreshApp, type BenchEnv } from './lib.js';

const TARGET_RATIO = 0.5;
const FIXED_RATE = 500;
const TARGET_P99_MS = 20;
const AUTOCANNON = createRequire(import.meta.url).resolve('autocannon');

type Run = { url: string; connections: number; seconds: number; headers?: Record<string, string>; overallRate?: number };
type Result = {
  requests: { total: number; average: number };
  latency: { p50: number; p90: number; p99: number; max: number; average: number };
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
};

/** One autocannon run (CLI, JSON output) in a child process. */
function autocannon(run: Run): Promise<Result> {
  const args = [AUTOCANNON, '--json', '--no-progress', '-c', String(run.connections), '-d', String(run.seconds)];
  for (const [k, v] of Object.entries(run.headers ?? {})) args.push('-H', `${k}=${v}`);
  if (run.overallRate) args.push('-R', String(run.overallRate));
  args.push(run.url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited ${code}: ${err}`));
      const result = JSON.parse(out) as Result;
      const bad = result.non2xx + result.errors + result.timeouts;
      if (bad > 0 || result['2xx'] === 0) return reject(new Error(`${run.url}: ${bad} failed requests of ${result.requests.total} — the figure would be meaningless`));
      resolve(result);
    });
  });
}

type Tally = { requests: number; seconds: number; p50: number[]; p99: number[] };
const tally = (): Tally => ({ requests: 0, seconds: 0, p50: [], p99: [] });
function add(t: Tally, r: Result): void {
  t.requests += r.requests.total;
  t.seconds += r.duration;
  t.p50.push(r.latency.p50);
  t.p99.push(r.latency.p99);
}
const rate = (t: Tally) => t.requests / t.seconds;
const worst = (xs: number[]) => Math.max(...xs);

async function bench(env: BenchEnv): Promise<void> {
  const seconds = intOption('seconds', 'ATRIUM_BENCH_ME_SECONDS', 10);
  const rounds = intOption('rounds', 'ATRIUM_BENCH_ME_ROUNDS', 2);
  const connections = intOption('connections', 'ATRIUM_BENCH_ME_CONNECTIONS', 10);
  const { app } = env;

  const tenant = await app.identity.createTenantWithOwner({ name: 'Bench', plan: 'enterprise', owner: { email: 'bench-me@example.test', name: 'Bench' } });
  const key = await app.identity.issueToken({ tenantId: tenant.tenantId, userId: null, kind: 'api_key', scopes: ['read'] });
  PLAN_LIMITS_PER_MINUTE.enterprise = { person: 1_000_000_000, workspace: 1_000_000_000 };

  const base = await app.http.listen({ port: 0, host: '127.0.0.1' });
  const me = { url: `${base}/v1/me`, headers: { authorization: `Bearer ${key.token}` } };
  const check = await fetch(me.url, { headers: me.headers });
  const answer = await check.text();
  // A second peer answers our exact bytes (body and headers) with no work at all: what the
  // answer's size alone costs (the socket write is most of a request's CPU here).
  const sameHeaders = Object.fromEntries([...check.headers].filter(([k]) => !['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding'].includes(k)));
  const bare = Fastify();
  bare.get('/hello', async () => ({ hello: 'world' }));
  bare.get('/same', async (_req, reply) => reply.headers(sameHeaders).send(answer));
  const bareBase = await bare.listen({ port: 0, host: '127.0.0.1' });
  try {
    const hello = { url: `${bareBase}/hello` };
    const same = { url: `${bareBase}/same` };
    const body = JSON.parse(answer) as { data?: { auth?: { kind?: string; token_id?: string } } };
    if (check.status !== 200 || body.data?.auth?.kind !== 'api_key' || body.data.auth.token_id !== key.id) {
      throw new Error(`GET /v1/me with the key answered ${check.status}: ${JSON.stringify(body)}`);
    }

    progress(`warm-up: 3 s each side, ${connections} connections`);
    await autocannon({ ...me, connections, seconds: 3 });
    await autocannon({ ...hello, connections, seconds: 3 });

    const ours = tally();
    const peer = tally();
    const peerSame = tally();
    for (let r = 0; r < rounds; r++) {
      progress(`round ${r + 1}/${rounds}: ${seconds} s per side`);
      add(ours, await autocannon({ ...me, connections, seconds }));
      add(peer, await autocannon({ ...hello, connections, seconds }));
      add(peerSame, await autocannon({ ...same, connections, seconds }));
    }
    const ratio = rate(ours) / rate(peer);
    emit({
      bench: 'api.me',
      ops_per_s: round(rate(ours), 1),
      p50_ms: worst(ours.p50),
      p99_ms: worst(ours.p99),
      peer: 'bare fastify hello',
      peer_ops_per_s: round(rate(peer), 1),
      peer_p50_ms: worst(peer.p50),
      peer_p99_ms: worst(peer.p99),
      ratio: round(ratio, 3),
      peer_same_bytes: 'bare fastify sending /v1/me\'s answer (same body and headers) with no work',
      peer_same_bytes_ops_per_s: round(rate(peerSame), 1),
      ratio_to_same_bytes: round(rate(ours) / rate(peerSame), 3),
      target: `>= ${TARGET_RATIO}`,
      meets_target: ratio >= TARGET_RATIO,
      connections,
      seconds_per_side: seconds * rounds,
      requests: ours.requests,
      peer_requests: peer.requests,
      auth: 'api_key (read)',
      db: env.db,
    });

    if (flag('profile')) {
      // Where this process spends its CPU under full load (autocannon runs in a child process).
      // The peer too: what both pay (the socket) against what only ours does.
      for (const [name, run] of [['api-me', me], ['bare-hello', hello]] as const) {
        const file = `test-artifacts/profiles/${name}.cpuprofile`;
        const top = await cpuProfile(file, async () => void (await autocannon({ ...run, connections, seconds })));
        emit({ bench: `${name === 'api-me' ? 'api.me' : 'api.me.peer'}.profile`, file, top_self_time: top, db: env.db });
      }
    }

    progress(`fixed rate: ${FIXED_RATE} req/s for ${seconds * rounds} s on /v1/me`);
    const loop = watchLoop();
    const fixed = await autocannon({ ...me, connections, seconds: seconds * rounds, overallRate: FIXED_RATE });
    const stalls = loop.stop();
    const achieved = fixed.requests.total / fixed.duration;
    emit({
      bench: 'api.me.fixed_rate',
      rate_req_per_s: FIXED_RATE,
      achieved_req_per_s: round(achieved, 1),
      p50_ms: fixed.latency.p50,
      p90_ms: fixed.latency.p90,
      p99_ms: fixed.latency.p99,
      max_ms: fixed.latency.max,
      target: `p99 < ${TARGET_P99_MS} ms at ${FIXED_RATE} req/s`,
      // A server that cannot keep up with the rate has not met the target, whatever its p99.
      meets_target: fixed.latency.p99 < TARGET_P99_MS && achieved >= FIXED_RATE * 0.95,
      requests: fixed.requests.total,
      // The server's own event loop over the same window (autocannon runs in a child process).
      ...stalls,
      connections,
      db: env.db,
    });
  } finally {
    await bare.close();
  }
}

main(() => withFreshApp({}, 1, bench));
