// Names of tasks and workflows for diffs that only carry the changed fields: learnt from
// whatever the app has loaded, and otherwise replayed once from the ledger (the entity's
// state at the diff's time) and remembered for the session.
import { useEffect, useState } from 'react';
import type { Diff, Json } from '../../../sdk/src/index.js';
import { api } from '../api';

const known = new Map<string, string>();
const pending = new Set<string>();
const listeners = new Set<() => void>();

export function learnNames(items: Array<{ id: string; name: string }>): void {
  let changed = false;
  for (const i of items) {
    if (known.get(i.id) !== i.name) {
      known.set(i.id, i.name);
      changed = true;
    }
  }
  if (changed) for (const l of listeners) l();
}

async function resolve(diff: Diff): Promise<void> {
  pending.add(diff.entity_id);
  try {
    const { state } = await api.entities.stateAt(diff.entity_type, diff.entity_id, diff.created_at);
    const name = state && typeof state === 'object' && !Array.isArray(state) ? (state as Record<string, Json>).name : undefined;
    if (typeof name === 'string') learnNames([{ id: diff.entity_id, name }]);
  } catch {
    /* keep the id */
  }
}

const NAMED = new Set(['task', 'workflow', 'tenant']);

/** A map of names for the entities of these diffs (and the extra names given). */
export function useNames(diffs: Diff[], extra: Map<string, string>): Map<string, string> {
  const [, bump] = useState(0);
  useEffect(() => {
    const l = () => bump((n) => n + 1);
    listeners.add(l);
    return () => {
      listeners.delete(l);
    };
  }, []);
  // Names the diffs carry themselves (a created diff has the whole entity).
  const own = new Map<string, string>();
  for (const d of diffs) {
    const name = (d.after as Record<string, Json> | null)?.name ?? (d.before as Record<string, Json> | null)?.name;
    if (typeof name === 'string') own.set(d.entity_id, name);
  }
  useEffect(() => {
    for (const d of diffs) {
      if (NAMED.has(d.entity_type) && !own.has(d.entity_id) && !known.has(d.entity_id) && !extra.has(d.entity_id) && !pending.has(d.entity_id)) void resolve(d);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [diffs, extra]);
  const out = new Map(extra);
  for (const [k, v] of known) out.set(k, v);
  for (const [k, v] of own) if (!out.has(k)) out.set(k, v);
  return out;
}
