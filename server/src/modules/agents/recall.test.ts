// Semantic recall over a real database (PGlite with pgvector, or the Postgres server with or
// without it) and the real offline embedder: paraphrased questions find their memory first,
// nothing crosses a tenant (RLS too) or an agent, upserts and forgets apply at once, and the two
// storage modes agree.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTenant, type Ctx } from '../../platform/context.js';
import { startTestApp, type TestApp, type TestTenant } from '../../testing/harness.js';
import { forgetMemories, indexMemories, recall, recallMode, type RecallMode } from './recall.js';

let t: TestApp;
let a: TestTenant;
let b: TestTenant;
let vectorAvailable: boolean;

const inT = <T>(tenant: TestTenant, fn: (ctx: Ctx) => Promise<T>) => inTenant(t.app.db, { tenantId: tenant.tenantId, actor: { type: 'system', id: 'recall-test' } }, fn);
const embed = async (tenant: TestTenant, texts: string[]) => (await inT(tenant, (ctx) => t.app.ai.embed(ctx, texts, { feature: 'recall-test' }))).embeddings;
const ids = (hits: { memoryId: string }[]) => hits.map((h) => h.memoryId);

const FACTS: Record<string, string> = {
  mem_coffee: 'Dana drinks her coffee black with no sugar.',
  mem_birthday: 'Lucas was born on the fourteenth of March.',
  mem_dog: 'The customer owns a golden retriever called Biscuit.',
  mem_allergy: 'Priya is allergic to peanuts and carries an epipen.',
  mem_office: 'The Berlin office is on the third floor near the train station.',
  mem_invoice: 'Invoices are sent to the finance team at the end of each month.',
  mem_car: 'Marco drives a red electric car to work.',
  mem_holiday: 'The team is going skiing in the Alps in February.',
};
const QUESTIONS: [string, string][] = [
  ['How does Dana take her coffee?', 'mem_coffee'],
  ['When is Lucas\'s birthday?', 'mem_birthday'],
  ['What is the name of the client\'s pet?', 'mem_dog'],
  ['Which food can Priya not eat?', 'mem_allergy'],
  ['Where in Berlin is our office?', 'mem_office'],
  ['When do we bill the accounting department?', 'mem_invoice'],
  ['What vehicle does Marco use for his commute?', 'mem_car'],
  ['Where will the team go on its winter holiday?', 'mem_holiday'],
];

let factVectors: Map<string, number[]>;
let questionVectors: number[][];

beforeAll(async () => {
  t = await startTestApp({ role: 'serve' });
  a = await t.tenant('Recall A');
  b = await t.tenant('Recall B');
  vectorAvailable = await t.app.db.systemTx(async (tx) => // system: a catalogue read, no tenant data
    (await sql<{ n: number }>`select count(*)::int as n from pg_available_extensions where name = 'vector'`.execute(tx)).rows[0]!.n > 0);
  const keys = Object.keys(FACTS);
  const vectors = await embed(a, keys.map((k) => FACTS[k]!));
  factVectors = new Map(keys.map((k, i) => [k, vectors[i]!]));
  questionVectors = await embed(a, QUESTIONS.map(([q]) => q));
  await inT(a, (ctx) => indexMemories(ctx, keys.map((k) => ({ memoryId: k, agentId: 'agt_one', text: FACTS[k]!, embedding: factVectors.get(k)! }))));
}, 120_000);
afterAll(() => t?.stop());

describe('storage mode', () => {
  it('is pgvector where the extension is available (embedded PGlite), else real[] scored in SQL', async () => {
    const mode = await inT(a, (ctx) => recallMode(ctx.tx));
    expect(mode).toBe(vectorAvailable ? 'pgvector' : 'array');
    if (t.app.db.kind === 'pglite') expect(mode).toBe('pgvector');
    // Asked once per database: a second transaction gets the same answer without asking.
    expect(await inT(b, (ctx) => recallMode(ctx.tx))).toBe(mode);
  });

  it('forcing pgvector where the database has no vector column is refused', async () => {
    const forced = inT(a, (ctx) => recall(ctx, 'agt_one', questionVectors[0]!, 3, { mode: 'pgvector' }));
    if (vectorAvailable) expect((await forced)[0]!.memoryId).toBe('mem_coffee');
    else await expect(forced).rejects.toThrow(/no pgvector column/);
  });
});

