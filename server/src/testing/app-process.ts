// Test-only entry point: one Atrium app in its own OS process, started by `runTestApp`
// (processes.ts) as `node --import tsx app-process.ts <role>`. Unlike the `atrium` command it
// takes its whole configuration from ATRIUM_TEST_APP_CONFIG (JSON, over the environment's
// settings: loopback AI providers, small retry steps) and runs on a test clock: wall time plus
// ATRIUM_TEST_APP_CLOCK_OFFSET_MS, which the parent moves over IPC. Messages from the parent:
//   { id, op: 'clock', offsetMs }  the clock now reads wall time + offsetMs
//   { id, op: 'ai-settled' }       waits until this process's AI calls are metered
// each answered { id } or { id, error }. Prints `atrium test app (<role>) up[ at <url>]` once
// the role runs; SIGTERM/SIGINT stop the app and exit 0.
import { createApp, type Role } from '../app.js';
import { loadConfig, type AtriumConfig } from '../config.js';

const role = (process.argv[2] ?? 'serve') as Role;
if (!['serve', 'worker', 'all'].includes(role)) throw new Error(`unknown role ${role}`);
const overrides = JSON.parse(process.env.ATRIUM_TEST_APP_CONFIG ?? '{}') as Partial<AtriumConfig>;
let offsetMs = Number(process.env.ATRIUM_TEST_APP_CLOCK_OFFSET_MS ?? '0');
const now = (): Date => new Date(Date.now() + offsetMs);

const app = await createApp(loadConfig(process.env, overrides), { now });

type Message = { id: number; op: string; offsetMs?: number };
process.on('message', (raw: unknown) => {
  const m = raw as Message;
  const run = async (): Promise<void> => {
    switch (m.op) {
      case 'clock':
        if (typeof m.offsetMs !== 'number' || !Number.isFinite(m.offsetMs)) throw new Error('clock: offsetMs must be a number');
        offsetMs = m.offsetMs;
        return;
      case 'ai-settled':
        await app.ai.settled();
        return;
      default:
        throw new Error(`unknown op ${m.op}`);
    }
  };
  run().then(
    () => process.send?.({ id: m.id }),
    (err: unknown) => process.send?.({ id: m.id, error: err instanceof Error ? err.message : String(err) }),
  );
});

let stopping = false;
const shutdown = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  try {
    await app.stop();
    process.exit(0);
  } catch (err) {
    console.error(err);
    process.exit(1);
  }
};
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
// The parent went away (its IPC channel closed): nothing is left to serve.
process.on('disconnect', () => void shutdown());

const url = await app.start(role);
console.log(`atrium test app (${role}) up${url ? ` at ${url}` : ''}`);
