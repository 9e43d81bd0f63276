// The expression language of flow definitions (and later the value/ROI engine):
// `steps.fetch.output.total * 1.2`, `len(input.items) > 0 ? 'some' : 'none'`, `{{ input.name }}`.
// jsep parses; every tree is checked once against a whitelist of node types, operators and
// functions, then walked by our own evaluator — never eval or new Function — so an expression can
// only read the own properties of the scope it is given, within a step budget and size caps.
//
// Semantics worth knowing: the language has no `undefined` (anything missing reads as null);
// `==` is `===` — no coercion — and both compare arrays and objects by content; `+` adds two
// numbers or, if either side is a string, joins text; other type mismatches are errors, except
// `< <= > >=`, which are false unless both sides are numbers or both strings (ISO dates), as in
// conditions.ts. `&&`, `||` and `!` use JavaScript truthiness.
import jsep from 'jsep';
import { setBounded } from './bounded-map.js';
import { systemClock, type Clock } from './clock.js';

export const EXPRESSION_LIMITS = { sourceChars: 2000, depth: 32, maxSteps: 10_000, stringChars: 1_000_000, arrayItems: 10_000 } as const;

/** A refused or failed expression. A plain error, not an AppError: the caller (a flow's validation,
 * a step's run) knows which code and field it means. `position` is a character offset in the source. */
export class ExpressionError extends Error {
  constructor(message: string, readonly position?: number, readonly path?: string) {
    super(message);
    this.name = 'ExpressionError';
  }
}

export type Scope = Record<string, unknown>;
export type EvaluateOptions = { maxSteps?: number; now?: Clock };
export type Expression = { source: string; evaluate(scope: Scope, opts?: EvaluateOptions): unknown; references(): string[][] };
export type Template = { source: string; render(scope: Scope, opts?: EvaluateOptions): unknown; references(): string[][] };
export type DeepTemplate = { render(scope: Scope, opts?: EvaluateOptions): unknown; references(): string[][] };

/** One evaluation: its scope, clock and the steps spent so far (shared by a template's parts). */
type Run = { scope: Scope; now: Clock; steps: number; maxSteps: number };
type Node = jsep.Expression;

function startRun(scope: Scope, opts: EvaluateOptions = {}): Run {
  return { scope, now: opts.now ?? systemClock, steps: 0, maxSteps: opts.maxSteps ?? EXPRESSION_LIMITS.maxSteps };
}

function spend(run: Run, steps = 1): void {
  run.steps += steps;
  if (run.steps > run.maxSteps) throw new ExpressionError('expression ran longer than its budget');
}

// ---- checking, once per source ----

const UNARY = new Set(['!', '-', '+']);
const BINARY = new Set(['+', '-', '*', '/', '%', '==', '!=', '===', '!==', '<', '<=', '>', '>=', '&&', '||', '??']);
// Names that lead from a value to its prototype or its constructor, hence to Function.
const FORBIDDEN = new Set(['constructor', '__proto__', 'prototype']);
// Node types other plugins (registered on the shared jsep) could produce, with a reason.
const REFUSED: Record<string, string> = {
  Compound: 'one expression only (no ";" or juxtaposed expressions)',
  SequenceExpression: 'comma sequences are not supported',
  AssignmentExpression: 'assignment is not allowed',
  UpdateExpression: 'assignment is not allowed',
  ArrowFunctionExpression: 'function definitions are not allowed',
  FunctionExpression: 'function definitions are not allowed',
  NewExpression: '"new" is not allowed',
  ThisExpression: '"this" is not available: name what you read (e.g. input.total)',
};

function checkName(name: unknown): void {
  if (typeof name === 'string' && FORBIDDEN.has(name)) throw new ExpressionError(`"${name}" cannot be read`);
  if (name === 'new') throw new ExpressionError(REFUSED.NewExpression!);
}

