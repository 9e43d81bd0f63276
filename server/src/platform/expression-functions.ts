// The values and functions of the expression language (expressions.ts): how values compare,
// read as text and are capped, and the whitelisted functions with their arity — every call
// charged to the evaluation's step budget.
import { type Clock } from './clock.js';

export const EXPRESSION_LIMITS = { sourceChars: 2000, depth: 32, maxSteps: 10_000, stringChars: 1_000_000, arrayItems: 10_000 } as const;

/** A refused or failed expression. A plain error, not an AppError: the caller (a flow's validation,
 * a step's run) knows which code and field it means. `position` is a character offset in the source. */
export class ExpressionError extends Error {
  constructor(message: string, readonly position?: number, readonly path?: string) {
    super(message);
    this.name = 'ExpressionError';
  }
}

/** One evaluation: its scope, clock and the steps spent so far (shared by a template's parts). */
export type Run = { scope: Record<string, unknown>; now: Clock; steps: number; maxSteps: number };

/** Names never read, whatever the object: the way to prototypes and constructors. */
export const FORBIDDEN = new Set(['constructor', '__proto__', 'prototype']);

export function spend(run: Run, steps = 1): void {
  run.steps += steps;
  if (run.steps > run.maxSteps) throw new ExpressionError('expression ran longer than its budget');
}

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && [Object.prototype, null].includes(Object.getPrototypeOf(v));

// Functions, symbols and undefined in a scope are invisible: the language sees JSON-like values only.
export const normal = (v: unknown): unknown => (v === undefined || typeof v === 'function' || typeof v === 'symbol' ? null : v);

export const kind = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);

export function readMember(target: unknown, key: unknown): unknown {
  if (typeof key === 'string' && FORBIDDEN.has(key)) throw new ExpressionError(`"${key}" cannot be read`);
  if (typeof key !== 'string' && typeof key !== 'number') return null;
  const k = String(key);
  if (typeof target === 'string') return k === 'length' ? target.length : /^\d+$/.test(k) ? (target[Number(k)] ?? null) : null;
  if (!Array.isArray(target) && !isPlainObject(target)) return null;
  return Object.hasOwn(target, k) ? normal((target as Record<string, unknown>)[k]) : null;
}

export function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (!isPlainObject(a) || !isPlainObject(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && same(a[k], b[k]));
}

export function ordered(a: unknown, b: unknown, test: (d: number) => boolean): boolean {
  if (typeof a === 'number' && typeof b === 'number') return test(a - b);
  if (typeof a === 'string' && typeof b === 'string') return test(a < b ? -1 : a > b ? 1 : 0);
  return false;
}

/** How a value reads inside text: null as nothing, objects and arrays as JSON. */
export function toText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return toJson(v);
}

function toJson(v: unknown): string {
  try {
    return capString(JSON.stringify(v) ?? 'null');
  } catch (e) {
    if (e instanceof ExpressionError) throw e;
    throw new ExpressionError('value cannot be written as JSON (a cycle or a bigint)');
  }
}

export function capString(s: string): string {
  if (s.length > EXPRESSION_LIMITS.stringChars) throw new ExpressionError(`expression produced text longer than ${EXPRESSION_LIMITS.stringChars} characters`);
  return s;
}

function capArray<T>(a: T[]): T[] {
  if (a.length > EXPRESSION_LIMITS.arrayItems) throw new ExpressionError(`expression produced a list longer than ${EXPRESSION_LIMITS.arrayItems} items`);
  return a;
}

// ---- the functions: plain calls by name; each checks its arguments, list walks cost a step per item ----

type Fn = { arity: [number, number]; call(args: unknown[], run: Run): unknown };

function want<T>(fn: string, what: string, ok: (v: unknown) => v is T, v: unknown): T {
  if (ok(v)) return v;
  throw new ExpressionError(`${fn}() needs ${what}, got ${kind(v)}`);
}
const isText = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number';
const isTextOrList = (v: unknown): v is string | unknown[] => typeof v === 'string' || Array.isArray(v);
const text = (fn: string, v: unknown) => want(fn, 'text', isText, v);
const numberArg = (fn: string, v: unknown) => want(fn, 'a number', isNumber, v);
const list = (fn: string, v: unknown) => want(fn, 'a list', Array.isArray, v);
const record = (fn: string, v: unknown) => want(fn, 'an object', isPlainObject, v);
const integer = (fn: string, v: unknown) => want(fn, 'a whole number', (x): x is number => Number.isInteger(x), v);

function charged<T>(run: Run, items: T[]): T[] {
  spend(run, items.length);
  return capArray(items);
}

function extreme(fn: string, args: unknown[], run: Run, pick: (a: number, b: number) => number): number | null {
  const xs = args.length === 1 && Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
  return charged(run, xs).reduce<number | null>((best, x) => (best === null ? numberArg(fn, x) : pick(best, numberArg(fn, x))), null);
}

/** Half away from zero, shifting the decimal point in text so that round(1.005, 2) is 1.01 as people expect. */
function round(n: number, digits: number): number {
  if (digits < 0 || digits > 15) throw new ExpressionError('round() keeps 0 to 15 digits');
  const abs = Math.abs(n);
  if (!Number.isFinite(abs) || String(abs).includes('e')) return Math.sign(n) * (Math.round(abs * 10 ** digits) / 10 ** digits);
  return Math.sign(n) * Number(`${Math.round(Number(`${abs}e${digits}`))}e-${digits}`);
}

