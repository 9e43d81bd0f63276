import { describe, expect, it } from 'vitest';
import { compileDeep, compileExpression, compileTemplate, EXPRESSION_LIMITS, ExpressionError, renderTemplate, type EvaluateOptions, type Scope } from './expressions.js';

const run = (src: string, scope: Scope = {}, opts?: EvaluateOptions) => compileExpression(src).evaluate(scope, opts);

/** The ExpressionError a thunk throws (fails the test if it throws nothing or something else). */
function refusal(thunk: () => unknown): ExpressionError {
  try {
    thunk();
  } catch (e) {
    expect(e).toBeInstanceOf(ExpressionError);
    return e as ExpressionError;
  }
  throw new Error('expected an ExpressionError, nothing was thrown');
}

describe('arithmetic and operators', () => {
  it.each([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['10 - 4 - 3', 3],
    ['2 * 3 % 4', 2],
    ['7 / 2', 3.5],
    ['-x + +y', 3],
    ['!true || !0', true],
    ['2 * 3 > 5 && 1 <= 1', true],
    ['"a" + "b"', 'ab'],
    ['"n=" + 2', 'n=2'],
    ['x > 1 ? "big" : x > 0 ? "small" : "none"', 'none'],
    ['missing ?? "fallback"', 'fallback'],
    ['0 ?? 5', 0],
    ['"" || "empty"', 'empty'],
    ['"2026-01-02" > "2026-01-01"', true],
  ])('%s → %j', (src, want) => {
    expect(run(src, { x: -1, y: 2 })).toEqual(want);
  });

  it('compares without coercion, and lists and objects by content', () => {
    expect(run('1 == "1"')).toBe(false);
    expect(run('0 == false')).toBe(false);
    expect(run('null == 0')).toBe(false);
    expect(run('1 != "1"')).toBe(true);
    expect(run('[1, 2] === [1, 2]')).toBe(true);
    expect(run('a == b', { a: { k: [1, { z: 2 }], j: 1 }, b: { j: 1, k: [1, { z: 2 }] } })).toBe(true);
    expect(run('a == b', { a: { k: 1 }, b: { k: 1, extra: null } })).toBe(false);
  });

  it('orders only numbers with numbers and text with text', () => {
    expect(run('1 < "2"')).toBe(false);
    expect(run('null >= 0')).toBe(false);
    expect(run('"b" > "a"')).toBe(true);
  });

  it('refuses arithmetic on what is not a number, and division by zero', () => {
    expect(refusal(() => run('null + 1')).message).toMatch(/"\+" adds numbers or joins text/);
    expect(refusal(() => run('"3" * 2')).message).toMatch(/"\*" needs a number, got string/);
    expect(refusal(() => run('-s', { s: 'x' })).message).toMatch(/needs a number/);
    expect(refusal(() => run('1 / 0')).message).toBe('division by zero');
    expect(refusal(() => run('5 % (2 - 2)')).message).toBe('division by zero');
  });

  it('short-circuits: the right side of && || ?? is not evaluated when not needed', () => {
    expect(run('false && 1 / 0')).toBe(false);
    expect(run('true || 1 / 0')).toBe(true);
    expect(run('1 ?? 1 / 0')).toBe(1);
    expect(run('true ? 1 : 1 / 0')).toBe(1);
  });
});

