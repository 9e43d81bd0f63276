// Resident memory of a Linux process from /proc: VmRSS and VmHWM (the peak), and a split of
// the resident pages by kind of mapping, read from /proc/<pid>/smaps:
//   file_mb           file-backed: the node binary, shared libraries, native addons
//   malloc_arenas_mb  glibc's per-thread malloc arenas (anonymous 64 MB-aligned heaps of at most
//                     64 MB — a heuristic): memory that V8's background threads (compilation,
//                     GC) and libuv's pool allocated and freed but glibc keeps
//   other_anon_mb     the rest: V8's heap and code, WebAssembly memory (PGlite), the main arena
// Elsewhere (no /proc) the fields are NaN / null.
import { readFileSync } from 'node:fs';

const round1 = (n: number) => Number(n.toFixed(1));

export type ProcStatus = { rss_mb: number; peak_mb: number };

export function procStatus(pid: number | 'self'): ProcStatus {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? Number.NaN);
    return { rss_mb: round1(kb('VmRSS') / 1024), peak_mb: round1(kb('VmHWM') / 1024) };
  } catch {
    return { rss_mb: Number.NaN, peak_mb: Number.NaN };
  }
}

export type RssSplit = { file_mb: number; malloc_arenas_mb: number; other_anon_mb: number };

const ARENA = 64 * 1024 * 1024;

export function rssSplit(pid: number | 'self'): RssSplit | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/smaps`, 'utf8');
  } catch {
    return null;
  }
  const kb = { file: 0, arena: 0, anon: 0 };
  let kind: keyof typeof kb = 'anon';
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (m) {
      const start = Number.parseInt(m[1]!, 16);
      const size = Number.parseInt(m[2]!, 16) - start;
      const name = m[3]!;
      kind = name.startsWith('/') ? 'file' : name === '' && start % ARENA === 0 && size <= ARENA ? 'arena' : 'anon';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) kb[kind] += Number(rss[1]);
  }
  return { file_mb: round1(kb.file / 1024), malloc_arenas_mb: round1(kb.arena / 1024), other_anon_mb: round1(kb.anon / 1024) };
}
