// The visual editor's model: a definition parsed from JSON or YAML text, written back in the same
// format, and the edits the palette, the step form and the graph make on it (pure functions).
import { parse, stringify } from 'yaml';
import type { Definition, StepDef } from './api';

export type TextFormat = 'json' | 'yaml';
export type Parsed = { definition: Definition; format: TextFormat } | { error: string; format: TextFormat };

export const STEP_TYPES = ['command', 'http', 'llm', 'task', 'approval', 'wait', 'condition', 'switch', 'parallel', 'for_each', 'sub_flow', 'transform'] as const;
export type StepType = (typeof STEP_TYPES)[number];

/** JSON when the text starts with `{`, else YAML. */
export const formatOf = (text: string): TextFormat => (text.trimStart().startsWith('{') ? 'json' : 'yaml');

export function parseText(text: string): Parsed {
  const format = formatOf(text);
  try {
    const d: unknown = format === 'json' ? JSON.parse(text) : parse(text);
    if (!d || typeof d !== 'object' || Array.isArray(d)) return { error: 'not an object', format };
    const def = d as Definition;
    if (def.steps !== undefined && !Array.isArray(def.steps)) return { error: 'steps: not a list', format };
    return { definition: def, format };
  } catch (err) {
    return { error: (err as Error).message.split('\n')[0] ?? String(err), format };
  }
}

export const writeText = (d: Definition, format: TextFormat): string =>
  format === 'json' ? JSON.stringify(d, null, 2) : stringify(d, { lineWidth: 0 });

/** Sensible, valid where possible, fields of a new step. */
export function defaultFields(type: StepType): Record<string, unknown> {
  switch (type) {
    case 'command': return { command: 'notifications.notify', input: { to: ['role:admin'], title: 'Hello' } };
    case 'http': return { method: 'POST', url: 'https://example.com/hook', body: {} };
    case 'llm': return { alias: 'default', prompt: 'Write a short summary.' };
    case 'task': return { workflow_id: '', name: 'New task' };
    case 'approval': return { title: 'Approve?', approvers: ['role:admin'], required: 1, exclude_starter: true };
    case 'wait': return { seconds: 60 };
    case 'condition': return { if: 'true' };
    case 'switch': return { value: "'a'", cases: ['a', 'b'] };
    case 'parallel': return {};
    case 'for_each': return { items: '[1, 2, 3]', step: { type: 'transform', value: '{{ item }}' } };
    case 'sub_flow': return { flow: '' };
    case 'transform': return { value: '' };
  }
}

export function uniqueId(steps: readonly StepDef[], type: string): string {
  const ids = new Set(steps.map((s) => s.id));
  for (let n = 1; ; n++) if (!ids.has(`${type}_${n}`)) return `${type}_${n}`;
}

const stepsOf = (d: Definition): StepDef[] => d.steps ?? [];
const edgeFrom = (e: string): string => e.split(':')[0]!;

/** Adds a step of a type after the given step (when any); returns the definition and its index. */
export function addStep(d: Definition, type: StepType, after?: string): { definition: Definition; index: number } {
  const steps = stepsOf(d);
  const step: StepDef = { id: uniqueId(steps, type), type, ...(after && { after: [after] }), ...defaultFields(type) };
  return { definition: { ...d, steps: [...steps, step] }, index: steps.length };
}

/** Removes a step, and every edge to it. */
export function deleteStep(d: Definition, index: number): Definition {
  const gone = stepsOf(d)[index]?.id;
  return {
    ...d,
    steps: stepsOf(d).filter((_, i) => i !== index).map((s) => {
      if (!s.after?.some((e) => edgeFrom(e) === gone)) return s;
      const after = s.after.filter((e) => edgeFrom(e) !== gone);
      const { after: _a, ...rest } = s;
      return (after.length ? { ...rest, after } : rest) as StepDef;
    }),
  };
}

/** Sets a field of a step (`a.b` for a nested one); undefined or '' removes it. Renaming an id follows the edges. */
export function setField(d: Definition, index: number, path: string, value: unknown): Definition {
  const steps = stepsOf(d).map((s) => ({ ...s }));
  const step = steps[index];
  if (!step) return d;
  const [head, sub] = path.split('.') as [string, string | undefined];
  const empty = value === undefined || value === '' || (Array.isArray(value) && value.length === 0 && head === 'after');
  if (sub) {
    const obj = { ...((step[head] as Record<string, unknown> | undefined) ?? {}) };
    if (empty) delete obj[sub];
    else obj[sub] = value;
    if (Object.keys(obj).length) step[head] = obj;
    else delete step[head];
  } else if (empty && head !== 'id' && head !== 'type') delete step[head];
  else step[head] = value;
  if (head === 'id' && typeof value === 'string') {
    const old = stepsOf(d)[index]!.id;
    for (const s of steps) {
      if (s.after?.some((e) => edgeFrom(e) === old)) s.after = s.after.map((e) => (edgeFrom(e) === old ? value + e.slice(old.length) : e));
    }
  }
  steps[index] = step;
  return { ...d, steps };
}

/** Adds `from` (a step id, or id:branch) to the `after` of the step `to`. */
export function connect(d: Definition, from: string, to: string): Definition {
  const i = stepsOf(d).findIndex((s) => s.id === to);
  const s = stepsOf(d)[i];
  if (!s || from === to || (s.after ?? []).includes(from)) return d;
  return setField(d, i, 'after', [...(s.after ?? []), from]);
}

/** Removes the edge `edge` (as written in `after`) from the step `to`. */
export function disconnect(d: Definition, edge: string, to: string): Definition {
  const i = stepsOf(d).findIndex((s) => s.id === to);
  const s = stepsOf(d)[i];
  if (!s) return d;
  return setField(d, i, 'after', (s.after ?? []).filter((e) => e !== edge));
}

export const splitList = (text: string): string[] => text.split(',').map((x) => x.trim()).filter(Boolean);
