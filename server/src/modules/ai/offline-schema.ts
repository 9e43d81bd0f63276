// Structured output without a model: a value for the requested JSON Schema, filled from
// what the analysis extracted (summary sentences, keywords, entities, numbers, dates) by
// reading property names and constraints. The result is validated like any provider's.
import { createHash } from 'node:crypto';
import { classify, plan, summarise, type Analysis, type Entity } from './offline-text.js';
import type { JsonSchema } from '../../platform/json-schema.js';

type Fill = { a: Analysis; root: JsonSchema; focus: number; today: string; depth: number };

const MAX_DEPTH = 12;

function resolveRef(root: JsonSchema, ref: string): JsonSchema {
  if (!ref.startsWith('#')) return {};
  const parts = ref.slice(1).split('/').filter(Boolean).map((p) => decodeURIComponent(p.replace(/~1/g, '/').replace(/~0/g, '~')));
  let node: unknown = root;
  for (const p of parts) node = (node as Record<string, unknown> | undefined)?.[p];
  return (node && typeof node === 'object' ? node : {}) as JsonSchema;
}

/** $ref, allOf, anyOf/oneOf reduced to one plain schema node. */
function normalise(node: JsonSchema, root: JsonSchema, depth = 0): JsonSchema {
  if (depth > MAX_DEPTH) return node;
  if (typeof node.$ref === 'string') return normalise({ ...resolveRef(root, node.$ref), ...omit(node, '$ref') }, root, depth + 1);
  if (Array.isArray(node.allOf)) {
    const parts = (node.allOf as JsonSchema[]).map((s) => normalise(s, root, depth + 1));
    const merged: JsonSchema = { ...omit(node, 'allOf') };
    for (const p of parts) {
      Object.assign(merged, { ...p, ...merged });
      merged.properties = { ...(p.properties as object), ...(merged.properties as object) };
      merged.required = [...new Set([...((p.required as string[]) ?? []), ...((merged.required as string[]) ?? [])])];
    }
    return merged;
  }
  for (const k of ['anyOf', 'oneOf'] as const) {
    const options = node[k];
    if (Array.isArray(options) && options.length > 0) {
      const pick = (options as JsonSchema[]).find((o) => o.type !== 'null') ?? (options[0] as JsonSchema);
      return normalise({ ...omit(node, k), ...pick }, root, depth + 1);
    }
  }
  return node;
}

const omit = (o: JsonSchema, key: string): JsonSchema => Object.fromEntries(Object.entries(o).filter(([k]) => k !== key));

function typeOf(node: JsonSchema): string {
  const t = node.type;
  if (Array.isArray(t)) return (t.find((x) => x !== 'null') as string | undefined) ?? 'null';
  if (typeof t === 'string') return t;
  if (node.properties || node.required) return 'object';
  if (node.items) return 'array';
  return 'string';
}

const entitiesOf = (a: Analysis, kinds: Entity['kind'][]) => a.entities.filter((e) => kinds.includes(e.kind)).map((e) => e.text);
const nth = <T>(xs: readonly T[], i: number): T | undefined => (xs.length === 0 ? undefined : xs[i % xs.length]);
const sentence = (f: Fill, k = f.focus) => f.a.sentences[f.a.ranked[k % Math.max(1, f.a.ranked.length)] ?? 0] ?? '';

function isoDate(raw: string | undefined, today: string): string {
  if (!raw) return today;
  if (/^\d{4}-\d{2}-\d{2}$/.test(raw)) return raw;
  const t = Date.parse(`${raw} UTC`);
  return Number.isNaN(t) ? today : new Date(t).toISOString().slice(0, 10);
}

