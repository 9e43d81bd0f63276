// `atrium diffs tail [--namespace ns] [--follow]`: the latest diffs, oldest first, one per line;
// --follow polls every second for newer ones (`since` = the newest created_at seen, >=, so the
// ids already printed at that instant are skipped).
import type { Api } from './api.js';
import { EXIT, line, printJson, sleep, type CliIo } from './io.js';

type Diff = { id: string; created_at: string; namespace: string; event: string; entity_type: string; entity_id: string; actor: { type: string; id: string } };

const diffLine = (d: Diff) => `${d.id}  ${d.created_at}  ${d.namespace}  ${d.event}  ${d.entity_type}:${d.entity_id}  ${d.actor.type}:${d.actor.id}`;

export async function diffsTail(api: Api, io: CliIo, args: { namespace?: string; follow: boolean; json: boolean }): Promise<number> {
  const query = (since?: string) => {
    const q = new URLSearchParams();
    if (args.namespace) q.set('namespace', args.namespace);
    if (since) q.set('since', since);
    q.set('limit', since ? '200' : '50');
    return `/v1/diffs?${q}`;
  };
  const seen = new Set<string>();
  let newest: string | undefined;
  const emit = (diffs: Diff[]) => {
    const fresh = diffs.filter((d) => !seen.has(d.id)).reverse(); // the API answers newest first
    for (const d of fresh) {
      seen.add(d.id);
      if (!newest || d.created_at > newest) newest = d.created_at;
      if (args.json && args.follow) line(io.stdout, JSON.stringify(d));
      else if (!args.json) line(io.stdout, diffLine(d));
    }
    return fresh;
  };
  const first = emit(await api.get<Diff[]>(query()));
  if (args.json && !args.follow) printJson(io.stdout, first);
  if (!args.follow) return EXIT.ok;
  while (!io.signal?.aborted) {
    await sleep(io.pollMs?.diffs ?? 1000, io.signal);
    if (io.signal?.aborted) break;
    const page = await api.get<Diff[]>(query(newest));
    // Only ids at the newest instant need remembering.
    emit(page);
    if (newest) for (const id of [...seen]) if (!page.some((d) => d.id === id)) seen.delete(id);
  }
  return EXIT.ok;
}
