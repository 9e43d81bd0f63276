// How a diff reads to a person: which fields changed, from what to what.
import type { Diff, Json } from '../../../sdk/src/index.js';

type Obj = Record<string, Json>;
const asObj = (v: Json | null | undefined): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

export type FieldChange = { key: string; before: Json | undefined; after: Json | undefined; changed: boolean };

/** Every field of before ∪ after, in a stable order, marking the ones whose value differs. */
export function fieldChanges(before: Json | null | undefined, after: Json | null | undefined): FieldChange[] {
  const b = asObj(before);
  const a = asObj(after);
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  return keys.map((key) => ({ key, before: b[key], after: a[key], changed: JSON.stringify(b[key]) !== JSON.stringify(a[key]) }));
}

export function showValue(v: Json | undefined): string {
  if (v === undefined) return '—';
  if (v === null) return '∅';
  if (typeof v === 'string') return v;
  return JSON.stringify(v, null, 1);
}

/** A short label for the entity a diff is about: its name when the diff carries it. */
export function entityName(diff: Diff, names: Map<string, string>): string {
  const n = asObj(diff.after).name ?? asObj(diff.before).name;
  if (typeof n === 'string') return n;
  // An invitation is known by the address it went to, a session by its person.
  const email = diff.entity_type === 'invitation' ? (asObj(diff.after).email ?? asObj(diff.before).email) : undefined;
  if (typeof email === 'string') return email;
  if (diff.entity_type === 'session' && diff.actor.type === 'user' && names.has(diff.actor.id)) return names.get(diff.actor.id)!;
  // A membership's id is "<tenant>:<user>": name the person.
  const id = diff.entity_type === 'membership' ? (diff.entity_id.split(':').pop() ?? diff.entity_id) : diff.entity_id;
  return names.get(id) ?? names.get(diff.entity_id) ?? id;
}

/** The first why on a diff, if anyone gave one. */
export const firstWhy = (diff: Diff): string | undefined => diff.annotations?.[0]?.why;
