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
import { capString, EXPRESSION_LIMITS, ExpressionError, FORBIDDEN, FUNCTIONS, isPlainObject, kind, normal, ordered, readMember, same, spend, toText, type Run } from './expression-functions.js';

export { EXPRESSION_LIMITS, ExpressionError };

export type Scope = Record<string, unknown>;
export type EvaluateOptions = { maxSteps?: number; now?: Clock };
export type Expression = { source: string; evaluate(scope: Scope, opts?: EvaluateOptions): unknown; references(): string[][] };
export type Template = { source: string; render(scope: Scope, opts?: EvaluateOptions): unknown; references(): string[][] };
export type DeepTemplate = { render(scope: Scope, opts?: EvaluateOptions): unknown; references(): string[][] };

type Node = jsep.Expression;

function startRun(scope: Scope, opts: EvaluateOptions = {}): Run {
  return { scope, now: opts.now ?? systemClock, steps: 0, maxSteps: opts.maxSteps ?? EXPRESSION_LIMITS.maxSteps };
}


// ---- checking, once per source ----

const UNARY = new Set(['!', '-', '+']);
const BINARY = new Set(['+', '-', '*', '/', '%', '==', '!=', '===', '!==', '<', '<=', '>', '>=', '&&', '||', '??']);
// Names that lead from a value to its prototype or its constructor, hence to Function.
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