function check(node: Node, depth: number): void {
  if (depth > EXPRESSION_LIMITS.depth) throw new ExpressionError(`expression nested deeper than ${EXPRESSION_LIMITS.depth} levels`);
  const inner = (n: Node) => check(n, depth + 1);
  // jsep reads `new Date()` as two juxtaposed expressions; name the real reason.
  if (node.type === 'Compound') (node as jsep.Compound).body.forEach((n) => n.type === 'Identifier' && checkName((n as jsep.Identifier).name));
  const refused = Object.hasOwn(REFUSED, node.type) ? REFUSED[node.type] : undefined;
  if (refused) throw new ExpressionError(refused);
  switch (node.type) {
    case 'Literal':
      if ((node as jsep.Literal).value instanceof RegExp) throw new ExpressionError('regular expressions are not supported');
      return;
    case 'Identifier': return checkName((node as jsep.Identifier).name);
    case 'MemberExpression': {
      const m = node as jsep.MemberExpression;
      inner(m.object);
      if (!m.computed) return checkName((m.property as jsep.Identifier).name);
      if (m.property.type === 'Literal') checkName((m.property as jsep.Literal).value);
      return inner(m.property);
    }
    case 'UnaryExpression': {
      const u = node as jsep.UnaryExpression;
      if (!UNARY.has(u.operator)) throw new ExpressionError(`operator "${u.operator}" is not supported`);
      return inner(u.argument);
    }
    case 'BinaryExpression': {
      const b = node as jsep.BinaryExpression;
      if (!BINARY.has(b.operator)) throw new ExpressionError(`operator "${b.operator}" is not supported`);
      inner(b.left);
      return inner(b.right);
    }
    case 'ConditionalExpression': {
      const c = node as jsep.ConditionalExpression;
      [c.test, c.consequent, c.alternate].forEach(inner);
      return;
    }
    case 'ArrayExpression':
      for (const el of (node as jsep.ArrayExpression).elements) {
        if (!el) throw new ExpressionError('arrays cannot have holes');
        inner(el);
      }
      return;
    case 'CallExpression': return checkCall(node as jsep.CallExpression, inner);
    default: throw new ExpressionError(`${node.type} is not supported`);
  }
}

function checkCall(call: jsep.CallExpression, inner: (n: Node) => void): void {
  const name = call.callee.type === 'Identifier' ? (call.callee as jsep.Identifier).name : null;
  const fn = name === null ? undefined : FUNCTIONS.get(name);
  if (name === null) throw new ExpressionError('only built-in functions can be called, by name: len(x), not x.len()');
  if (!fn) throw new ExpressionError(`"${name}" is not a function; the functions are ${[...FUNCTIONS.keys()].join(', ')}`);
  const [least, most] = fn.arity;
  if (call.arguments.length < least || call.arguments.length > most) {
    const wants = least === most ? `${least}` : most === Infinity ? `at least ${least}` : `${least} to ${most}`;
    throw new ExpressionError(`${name}() takes ${wants} argument${(most === Infinity ? least : most) === 1 ? '' : 's'}, got ${call.arguments.length}`);
  }
  call.arguments.forEach(inner);
}

// ---- references: the scope paths an expression reads ----

/** `a.b['c']` → ['a','b','c']; null when the chain has a computed step that is not a string literal. */
function staticPath(node: Node): string[] | null {
  if (node.type === 'Identifier') return [(node as jsep.Identifier).name];
  if (node.type !== 'MemberExpression') return null;
  const m = node as jsep.MemberExpression;
  const key = !m.computed ? (m.property as jsep.Identifier).name : m.property.type === 'Literal' ? (m.property as jsep.Literal).value : null;
  const head = typeof key === 'string' ? staticPath(m.object) : null;
  return head && [...head, key as string];
}

function collectReferences(node: Node, into: string[][]): void {
  const path = staticPath(node);
  if (path) return void into.push(path);
  for (const child of readsWithin(node)) collectReferences(child, into);
}

function readsWithin(node: Node): Node[] {
  switch (node.type) {
    case 'MemberExpression': {
      const m = node as jsep.MemberExpression;
      return m.computed ? [m.object, m.property] : [m.object];
    }
    case 'CallExpression': return (node as jsep.CallExpression).arguments; // the callee names a function, not a value
    case 'UnaryExpression': return [(node as jsep.UnaryExpression).argument];
    case 'BinaryExpression': return [(node as jsep.BinaryExpression).left, (node as jsep.BinaryExpression).right];
    case 'ConditionalExpression': {
      const c = node as jsep.ConditionalExpression;
      return [c.test, c.consequent, c.alternate];
    }
    case 'ArrayExpression': return (node as jsep.ArrayExpression).elements.filter((e) => e !== null);
    default: return [];
  }
}

function uniquePaths(paths: string[][]): string[][] {
  const seen = new Map(paths.map((p) => [JSON.stringify(p), p] as const));
  return [...seen.values()].map((p) => [...p]);
}

// ---- values ----

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && [Object.prototype, null].includes(Object.getPrototypeOf(v));

