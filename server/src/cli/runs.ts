// `atrium runs start|logs|replay`: start a run and watch its steps, print its journal, replay it.
import type { Api } from './api.js';
import { EXIT, line, printJson, sleep, table, usageError, type CliIo } from './io.js';

export type StepView = { key: string; type: string; attempt: number; status: string; branch: string | null; input?: unknown; output?: unknown; error: unknown; started_at?: string; finished_at?: string | null };
export type RunView = { id: string; flow_key?: string; status: string; version: string; input?: unknown; output?: unknown; error: unknown; steps?: StepView[]; waits?: unknown[] };

export const FINISHED = new Set(['completed', 'failed', 'compensated', 'compensation_failed', 'cancelled']);
export const exitFor = (status: string) => (status === 'completed' ? EXIT.ok : EXIT.failed);

export function errorText(error: unknown): string {
  if (error === null || error === undefined) return '';
  if (typeof error === 'string') return error;
  if (typeof error === 'object') {
    const e = error as { code?: unknown; message?: unknown };
    if (typeof e.message === 'string') return typeof e.code === 'string' ? `${e.code}: ${e.message}` : e.message;
  }
  return JSON.stringify(error);
}

/** Parses `--input k=v` (v as JSON when it parses, else the string) over `--input-json`. */
export function parseInput(pairs: string[], json: string | undefined): Record<string, unknown> {
  let input: Record<string, unknown> = {};
  if (json !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch (err) {
      throw usageError(`--input-json is not JSON: ${(err as Error).message}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw usageError('--input-json must be a JSON object');
    input = { ...(parsed as Record<string, unknown>) };
  }
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw usageError(`--input expects key=value, got "${pair}"`);
    const raw = pair.slice(eq + 1);
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    input[pair.slice(0, eq)] = value;
  }
  return input;
}

const attemptId = (s: StepView) => `${s.branch ?? ''}\u0000${s.key}\u0000${s.attempt}`;

function stepLine(s: StepView): string {
  const where = `${s.key} (${s.type}) attempt ${s.attempt}${s.branch ? ` [${s.branch}]` : ''}`;
  if (s.status === 'waiting') return `… ${where} waiting`;
  if (s.status === 'failed' || s.status === 'compensation_failed') return `✗ ${where}${s.status === 'compensation_failed' ? ' compensation failed' : ''}: ${errorText(s.error)}`;
  if (s.status === 'skipped') return `- ${where} skipped`;
  if (s.status === 'compensated') return `↺ ${where} compensated`;
  return `✓ ${where}`;
}

/**
 * Polls the run until it finishes (or the signal aborts), printing each step attempt once per
 * status it shows (a waiting step is printed again when it completes). Returns the last run seen.
 */
export async function watchRun(api: Api, io: CliIo, id: string, quiet: boolean): Promise<RunView> {
  const printed = new Map<string, string>();
  let lastStatus = '';
  for (;;) {
    const run = await api.get<RunView>(`/v1/runs/${encodeURIComponent(id)}`);
    if (!quiet) {
      for (const s of run.steps ?? []) {
        const k = attemptId(s);
        if (printed.get(k) === s.status) continue;
        printed.set(k, s.status);
        line(io.stdout, stepLine(s));
      }
      if (run.status === 'waiting' && lastStatus !== 'waiting') line(io.stdout, '… waiting');
    }
    lastStatus = run.status;
    if (FINISHED.has(run.status) || io.signal?.aborted) return run;
    await sleep(io.pollMs?.run ?? 500, io.signal);
  }
}

function printFinal(io: CliIo, run: RunView): void {
  line(io.stdout, `run ${run.id} ${run.status}${run.error ? `: ${errorText(run.error)}` : ''}`);
  if (run.status === 'completed' && run.output !== undefined) line(io.stdout, `output: ${JSON.stringify(run.output)}`);
}

/** Ends a started (or replayed) run's command: prints it, or watches it to the end. */
async function afterStart(api: Api, io: CliIo, run: RunView, opts: { watch: boolean; json: boolean }, verb: string): Promise<number> {
  if (!opts.watch) {
    if (opts.json) printJson(io.stdout, run);
    else line(io.stdout, `run ${run.id} ${verb} (${run.status}${run.flow_key ? `, flow ${run.flow_key}` : ''}, version ${run.version})`);
    return EXIT.ok;
  }
  if (!opts.json) line(io.stdout, `run ${run.id} ${verb}${run.flow_key ? ` (flow ${run.flow_key} ${run.version})` : ''}`);
  const final = await watchRun(api, io, run.id, opts.json);
  if (opts.json) printJson(io.stdout, final);
  else printFinal(io, final);
  return FINISHED.has(final.status) ? exitFor(final.status) : EXIT.failed;
}

export async function runsStart(api: Api, io: CliIo, args: { flow?: string; input: string[]; inputJson?: string; watch: boolean; json: boolean }): Promise<number> {
  if (!args.flow) throw usageError('usage: atrium runs start <flow> [--input k=v ...] [--input-json \'{...}\'] [--watch]');
  const input = parseInput(args.input, args.inputJson);
  const run = await api.post<RunView>(`/v1/flows/${encodeURIComponent(args.flow)}/runs`, { input, trigger: 'cli' });
  return afterStart(api, io, run, args, 'started');
}

export async function runsReplay(api: Api, io: CliIo, args: { id?: string; watch: boolean; json: boolean }): Promise<number> {
  if (!args.id) throw usageError('usage: atrium runs replay <run id> [--watch]');
  const run = await api.post<RunView>(`/v1/runs/${encodeURIComponent(args.id)}/replay`, {});
  return afterStart(api, io, run, args, `started (replay of ${args.id})`);
}

function journal(run: RunView): string {
  const rows = (run.steps ?? []).map((s) => [s.key, s.type, String(s.attempt), s.status, s.branch ?? '', errorText(s.error)]);
  return table(['STEP', 'TYPE', 'ATTEMPT', 'STATUS', 'BRANCH', 'ERROR'], rows);
}

export async function runsLogs(api: Api, io: CliIo, args: { id?: string; follow: boolean; json: boolean }): Promise<number> {
  if (!args.id) throw usageError('usage: atrium runs logs <run id> [--follow]');
  const path = `/v1/runs/${encodeURIComponent(args.id)}`;
  if (args.follow) {
    if (!args.json) line(io.stdout, `run ${args.id}`);
    const final = await watchRun(api, io, args.id, args.json);
    if (args.json) printJson(io.stdout, final);
    else printFinal(io, final);
    return FINISHED.has(final.status) ? exitFor(final.status) : EXIT.failed;
  }
  const run = await api.get<RunView>(path);
  if (args.json) {
    printJson(io.stdout, run);
    return EXIT.ok;
  }
  line(io.stdout, `run ${run.id}  flow ${run.flow_key ?? '?'} ${run.version}  ${run.status}${run.error ? `: ${errorText(run.error)}` : ''}`);
  line(io.stdout, journal(run));
  return EXIT.ok;
}
