// Atrium as a contestant of the flows bench: the same durable 3-step flow (command →
// transform → command) as an orchestration flow, in process, on its own fresh server
// database. Each command step writes an ordinary diff through the command registry
// (`ledger.record_event`), journalled in the transaction of that diff; a run is started with
// the start command and counts as done when the executor reports it completed.
import { createApp, type App } from '../server/src/app.js';
import { loadConfig } from '../server/src/config.js';
import { inTenant } from '../server/src/platform/context.js';
import { dropDatabase, recreateDatabase, type Contestant } from './flows-peers.js';

/** The app in role `all` (HTTP not listening) on a database: its executor advances the runs it starts. */
export async function startExecutingApp(databaseUrl: string, sizes: { poolMax: number; flowSlots: number }): Promise<App> {
  const config = loadConfig({}, { port: 0, databaseUrl, logLevel: 'silent', seedDemo: false, jobs: false, ...sizes });
  const app = await createApp(config);
  await app.migrate();
  await app.start('all', { listen: false });
  return app;
}

/** The same on a scratch database of its own, dropped on close. */
async function startAll(inFlight: number, db: string): Promise<{ app: App; close(): Promise<void> }> {
  const app = await startExecutingApp(await recreateDatabase(db), { poolMax: inFlight + 8, flowSlots: inFlight * 2 });
  return {
    app,
    async close() {
      await app.stop();
      await dropDatabase(db);
    },
  };
}

const FLOW = {
  key: 'bench3', name: 'Bench: command → transform → command',
  input: { type: 'object', properties: { i: { type: 'number' } } },
  steps: [
    { id: 'one', type: 'command', command: 'ledger.record_event', input: { namespace: 'bench_effects', entity_type: 'item', entity_id: '{{ run.id }}', event: 'item.one', after: { i: '{{ input.i }}' } } },
    { id: 'shape', type: 'transform', value: { i: '{{ steps.one.output.after.i * 2 }}', id: '{{ run.id }}' }, after: ['one'] },
    { id: 'two', type: 'command', command: 'ledger.record_event', input: { namespace: 'bench_effects', entity_type: 'item', entity_id: '{{ steps.shape.output.id }}', event: 'item.two', after: { i: '{{ steps.shape.output.i }}' } }, after: ['shape'] },
  ],
};

export function atriumFlowsContestant(options: { inFlight: number; db: string }): Contestant {
  let env: { app: App; close(): Promise<void> } | null = null;
  let tenantId = '';
  let userId = '';
  const waiting = new Map<string, { resolve: () => void; reject: (e: Error) => void }>();
  const early = new Map<string, string>();
  let unwatch: (() => void) | null = null;
  let completed = 0;
  return {
    name: 'atrium',
    describe: 'orchestration flow, 3 steps (ledger.record_event → transform → ledger.record_event), each step journalled in its effect’s transaction',
    async setup() {
      env = await startAll(options.inFlight, options.db);
      const owner = await env.app.identity.createTenantWithOwner({ name: 'Bench flows', plan: 'enterprise', owner: { email: 'bench-flows@example.test', name: 'Bench' } });
      tenantId = owner.tenantId;
      userId = owner.userId;
      await inTenant(env.app.db, { tenantId, actor: { type: 'user', id: userId } }, (ctx) => env!.app.commands.run(ctx, 'orchestration.create_flow', { definition: FLOW }));
      unwatch = env.app.orchestration.executor.watch(({ id, status }) => {
        const w = waiting.get(id);
        if (status !== 'completed' && status !== 'failed') return;
        if (!w) { early.set(id, status); return; }
        waiting.delete(id);
        if (status === 'completed') { completed += 1; w.resolve(); } else w.reject(new Error(`run ${id} ${status}`));
      });
    },
    async runOne(i: number) {
      const app = env!.app;
      const out = await inTenant(app.db, { tenantId, actor: { type: 'user', id: userId } }, (ctx) => app.commands.run<{ run: { id: string } }>(ctx, 'orchestration.start_run', { flow: 'bench3', input: { i } }));
      const id = out.run.id;
      const done = early.get(id);
      if (done) { early.delete(id); if (done !== 'completed') throw new Error(`run ${id} ${done}`); completed += 1; return; }
      await new Promise<void>((resolve, reject) => waiting.set(id, { resolve, reject }));
    },
    async verify(runs: number) {
      const rows = (await env!.app.db.ownerExecutor.executeSql(`select count(*)::int as n from diffs where tenant_id = $1 and namespace = 'bench_effects'`, [tenantId])).rows as { n: number }[];
      const journal = (await env!.app.db.ownerExecutor.executeSql(`select count(*)::int as n from flow_steps where tenant_id = $1 and status = 'completed'`, [tenantId])).rows as { n: number }[];
      if (completed < runs) throw new Error(`atrium: ${completed} runs completed, expected at least ${runs}`);
      if (rows[0]!.n !== 2 * completed) throw new Error(`atrium: expected ${2 * completed} effect diffs, found ${rows[0]!.n}`);
      if (journal[0]!.n !== 3 * completed) throw new Error(`atrium: expected ${3 * completed} journal rows, found ${journal[0]!.n}`);
    },
    async teardown() {
      unwatch?.();
      await env?.close();
      env = null;
    },
  };
}