// Functions, symbols and undefined in a scope are invisible: the language sees JSON-like values only.
const normal = (v: unknown): unknown => (v === undefined || typeof v === 'function' || typeof v === 'symbol' ? null : v);

const kind = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);

function readMember(target: unknown, key: unknown): unknown {
  if (typeof key === 'string' && FORBIDDEN.has(key)) throw new ExpressionError(`"${key}" cannot be read`);
  if (typeof key !== 'string' && typeof key !== 'number') return null;
  const k = String(key);
  if (typeof target === 'string') return k === 'length' ? target.length : /^\d+$/.test(k) ? (target[Number(k)] ?? null) : null;
  if (!Array.isArray(target) && !isPlainObject(target)) return null;
  return Object.hasOwn(target, k) ? normal((target as Record<string, unknown>)[k]) : null;
}

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (!isPlainObject(a) || !isPlainObject(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && same(a[k], b[k]));
}

function ordered(a: unknown, b: unknown, test: (d: number) => boolean): boolean {
  if (typeof a === 'number' && typeof b === 'number') return test(a - b);
  if (typeof a === 'string' && typeof b === 'string') return test(a < b ? -1 : a > b ? 1 : 0);
  return false;
}

/** How a value reads inside text: null as nothing, objects and arrays as JSON. */
function toText(v: unknown): string {
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

function capString(s: string): string {
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
const FUNCTIONS = new Map(Object.entries<Fn>({
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

// ---- evaluation ----

function evaluateNode(node: Node, run: Run): unknown {
  spend(run);
  switch (node.type) {
    case 'Literal': return (node as jsep.Literal).value;
    case 'Identifier': {
      const { name } = node as jsep.Identifier;
      return Object.hasOwn(run.scope, name) ? normal(run.scope[name]) : null;
    }
    case 'MemberExpression': {
      const m = node as jsep.MemberExpression;
      const target = evaluateNode(m.object, run);
      return readMember(target, m.computed ? evaluateNode(m.property, run) : (m.property as jsep.Identifier).name);
    }
    case 'UnaryExpression': {
      const u = node as jsep.UnaryExpression;
      const v = evaluateNode(u.argument, run);
      return u.operator === '!' ? !v : u.operator === '-' ? -num(u.operator, v) : num(u.operator, v);
    }
    case 'BinaryExpression': return binary(node as jsep.BinaryExpression, run);
    case 'ConditionalExpression': {
      const c = node as jsep.ConditionalExpression;
      return evaluateNode(evaluateNode(c.test, run) ? c.consequent : c.alternate, run);
    }
    case 'ArrayExpression': return (node as jsep.ArrayExpression).elements.map((el) => evaluateNode(el!, run));
    case 'CallExpression': {
      const call = node as jsep.CallExpression;
      const fn = FUNCTIONS.get((call.callee as jsep.Identifier).name)!;
      return fn.call(call.arguments.map((a) => evaluateNode(a, run)), run);
    }
    default: throw new ExpressionError(`${node.type} is not supported`); // check() refused it already
  }
}

function num(what: string, v: unknown): number {
  if (typeof v === 'number') return v;
  throw new ExpressionError(`"${what}" needs a number, got ${kind(v)}`);
}

function binary(node: jsep.BinaryExpression, run: Run): unknown {
  const op = node.operator;
  const left = evaluateNode(node.left, run);
  if (op === '&&') return left ? evaluateNode(node.right, run) : left;
  if (op === '||') return left ? left : evaluateNode(node.right, run);
  if (op === '??') return left ?? evaluateNode(node.right, run);
  const right = evaluateNode(node.right, run);
  switch (op) {
    case '==': case '===': return same(left, right);
    case '!=': case '!==': return !same(left, right);
    case '<': return ordered(left, right, (d) => d < 0);
    case '<=': return ordered(left, right, (d) => d <= 0);
    case '>': return ordered(left, right, (d) => d > 0);
    case '>=': return ordered(left, right, (d) => d >= 0);
    case '+':
      if (typeof left === 'number' && typeof right === 'number') return left + right;
      if (typeof left === 'string' || typeof right === 'string') return capString(toText(left) + toText(right));
      throw new ExpressionError(`"+" adds numbers or joins text, not ${kind(left)} and ${kind(right)}`);
  }
  const [x, y] = [num(op, left), num(op, right)];
  // Infinity and NaN would surface later as a JSON null far from their cause.
  if ((op === '/' || op === '%') && y === 0) throw new ExpressionError('division by zero');
  return op === '-' ? x - y : op === '*' ? x * y : op === '/' ? x / y : x % y;
}

// ---- compiling and caching ----

type Compiled = { run(run: Run): unknown; references: string[][] };
const cache = new Map<string, Compiled>();

function compile(source: string): Compiled {
  const hit = cache.get(source);
  if (hit) return hit;
  if (source.length > EXPRESSION_LIMITS.sourceChars) throw new ExpressionError(`expression longer than ${EXPRESSION_LIMITS.sourceChars} characters`);
  let ast: Node;
  try {
    ast = jsep(source);
  } catch (e) {
    const err = e as { description?: string; index?: number; message?: string };
    throw new ExpressionError(err.description ?? err.message ?? 'syntax error', err.index);
  }
  if (ast.type === 'Compound' && (ast as jsep.Compound).body.length === 0) throw new ExpressionError('empty expression', 0);
  check(ast, 1);
  const refs: string[][] = [];
  collectReferences(ast, refs);
  const compiled: Compiled = { run: (run) => evaluateNode(ast, run), references: uniquePaths(refs) };
  // Flows evaluate the same few hundred sources over and over; a checked tree is immutable.
  setBounded(cache, source, compiled, 1000);
  return compiled;
}

export function compileExpression(source: string): Expression {
  const c = compile(source);
  return { source, evaluate: (scope, opts) => c.run(startRun(scope, opts)), references: () => uniquePaths(c.references) };
}

// ---- templates: text with {{ expr }} placeholders ----

// Non-greedy: a `}}` inside a string literal ends the placeholder (the language has no object literals).
const PLACEHOLDER = /\{\{([\s\S]*?)\}\}/g;

function compileTemplateRun(template: string): { run(run: Run): unknown; references: string[][] } {
  const parts: (string | Compiled)[] = [];
  let at = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    if (m.index > at) parts.push(template.slice(at, m.index));
    const offset = m.index + 2;
    try {
      parts.push(compile(m[1]!));
    } catch (e) {
      if (!(e instanceof ExpressionError)) throw e;
      throw new ExpressionError(e.message, offset + (e.position ?? 0));
    }
    at = m.index + m[0].length;
  }
  const rest = template.slice(at);
  if (rest.includes('{{')) throw new ExpressionError('"{{" without a closing "}}"', at + rest.indexOf('{{'));
  if (rest) parts.push(rest);
  const references = uniquePaths(parts.flatMap((p) => (typeof p === 'string' ? [] : p.references)));
  const only = parts.length === 1 ? parts[0] : undefined;
  // A template that is exactly one placeholder yields the value itself, so `{{ steps.a.output }}` passes a list on.
  if (only !== undefined && typeof only !== 'string') return { run: (run) => only.run(run), references };
  return { run: (run) => capString(parts.map((p) => (typeof p === 'string' ? p : toText(p.run(run)))).join('')), references };
}

export function compileTemplate(template: string): Template {
  const t = compileTemplateRun(template);
  return { source: template, render: (scope, opts) => t.run(startRun(scope, opts)), references: () => uniquePaths(t.references) };
}

export function renderTemplate(template: string, scope: Scope, opts?: EvaluateOptions): unknown {
  return compileTemplate(template).render(scope, opts);
}

/** A JSON value whose strings (at any depth, not object keys) are templates; one budget covers the whole render. */
export function compileDeep(value: unknown): DeepTemplate {
  const refs: string[][] = [];
  const build = (v: unknown, path: string[]): ((run: Run) => unknown) => {
    if (typeof v === 'string') {
      try {
        const t = compileTemplateRun(v);
        refs.push(...t.references);
        return t.run;
      } catch (e) {
        if (!(e instanceof ExpressionError)) throw e;
        throw new ExpressionError(path.length ? `${path.join('.')}: ${e.message}` : e.message, e.position, path.join('.'));
      }
    }
    if (Array.isArray(v)) {
      const items = v.map((x, i) => build(x, [...path, String(i)]));
      return (run) => items.map((f) => f(run));
    }
    if (isPlainObject(v)) {
      const entries = Object.entries(v).map(([k, x]) => [k, build(x, [...path, k])] as const);
      // fromEntries defines own properties: a "__proto__" key stays data, never a prototype.
      return (run) => Object.fromEntries(entries.map(([k, f]) => [k, f(run)]));
    }
    return () => v;
  };
  const render = build(value, []);
  const references = uniquePaths(refs);
  return { render: (scope, opts) => render(startRun(scope, opts)), references: () => uniquePaths(references) };
}