function stringByName(key: string, f: Fill): string {
  const k = key.toLowerCase();
  const { a } = f;
  if (/e-?mail/.test(k)) return nth(entitiesOf(a, ['email']), f.focus) ?? 'unknown@example.com';
  if (/url|link|website|href/.test(k)) return nth(entitiesOf(a, ['url']), f.focus) ?? 'https://example.com';
  if (/phone|tel/.test(k)) return nth(entitiesOf(a, ['phone']), f.focus) ?? '';
  if (/date|deadline|due|when/.test(k)) return isoDate(nth(entitiesOf(a, ['date']), f.focus), f.today);
  if (/summary|description|abstract|overview|body|content|text|answer|reply|response|message|explanation|reason|rationale|details|notes?$/.test(k)) {
    return f.focus === 0 ? summarise(a, Math.min(3, Math.max(1, a.sentences.length))) : sentence(f);
  }
  if (/title|subject|headline|heading|topic/.test(k)) return titleOf(sentence(f));
  if (/keyword|tag|label/.test(k)) return a.keywords.slice(0, 5).join(', ');
  if (/company|organi[sz]ation|org|customer|client|vendor|person|owner|assignee|author|contact|name|who/.test(k)) {
    return nth(entitiesOf(a, ['name']), f.focus) ?? nth(a.keywords, f.focus) ?? 'unknown';
  }
  if (/amount|price|cost|budget|total/.test(k)) return nth(entitiesOf(a, ['money']), f.focus) ?? '';
  if (/step|action|task|todo/.test(k)) return nth(plan(a), f.focus) ?? '';
  if (/category|type|kind|class|sentiment|priority|status|language/.test(k)) return nth(a.keywords, f.focus) ?? 'general';
  return sentence(f);
}

const titleOf = (s: string): string => {
  const ws = s.replace(/[.!?]+$/, '').split(/\s+/);
  return ws.length <= 10 ? ws.join(' ') : `${ws.slice(0, 10).join(' ')}…`;
};

function fitString(value: string, node: JsonSchema, f: Fill): string {
  let v = value;
  const min = typeof node.minLength === 'number' ? node.minLength : 0;
  const max = typeof node.maxLength === 'number' ? node.maxLength : Infinity;
  if (typeof node.pattern === 'string') {
    const re = safeRegex(node.pattern);
    if (re && !re.test(v)) {
      const candidates = [...f.a.entities.map((e) => e.text), ...f.a.keywords, ...f.a.text.split(/\s+/)];
      v = candidates.find((c) => re.test(c)) ?? v;
    }
  }
  if (v.length < min) v = `${v} ${f.a.keywords.join(' ')}`.trim();
  while (v.length < min) v += ' ' + (f.a.text.slice(0, min) || 'n/a');
  if (v.length > max) v = v.slice(0, max);
  return v;
}

function safeRegex(p: string): RegExp | null {
  try {
    return new RegExp(p, 'u');
  } catch {
    return null;
  }
}

function numberByName(key: string, node: JsonSchema, f: Fill, integer: boolean): number {
  const k = key.toLowerCase();
  const min = num(node.minimum) ?? (num(node.exclusiveMinimum) !== undefined ? num(node.exclusiveMinimum)! + (integer ? 1 : 0.01) : undefined);
  const max = num(node.maximum) ?? (num(node.exclusiveMaximum) !== undefined ? num(node.exclusiveMaximum)! - (integer ? 1 : 0.01) : undefined);
  let v: number;
  if (/confidence|probability|likelihood|score/.test(k) && (max === undefined || max <= 1)) v = 0.5;
  else if (/(^|_)(count|number_of|num|quantity|items)(_|$)/.test(k)) v = f.a.sentences.length;
  else {
    const source = /percent|pct|rate|ratio/.test(k) ? entitiesOf(f.a, ['percent']) : /amount|price|cost|budget|total|revenue|value/.test(k) ? entitiesOf(f.a, ['money']) : entitiesOf(f.a, ['number']);
    const parsed = source.map((s) => Number(s.replace(/[^\d.-]/g, ''))).filter((n) => Number.isFinite(n));
    v = nth(parsed, f.focus) ?? min ?? 0;
  }
  if (min !== undefined) v = Math.max(v, min);
  if (max !== undefined) v = Math.min(v, max);
  if (integer) v = Math.round(v);
  const step = num(node.multipleOf);
  if (step) v = Math.round(v / step) * step;
  return v;
}
const num = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);

function booleanByName(key: string, f: Fill): boolean {
  const words = key.toLowerCase().replace(/^(is|has|needs?|should|requires?)_?/, '').split(/[_\s-]+/).filter((w) => w.length > 2);
  const text = f.a.text.toLowerCase();
  return words.length > 0 && words.some((w) => text.includes(w));
}

