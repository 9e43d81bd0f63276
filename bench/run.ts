// `npm run bench [name ...] [--flags]`: runs bench/<name>.bench.ts (all of them when no
// name is given) one after another, each in its own process so pools, memory and JIT
// state never leak between measurements. Benches print JSON lines on stdout (passed
// through untouched) and progress on stderr; flags are forwarded to every bench:
//   --pglite (embedded PGlite instead of a fresh database on ATRIUM_BENCH_DATABASE_URL),
//   --rows=N (diff-listing, or ATRIUM_BENCH_ROWS), --queries=N, --batch=N, --round-ms=N,
//   --diffs=N, --calls=N, --peer-calls=N (replay).
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
const SUFFIX = '.bench.ts';

const available = readdirSync(BENCH_DIR)
  .filter((f) => f.endsWith(SUFFIX))
  .map((f) => f.slice(0, -SUFFIX.length))
  .sort();

const args = process.argv.slice(2);
const flags = args.filter((a) => a.startsWith('--'));
const named = args.filter((a) => !a.startsWith('--')).map((a) => a.replace(/^bench\//, '').replace(SUFFIX, ''));
const unknown = named.filter((n) => !available.includes(n));
if (unknown.length > 0) {
  process.stderr.write(`unknown bench: ${unknown.join(', ')} (available: ${available.join(', ')})\n`);
  process.exit(2);
}

function runOne(name: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `${BENCH_DIR}${name}${SUFFIX}`, ...flags], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', (err) => {
      process.stderr.write(`[bench] ${name}: ${err.message}\n`);
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const failed: string[] = [];
for (const name of named.length > 0 ? named : available) {
  process.stderr.write(`[bench] ── ${name}\n`);
  const t0 = performance.now();
  const code = await runOne(name);
  process.stderr.write(`[bench] ── ${name}: ${code === 0 ? 'done' : `FAILED (exit ${code})`} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  if (code !== 0) failed.push(name);
}
if (failed.length > 0) {
  process.stderr.write(`[bench] failed: ${failed.join(', ')}\n`);
  process.exit(1);
}
