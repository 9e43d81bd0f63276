// The client CLI's input/output: where it writes, its environment, and the exit codes it ends with.

export type Writer = { write(text: string): unknown };

export type CliIo = {
  env: Record<string, string | undefined>;
  stdout: Writer;
  stderr: Writer;
  /** The HTTP client (tests may inject one); the global fetch by default. */
  fetch?: typeof fetch;
  /** Aborting stops `--follow` / `--watch` polling (tests; Ctrl-C in a terminal ends the process anyway). */
  signal?: AbortSignal;
  /** Poll intervals in ms (tests may shorten them). */
  pollMs?: { run?: number; diffs?: number };
  /** The working directory relative file paths resolve against; process.cwd() by default. */
  cwd?: string;
};

export const EXIT = { ok: 0, failed: 1, usage: 2, auth: 3, notFound: 4 } as const;

/** An error that ends the command with this exit code and message (printed to stderr). */
export class CliError extends Error {
  constructor(readonly exitCode: number, message: string) {
    super(message);
  }
}

export const usageError = (message: string) => new CliError(EXIT.usage, message);

export const line = (w: Writer, text = '') => w.write(`${text}\n`);

export const printJson = (w: Writer, value: unknown) => line(w, JSON.stringify(value, null, 2));

/** Aligned columns with a header row. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [fmt(headers), ...rows.map(fmt)].join('\n');
}

export const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((resolve) => {
  if (signal?.aborted) return resolve();
  const timer = setTimeout(done, ms);
  function done() { clearTimeout(timer); signal?.removeEventListener('abort', done); resolve(); }
  signal?.addEventListener('abort', done, { once: true });
});