describe('semantic recall', () => {
  const modes = (): (RecallMode | undefined)[] => (vectorAvailable ? [undefined, 'array'] : [undefined]);

  it('returns the right memory first for paraphrased questions, best first, scores = cosine', async () => {
    for (const mode of modes()) {
      for (const [i, [question, expected]] of QUESTIONS.entries()) {
        const hits = await inT(a, (ctx) => recall(ctx, 'agt_one', questionVectors[i]!, 3, { mode }));
        expect(hits, `${mode ?? 'default'}: ${question}`).toHaveLength(3);
        expect(hits[0]!.memoryId, `${mode ?? 'default'}: ${question}`).toBe(expected);
        expect(hits[0]!.score).toBeGreaterThanOrEqual(hits[1]!.score);
        expect(hits[1]!.score).toBeGreaterThanOrEqual(hits[2]!.score);
        expect(hits[0]!.score).toBeCloseTo(cosine(questionVectors[i]!, factVectors.get(expected)!), 4);
      }
    }
  });

  it('an exact fact is its own best match with similarity 1; k caps the answer; a store smaller than k returns all', async () => {
    const hits = await inT(a, (ctx) => recall(ctx, 'agt_one', factVectors.get('mem_dog')!, 20));
    expect(hits).toHaveLength(Object.keys(FACTS).length);
    expect(hits[0]).toMatchObject({ memoryId: 'mem_dog' });
    expect(hits[0]!.score).toBeCloseTo(1, 4);
    expect(await inT(a, (ctx) => recall(ctx, 'agt_one', factVectors.get('mem_dog')!, 1))).toHaveLength(1);
    expect(await inT(a, (ctx) => recall(ctx, 'agt_nobody', factVectors.get('mem_dog')!, 5))).toEqual([]);
  });

  it('refuses bad input: k out of range, empty, zero or non-finite embeddings, a memory listed twice', async () => {
    const q = questionVectors[0]!;
    await expect(inT(a, (ctx) => recall(ctx, 'agt_one', q, 0))).rejects.toThrow(/k is an integer/);
    await expect(inT(a, (ctx) => recall(ctx, 'agt_one', q, 101))).rejects.toThrow(/k is an integer/);
    await expect(inT(a, (ctx) => recall(ctx, 'agt_one', [], 3))).rejects.toThrow(/1 to 4096/);
    await expect(inT(a, (ctx) => recall(ctx, 'agt_one', [0, 0, 0], 3))).rejects.toThrow(/zero embedding/);
    await expect(inT(a, (ctx) => indexMemories(ctx, [{ memoryId: 'mem_nan', agentId: 'agt_one', text: 'x', embedding: [1, Number.NaN] }]))).rejects.toThrow(/finite/);
    const item = { memoryId: 'mem_twice', agentId: 'agt_one', text: 'x', embedding: [1, 0] };
    await expect(inT(a, (ctx) => indexMemories(ctx, [item, item]))).rejects.toThrow(/listed twice/);
  });

  it('compares only embeddings of the query\'s dimensions (another model\'s memories never come back)', async () => {
    await inT(a, (ctx) => indexMemories(ctx, [{ memoryId: 'mem_small', agentId: 'agt_one', text: 'three numbers', embedding: [0.1, 0.2, 0.3] }]));
    const small = await inT(a, (ctx) => recall(ctx, 'agt_one', [0.1, 0.2, 0.31], 5));
    expect(small).toHaveLength(1);
    expect(small[0]!.memoryId).toBe('mem_small');
    expect(small[0]!.score).toBeGreaterThan(0.99);
    const big = await inT(a, (ctx) => recall(ctx, 'agt_one', questionVectors[0]!, 20));
    expect(ids(big)).not.toContain('mem_small');
    await inT(a, (ctx) => forgetMemories(ctx, ['mem_small']));
  });
});