function arrayByName(key: string, node: JsonSchema, f: Fill): unknown[] {
  const items = normalise((node.items as JsonSchema | undefined) ?? {}, f.root);
  const minItems = num(node.minItems) ?? 0;
  const maxItems = num(node.maxItems) ?? Infinity;
  const k = key.toLowerCase();
  let out: unknown[];
  if (typeOf(items) === 'string' && !items.enum && !items.format) {
    const a = f.a;
    const list = /keyword|tag|topic|term/.test(k) ? a.keywords
      : /entit|people|person|name|compan|organi|contact/.test(k) ? entitiesOf(a, ['name'])
      : /email/.test(k) ? entitiesOf(a, ['email'])
      : /url|link/.test(k) ? entitiesOf(a, ['url'])
      : /date/.test(k) ? entitiesOf(a, ['date']).map((d) => isoDate(d, f.today))
      : /step|task|action|plan|todo/.test(k) ? plan(a)
      : /sentence|point|highlight|bullet|takeaway|summar|finding|risk|issue/.test(k) ? a.ranked.slice(0, 5).sort((x, y) => x - y).map((i) => a.sentences[i]!)
      : a.keywords;
    out = list.slice(0, Math.min(maxItems, Math.max(minItems, Math.min(5, list.length)))).map((s) => fitString(s, items, f));
  } else {
    const n = Math.min(maxItems, Math.max(minItems, Math.min(3, Math.max(1, f.a.sentences.length))));
    out = Array.from({ length: n }, (_, i) => fillNode(items, singular(key), { ...f, focus: f.focus + i, depth: f.depth + 1 }));
  }
  while (out.length < minItems) out.push(fillNode(items, singular(key), { ...f, focus: f.focus + out.length, depth: f.depth + 1 }));
  if (node.uniqueItems) out = dedupe(out, items, key, f, minItems);
  return out;
}

function dedupe(out: unknown[], items: JsonSchema, key: string, f: Fill, minItems: number): unknown[] {
  const seen = new Set<string>();
  const unique = out.filter((v) => !seen.has(JSON.stringify(v)) && !!seen.add(JSON.stringify(v)));
  for (let i = 0; unique.length < minItems && i < 50; i++) {
    const v = fillNode(items, `${singular(key)}_${i}`, { ...f, focus: f.focus + out.length + i, depth: f.depth + 1 });
    const s = typeof v === 'string' ? `${v} ${i + 1}` : v;
    if (!seen.has(JSON.stringify(s))) {
      seen.add(JSON.stringify(s));
      unique.push(s);
    }
  }
  return unique;
}

const singular = (key: string): string => key.replace(/ies$/, 'y').replace(/s$/, '');

function fillNode(raw: JsonSchema, key: string, f: Fill): unknown {
  const node = normalise(raw, f.root);
  if ('const' in node) return node.const;
  if (Array.isArray(node.enum) && node.enum.length > 0) {
    const labels = node.enum.filter((v): v is string => typeof v === 'string');
    return labels.length > 0 ? classify(f.a.text, labels).label : node.enum[0];
  }
  if (f.depth > MAX_DEPTH) return null;
  switch (typeOf(node)) {
    case 'null':
      return null;
    case 'boolean':
      return booleanByName(key, f);
    case 'integer':
      return numberByName(key, node, f, true);
    case 'number':
      return numberByName(key, node, f, false);
    case 'array':
      return arrayByName(key, node, f);
    case 'object': {
      const props = (node.properties ?? {}) as Record<string, JsonSchema>;
      const out: Record<string, unknown> = {};
      for (const [k, s] of Object.entries(props)) out[k] = fillNode(s, k, { ...f, depth: f.depth + 1 });
      for (const k of (node.required as string[] | undefined) ?? []) if (!(k in out)) out[k] = stringByName(k, f);
      return out;
    }
    default:
      return fitString(stringFormatted(node, key, f), node, f);
  }
}

function stringFormatted(node: JsonSchema, key: string, f: Fill): string {
  switch (node.format) {
    case 'email':
      return nth(entitiesOf(f.a, ['email']), f.focus) ?? 'unknown@example.com';
    case 'date':
      return isoDate(nth(entitiesOf(f.a, ['date']), f.focus), f.today);
    case 'date-time':
      return `${isoDate(nth(entitiesOf(f.a, ['date']), f.focus), f.today)}T00:00:00Z`;
    case 'uri':
    case 'url':
      return nth(entitiesOf(f.a, ['url']), f.focus) ?? 'https://example.com';
    case 'uuid': {
      const h = createHash('sha256').update(`${key}:${f.focus}:${f.a.text}`).digest('hex');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
    }
    default:
      return stringByName(key, f);
  }
}

/** A value for `schema` filled from the analysis (validated by the caller). */
export function fillSchema(schema: JsonSchema, a: Analysis, today: string): unknown {
  return fillNode(schema, 'result', { a, root: schema, focus: 0, today, depth: 0 });
}