describe('member access', () => {
  const scope = { steps: { fetch: { output: { total: 42, items: [{ name: 'a' }, { name: 'b' }] } } }, k: 'total', word: 'hey' };

  it('reads by dot, by index and by computed key', () => {
    expect(run('steps.fetch.output.total', scope)).toBe(42);
    expect(run('steps.fetch.output.items[1].name', scope)).toBe('b');
    expect(run('steps["fetch"].output[k]', scope)).toBe(42);
    expect(run('steps.fetch.output.items.length', scope)).toBe(2);
    expect(run('word[0] + word.length', scope)).toBe('h3');
  });

  it('reads anything missing as null, never from a prototype', () => {
    const inherited = Object.create({ secret: 's' }) as Scope;
    inherited.own = 1;
    expect(run('nothing', scope)).toBeNull();
    expect(run('nothing.at.all', scope)).toBeNull();
    expect(run('steps.fetch.output.items[5].name', scope)).toBeNull();
    expect(run('steps.toString', scope)).toBeNull();
    expect(run('steps.fetch.output.items.map', scope)).toBeNull();
    expect(run('word.toUpperCase', scope)).toBeNull();
    expect(run('hasOwnProperty', scope)).toBeNull();
    expect(run('secret', inherited)).toBeNull();
    expect(run('own', inherited)).toBe(1);
    expect(run('x.secret', { x: inherited })).toBeNull(); // not a plain object: nothing to read
    expect(run('d.getTime', { d: new Date() })).toBeNull();
  });

  it('does not see a polluted Object.prototype', () => {
    Object.defineProperty(Object.prototype, 'leak', { value: 'polluted', configurable: true });
    try {
      expect(({} as Record<string, unknown>).leak).toBe('polluted'); // the pollution is real
      expect(run('o.leak', { o: {} })).toBeNull();
      expect(run('xs.leak', { xs: [] })).toBeNull();
      expect(run('leak', {})).toBeNull();
    } finally {
      delete (Object.prototype as Record<string, unknown>).leak;
    }
  });

  it('does not see functions placed in the scope', () => {
    expect(run('f', { f: () => 1 })).toBeNull();
    expect(run('o.f', { o: { f: () => 1 } })).toBeNull();
  });
});

describe('functions', () => {
  const scope = { items: [{ id: 1, kind: 'a' }, { id: 2, kind: 'b' }, { id: 3, kind: 'a' }], nums: [3, 1, 2], o: { x: 1, y: 'two' } };

  it.each([
    ['len("abc") + len(nums) + len(o)', 8],
    ['lower("AbC") + upper("x") + trim("  y ")', 'abcXy'],
    ['contains("haystack", "st") && contains(nums, 2) && !contains(nums, 9)', true],
    ['contains(items, items[2])', true],
    ['startsWith("flow.run", "flow.")', true],
    ['join(nums, "-") + "|" + join(["a", "b"])', '3-1-2|a,b'],
    ['split("a,b,,c", ",")', ['a', 'b', '', 'c']],
    ['keys(o)', ['x', 'y']],
    ['values(o)', [1, 'two']],
    ['sum(nums)', 6],
    ['[min(nums), max(nums), min(4, -1, 2), max(7)]', [1, 3, -1, 7]],
    ['min([])', null],
    ['[round(2.5), round(-2.5), round(1.005, 2), round(1234.5678, 1)]', [3, -3, 1.01, 1234.6]],
    ['[floor(1.7), ceil(1.2), abs(-3)]', [1, 2, 3]],
    ['[number("12.5"), number(""), number("abc"), number(true), number(null)]', [12.5, null, null, 1, null]],
    ['[string(1), string(null), string(nums), string(o)]', ['1', '', '[3,1,2]', '{"x":1,"y":"two"}']],
    ['[bool(0), bool("x"), bool(null)]', [false, true, false]],
    ['coalesce(nothing, null, 0, 5)', 0],
    ['map(filter(items, "kind", "a"), "id")', [1, 3]],
    ['map(items, "missing")', [null, null, null]],
    ['[slice(nums, 1), slice("abcdef", 1, 3), slice(nums, -1)]', [[1, 2], 'bc', [2]]],
    ['json(o)', '{"x":1,"y":"two"}'],
    ['parse_json("[1, {\\"a\\": true}]")[1].a', true],
  ])('%s → %j', (src, want) => {
    expect(run(src, scope)).toEqual(want);
  });

  it('takes the time from the injected clock', () => {
    const now = () => new Date('2026-05-01T10:00:00Z');
    expect(run('now()', {}, { now })).toBe('2026-05-01T10:00:00.000Z');
    expect(run('date_add(now(), 90, "minutes")', {}, { now })).toBe('2026-05-01T11:30:00.000Z');
    expect(run('date_add("2026-05-01T10:00:00Z", -2, "days")')).toBe('2026-04-29T10:00:00.000Z');
    expect(run('date_add("2026-05-01T10:00:00Z", 30, "seconds") < date_add("2026-05-01T10:00:00Z", 1, "hours")')).toBe(true);
    expect(refusal(() => run('date_add("2026-05-01", 1, "weeks")')).message).toMatch(/counts in seconds, minutes, hours, days/);
    expect(refusal(() => run('date_add("soon", 1, "days")')).message).toMatch(/ISO date/);
  });

  it('refuses anything but a known function called by name, with the right number of arguments', () => {
    expect(refusal(() => compileExpression('eval("1")')).message).toMatch(/"eval" is not a function; the functions are len, /);
    expect(refusal(() => compileExpression('s.toUpperCase()')).message).toMatch(/by name: len\(x\), not x\.len\(\)/);
    expect(refusal(() => compileExpression('len(1)(2)')).message).toMatch(/by name/);
    expect(refusal(() => compileExpression('items.map(x)')).message).toMatch(/by name/);
    expect(refusal(() => compileExpression('len(1, 2)')).message).toBe('len() takes 1 argument, got 2');
    expect(refusal(() => compileExpression('round()')).message).toBe('round() takes 1 to 2 arguments, got 0');
    expect(refusal(() => compileExpression('min()')).message).toBe('min() takes at least 1 argument, got 0');
  });

  it('refuses arguments of the wrong kind when it runs', () => {
    expect(refusal(() => run('lower(5)')).message).toBe('lower() needs text, got number');
    expect(refusal(() => run('sum([1, "2"])')).message).toBe('sum() needs a number, got string');
    expect(refusal(() => run('keys(nums)', scope)).message).toBe('keys() needs an object, got an array');
    expect(refusal(() => run('slice(nums, 0.5)', scope)).message).toBe('slice() needs a whole number, got number');
    expect(refusal(() => run('parse_json("{nope")')).message).toBe('parse_json() got text that is not JSON');
  });
});