function toNumber(v: unknown): number | null {
  if (typeof v === 'boolean') return v ? 1 : 0;
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
}

// Days are 24 hours of UTC: flows schedule in instants, not in a calendar with daylight saving.
const UNIT_MS = new Map([['seconds', 1000], ['minutes', 60_000], ['hours', 3_600_000], ['days', 86_400_000]]);

function dateAdd(iso: unknown, amount: unknown, unit: unknown): string {
  const start = Date.parse(text('date_add', iso));
  if (Number.isNaN(start)) throw new ExpressionError('date_add() needs an ISO date');
  const ms = UNIT_MS.get(text('date_add', unit));
  if (ms === undefined) throw new ExpressionError(`date_add() counts in ${[...UNIT_MS.keys()].join(', ')}`);
  const end = new Date(start + numberArg('date_add', amount) * ms);
  if (Number.isNaN(end.getTime())) throw new ExpressionError('date_add() went past the range of dates');
  return end.toISOString();
}

function lengthOf(v: unknown): number {
  if (typeof v === 'string' || Array.isArray(v)) return v.length;
  return Object.keys(want('len', 'text, a list or an object', isPlainObject, v)).length;
}

function parseJson(v: unknown): unknown {
  try {
    return JSON.parse(text('parse_json', v));
  } catch (e) {
    if (e instanceof ExpressionError) throw e;
    throw new ExpressionError('parse_json() got text that is not JSON');
  }
}

const ANY = Infinity;
export const FUNCTIONS = new Map(Object.entries<Fn>({
  len: { arity: [1, 1], call: ([x]) => lengthOf(x) },
  lower: { arity: [1, 1], call: ([s]) => capString(text('lower', s).toLowerCase()) },
  upper: { arity: [1, 1], call: ([s]) => capString(text('upper', s).toUpperCase()) },
  trim: { arity: [1, 1], call: ([s]) => text('trim', s).trim() },
  contains: {
    arity: [2, 2],
    call: ([h, n], run) => {
      const haystack = want('contains', 'text or a list', isTextOrList, h);
      return typeof haystack === 'string' ? haystack.includes(text('contains', n)) : charged(run, haystack).some((x) => same(x, n));
    },
  },
  startsWith: { arity: [2, 2], call: ([s, p]) => text('startsWith', s).startsWith(text('startsWith', p)) },
  join: { arity: [1, 2], call: ([a, sep = ','], run) => capString(charged(run, list('join', a)).map(toText).join(text('join', sep))) },
  split: { arity: [2, 2], call: ([s, sep], run) => charged(run, text('split', s).split(text('split', sep), EXPRESSION_LIMITS.arrayItems + 1)) },
  keys: { arity: [1, 1], call: ([o], run) => charged(run, Object.keys(record('keys', o))) },
  values: { arity: [1, 1], call: ([o], run) => charged(run, Object.values(record('values', o)).map(normal)) },
  sum: { arity: [1, 1], call: ([a], run) => charged(run, list('sum', a)).reduce<number>((t, x) => t + numberArg('sum', x), 0) },
  min: { arity: [1, ANY], call: (args, run) => extreme('min', args, run, Math.min) },
  max: { arity: [1, ANY], call: (args, run) => extreme('max', args, run, Math.max) },
  round: { arity: [1, 2], call: ([n, d = 0]) => round(numberArg('round', n), integer('round', d)) },
  floor: { arity: [1, 1], call: ([n]) => Math.floor(numberArg('floor', n)) },
  ceil: { arity: [1, 1], call: ([n]) => Math.ceil(numberArg('ceil', n)) },
  abs: { arity: [1, 1], call: ([n]) => Math.abs(numberArg('abs', n)) },
  number: { arity: [1, 1], call: ([x]) => toNumber(x) },
  string: { arity: [1, 1], call: ([x]) => toText(x) },
  bool: { arity: [1, 1], call: ([x]) => Boolean(x) },
  now: { arity: [0, 0], call: (_, run) => run.now().toISOString() },
  date_add: { arity: [3, 3], call: ([iso, amount, unit]) => dateAdd(iso, amount, unit) },
  coalesce: { arity: [1, ANY], call: (args) => args.find((a) => a !== null) ?? null },
  filter: {
    arity: [3, 3],
    call: ([a, field, value], run) => {
      const key = text('filter', field);
      return charged(run, list('filter', a)).filter((item) => isPlainObject(item) && same(readMember(item, key), value));
    },
  },
  map: { arity: [2, 2], call: ([a, field], run) => charged(run, list('map', a)).map((item) => readMember(item, text('map', field))) },
  slice: {
    arity: [2, 3],
    call: ([x, start, end]) => {
      const [from, to] = [integer('slice', start), end === undefined ? undefined : integer('slice', end)];
      return want('slice', 'text or a list', isTextOrList, x).slice(from, to);
    },
  },
  json: { arity: [1, 1], call: ([x]) => toJson(x) },
  parse_json: { arity: [1, 1], call: ([s]) => parseJson(s) },
}));