describe('isolation', () => {
  it('another tenant\'s memories never come back, even with the same agent id and the same texts', async () => {
    const keys = Object.keys(FACTS);
    await inT(b, (ctx) => indexMemories(ctx, keys.map((k) => ({ memoryId: `b_${k}`, agentId: 'agt_one', text: FACTS[k]!, embedding: factVectors.get(k)! }))));
    for (const v of questionVectors) {
      const fromA = await inT(a, (ctx) => recall(ctx, 'agt_one', v, 20));
      expect(ids(fromA).every((id) => id.startsWith('mem_'))).toBe(true);
      const fromB = await inT(b, (ctx) => recall(ctx, 'agt_one', v, 20));
      expect(ids(fromB).every((id) => id.startsWith('b_mem_'))).toBe(true);
    }
  });

  it('row-level security: a tenant transaction sees, changes and deletes only its own rows', async () => {
    const seen = await inT(b, async (ctx) => (await sql<{ memory_id: string }>`select memory_id from agent_recall`.execute(ctx.tx)).rows.map((r) => r.memory_id));
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((id) => id.startsWith('b_'))).toBe(true);
    // Forgetting another tenant's ids does nothing; taking over one of its ids is refused.
    await inT(b, (ctx) => forgetMemories(ctx, ['mem_coffee']));
    await expect(inT(b, (ctx) => indexMemories(ctx, [{ memoryId: 'mem_coffee', agentId: 'agt_one', text: 'hijack', embedding: factVectors.get('mem_coffee')! }]))).rejects.toThrow();
    // Even a query that names another tenant sees nothing of it.
    const crossed = await inT(b, async (ctx) => (await sql<{ n: number }>`select count(*)::int as n from agent_recall where tenant_id = ${a.tenantId}`.execute(ctx.tx)).rows[0]!.n);
    expect(crossed).toBe(0);
    const mine = await inT(a, (ctx) => recall(ctx, 'agt_one', questionVectors[0]!, 1));
    expect(mine[0]).toMatchObject({ memoryId: 'mem_coffee' });
    const text = await inT(a, async (ctx) => (await ctx.tx.selectFrom('agent_recall').select('text').where('memory_id', '=', 'mem_coffee').executeTakeFirstOrThrow()).text);
    expect(text).toBe(FACTS.mem_coffee);
  });

  it('another agent\'s memories in the same tenant never come back', async () => {
    await inT(a, (ctx) => indexMemories(ctx, [{ memoryId: 'mem_two_coffee', agentId: 'agt_two', text: FACTS.mem_coffee!, embedding: factVectors.get('mem_coffee')! }]));
    const one = await inT(a, (ctx) => recall(ctx, 'agt_one', factVectors.get('mem_coffee')!, 20));
    expect(ids(one)).not.toContain('mem_two_coffee');
    const two = await inT(a, (ctx) => recall(ctx, 'agt_two', factVectors.get('mem_coffee')!, 20));
    expect(ids(two)).toEqual(['mem_two_coffee']);
  });
});