describe('what is refused', () => {
  it.each([
    ['a.constructor', /"constructor" cannot be read/],
    ['len.constructor', /"constructor" cannot be read/],
    ['constructor', /"constructor" cannot be read/],
    ['a.__proto__.x', /"__proto__" cannot be read/],
    ['a["__proto__"]', /"__proto__" cannot be read/],
    ['a["prototype"]', /"prototype" cannot be read/],
    ['f.prototype', /"prototype" cannot be read/],
    ['this.x', /"this" is not available/],
    ['new Date()', /"new" is not allowed/],
    ['a; b', /one expression only/],
    ['(a, b)', /comma sequences/],
    ['~1', /operator "~" is not supported/],
    ['2 ** 8', /operator "\*\*" is not supported/],
    ['a | 1', /operator "\|" is not supported/],
    ['[1, , 2]', /holes/],
  ])('%s', (src, message) => {
    expect(refusal(() => compileExpression(src)).message).toMatch(message);
  });

  it('has no assignment or function definitions: they do not even parse', () => {
    expect(refusal(() => compileExpression('a = 1')).message).toMatch(/Unexpected "="/);
    expect(refusal(() => compileExpression('x => x')).message).toMatch(/Unexpected "="/);
    expect(refusal(() => compileExpression('function () { return 1 }')).message).toMatch(/Unexpected/);
    expect(refusal(() => compileExpression('{ a: 1 }')).message).toMatch(/Unexpected "\{"/);
  });

  it('refuses dangerous keys computed at run time', () => {
    expect(refusal(() => run('a[k]', { a: {}, k: 'constructor' })).message).toBe('"constructor" cannot be read');
    expect(refusal(() => run('a["__pro" + "to__"]', { a: {} })).message).toBe('"__proto__" cannot be read');
    expect(refusal(() => run('nothing[k]', { k: 'prototype' })).message).toBe('"prototype" cannot be read');
    expect(refusal(() => run('map(xs, "constructor")', { xs: [{}] })).message).toBe('"constructor" cannot be read');
    expect(run('a[k]', { a: { c: 1 }, k: 'c' })).toBe(1);
  });

  it('keeps a parsed "__proto__" key as data and leaves Object.prototype alone', () => {
    const parsed = run('parse_json("{\\"__proto__\\": {\\"polluted\\": 1}}")') as object;
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.hasOwn(parsed, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(run('x.polluted', { x: {} })).toBeNull();
  });

  it('refuses a source longer than the limit', () => {
    const long = `1${' + 1'.repeat(500)}`;
    expect(long.length).toBeGreaterThan(EXPRESSION_LIMITS.sourceChars);
    expect(refusal(() => compileExpression(long)).message).toBe('expression longer than 2000 characters');
  });

  it('refuses a tree deeper than 32, accepts one exactly 32 deep', () => {
    expect(run(`${'!'.repeat(31)}true`)).toBe(false); // 31 negations over a literal: depth 32
    expect(refusal(() => compileExpression(`${'!'.repeat(32)}true`)).message).toBe('expression nested deeper than 32 levels');
  });

  it('reports where a syntax error is', () => {
    const e = refusal(() => compileExpression('1 +'));
    expect(e.message).toBe('Expected expression after +');
    expect(e.position).toBe(3);
    expect(refusal(() => compileExpression('a[')).position).toBe(2);
    expect(refusal(() => compileExpression('"abc')).position).toBe(4);
    expect(refusal(() => compileExpression('')).message).toBe('empty expression');
  });
});

describe('budget and size caps', () => {
  const xs = Array.from({ length: 5000 }, (_, i) => i);

  it('charges a step per node and per list item a function walks', () => {
    expect(run('sum(xs)', { xs })).toBe(12_497_500); // ~5003 steps: within the default 10 000
    expect(refusal(() => run('sum(xs)', { xs }, { maxSteps: 1000 })).message).toBe('expression ran longer than its budget');
    expect(refusal(() => run('sum(xs) + sum(xs)', { xs })).message).toBe('expression ran longer than its budget');
  });

  it('stops a long expression at a small budget', () => {
    const src = Array.from({ length: 20 }, () => 'a').join(' + '); // 39 nodes
    expect(run(src, { a: 1 }, { maxSteps: 39 })).toBe(20);
    expect(refusal(() => run(src, { a: 1 }, { maxSteps: 38 })).message).toBe('expression ran longer than its budget');
  });

  it('caps the text and lists an expression produces', () => {
    const big = 'x'.repeat(600_000);
    expect(refusal(() => run('s + s', { s: big })).message).toMatch(/text longer than 1000000 characters/);
    expect(refusal(() => run('join([s, s], "")', { s: big })).message).toMatch(/text longer than/);
    expect(refusal(() => run('split(s, "")', { s: big }, { maxSteps: 1e9 })).message).toMatch(/a list longer than 10000 items/);
    expect(run('len(split(s, ""))', { s: 'x'.repeat(9000) })).toBe(9000);
  });
});

describe('references', () => {
  it('lists the static paths read, stopping at computed steps', () => {
    const e = compileExpression('steps.fetch.output.total + len(input.items) + a[k].b + c["d-e"].f + g[0].h + steps.fetch.output.total');
    expect(e.references()).toEqual([
      ['steps', 'fetch', 'output', 'total'],
      ['input', 'items'],
      ['a'],
      ['k'],
      ['c', 'd-e', 'f'],
      ['g'],
    ]);
  });

  it('does not count function names, literals, or reads inside arguments twice', () => {
    expect(compileExpression('coalesce(x.y, x.y, 1) ? [z] : -w').references()).toEqual([['x', 'y'], ['z'], ['w']]);
    expect(compileExpression('now()').references()).toEqual([]);
  });

  it('hands out copies, so a caller cannot change what the next caller sees', () => {
    const e = compileExpression('input.a');
    e.references()[0]!.push('tampered');
    expect(compileExpression('input.a').references()).toEqual([['input', 'a']]);
  });
});

describe('templates', () => {
  const scope = { input: { name: 'Ada', tags: ['x', 'y'], n: 3, none: null } };

  it('returns the raw value when the template is exactly one placeholder', () => {
    expect(renderTemplate('{{ input.tags }}', scope)).toEqual(['x', 'y']);
    expect(renderTemplate('{{input.n * 2}}', scope)).toBe(6);
    expect(renderTemplate('{{ input.none }}', scope)).toBeNull();
  });

  it('stringifies when there is text around or more than one placeholder', () => {
    expect(renderTemplate('Hello {{ input.name }}!', scope)).toBe('Hello Ada!');
    expect(renderTemplate(' {{ input.n }}', scope)).toBe(' 3');
    expect(renderTemplate('{{ input.n }}{{ input.n }}', scope)).toBe('33');
    expect(renderTemplate('tags={{ input.tags }} obj={{ input }} none=[{{ input.none }}]', scope)).toBe(
      'tags=["x","y"] obj={"name":"Ada","tags":["x","y"],"n":3,"none":null} none=[]',
    );
    expect(renderTemplate('no placeholders', scope)).toBe('no placeholders');
  });

  it('lists the references of all placeholders and positions errors in the template', () => {
    expect(compileTemplate('{{ input.a }} and {{ steps.s.output }} and {{ input.a }}').references()).toEqual([['input', 'a'], ['steps', 's', 'output']]);
    expect(refusal(() => compileTemplate('Hi {{ 1 + }}')).position).toBe(10);
    expect(refusal(() => compileTemplate('Hi {{ a.constructor }}')).message).toBe('"constructor" cannot be read');
    const unclosed = refusal(() => compileTemplate('ok {{ a }} then {{ b'));
    expect(unclosed.message).toMatch(/without a closing/);
    expect(unclosed.position).toBe(16);
  });

  it('shares one budget across the placeholders of a render', () => {
    const t = compileTemplate('{{ a + a }} {{ a + a }}'); // 3 steps each
    expect(t.render({ a: 1 }, { maxSteps: 6 })).toBe('2 2');
    expect(refusal(() => t.render({ a: 1 }, { maxSteps: 5 })).message).toBe('expression ran longer than its budget');
  });
});

describe('compileDeep', () => {
  it('renders the strings of a JSON value at any depth and keeps everything else', () => {
    const deep = compileDeep({ to: '{{ input.email }}', body: { lines: ['Total: {{ steps.calc.output.total }}', 7, true, null], ids: '{{ input.ids }}' } });
    const scope = { input: { email: 'a@b.c', ids: [1, 2] }, steps: { calc: { output: { total: 9.5 } } } };
    expect(deep.render(scope)).toEqual({ to: 'a@b.c', body: { lines: ['Total: 9.5', 7, true, null], ids: [1, 2] } });
    expect(deep.references()).toEqual([['input', 'email'], ['steps', 'calc', 'output', 'total'], ['input', 'ids']]);
    expect(compileDeep(42).render({})).toBe(42);
  });

  it('keeps a "__proto__" key as an own data property', () => {
    const out = compileDeep(JSON.parse('{"__proto__": "{{ x }}"}')).render({ x: { polluted: true } }) as object;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toEqual({ polluted: true });
  });

  it('names the path of a bad template', () => {
    const e = refusal(() => compileDeep({ a: { list: ['fine', '{{ 2 * }}'] } }));
    expect(e.path).toBe('a.list.1');
    expect(e.message).toBe('a.list.1: Expected expression after *');
    expect(e.position).toBe(7); // where "}}" begins: the expression ended too soon
  });
});