describe('upsert and forget', () => {
  it('indexing a memory again replaces its text and embedding; forgetting removes it at once', async () => {
    const [moved] = await embed(a, ['Dana switched to green tea with honey.']);
    const [teaQuestion] = await embed(a, ['What does Dana drink now, tea?']);
    await inT(a, (ctx) => indexMemories(ctx, [{ memoryId: 'mem_drink', agentId: 'agt_three', text: FACTS.mem_car!, embedding: factVectors.get('mem_car')! }]));
    await inT(a, (ctx) => indexMemories(ctx, [{ memoryId: 'mem_drink', agentId: 'agt_three', text: 'Dana switched to green tea with honey.', embedding: moved! }]));
    const hits = await inT(a, (ctx) => recall(ctx, 'agt_three', teaQuestion!, 5));
    expect(ids(hits)).toEqual(['mem_drink']);
    expect(hits[0]!.score).toBeCloseTo(cosine(teaQuestion!, moved!), 4);
    const rows = await inT(a, async (ctx) => ctx.tx.selectFrom('agent_recall').select(['text', 'agent_id']).where('memory_id', '=', 'mem_drink').execute());
    expect(rows).toEqual([{ text: 'Dana switched to green tea with honey.', agent_id: 'agt_three' }]);
    await inT(a, (ctx) => forgetMemories(ctx, ['mem_drink', 'mem_never_there']));
    expect(await inT(a, (ctx) => recall(ctx, 'agt_three', teaQuestion!, 5))).toEqual([]);
    await inT(a, (ctx) => forgetMemories(ctx, []));
  });
});

describe('the two storage modes', () => {
  it('give the same top results on the same data', async () => {
    // 400 synthetic memories of one agent beside the facts, then the same questions both ways.
    const rand = mulberry32(7);
    const dims = questionVectors[0]!.length;
    const noise = Array.from({ length: 400 }, (_, i) => ({ memoryId: `mem_noise_${i}`, agentId: 'agt_modes', text: `noise ${i}`, embedding: Array.from({ length: dims }, () => rand() - 0.5) }));
    const facts = Object.keys(FACTS).map((k) => ({ memoryId: `modes_${k}`, agentId: 'agt_modes', text: FACTS[k]!, embedding: factVectors.get(k)! }));
    await inT(a, (ctx) => indexMemories(ctx, [...noise, ...facts]));
    const probes = [...questionVectors, ...noise.slice(0, 5).map((n) => n.embedding)];
    for (const v of probes) {
      const array = await inT(a, (ctx) => recall(ctx, 'agt_modes', v, 5, { mode: 'array' }));
      const chosen = await inT(a, (ctx) => recall(ctx, 'agt_modes', v, 5));
      expect(ids(chosen)).toEqual(ids(array));
      for (const [i, h] of chosen.entries()) expect(h.score).toBeCloseTo(array[i]!.score, 4);
    }
    if (vectorAvailable) {
      // And pgvector answers from its HNSW index (recall.ts switches sorting off for its query:
      // without statistics the planner would sort the agent's store), leaving the setting as it was.
      const [plan, sortAfter] = await inT(a, async (ctx) => {
        await sql`select set_config('enable_sort', 'off', true)`.execute(ctx.tx);
        const p = (await sql<{ 'QUERY PLAN': string }>`explain select memory_id from agent_recall where tenant_id = ${a.tenantId} and agent_id = 'agt_modes' and vec is not null order by vec <=> ${`[${questionVectors[0]!.join(',')}]`}::vector limit 5`.execute(ctx.tx)).rows.map((r) => r['QUERY PLAN']).join('\n');
        await sql`select set_config('enable_sort', 'on', true)`.execute(ctx.tx);
        await recall(ctx, 'agt_modes', questionVectors[0]!, 5);
        return [p, (await sql<{ s: string }>`select current_setting('enable_sort') as s`.execute(ctx.tx)).rows[0]!.s];
      });
      expect(plan).toMatch(/agent_recall_vec_hnsw/);
      expect(sortAfter).toBe('on');
    }
  }, 60_000);
});

function cosine(x: number[], y: number[]): number {
  let dot = 0, nx = 0, ny = 0;
  for (let i = 0; i < x.length; i++) { dot += x[i]! * y[i]!; nx += x[i]! * x[i]!; ny += y[i]! * y[i]!; }
  return dot / Math.sqrt(nx * ny);
}

function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let r = Math.imul(s ^ (s >>> 15), 1 | s);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}
