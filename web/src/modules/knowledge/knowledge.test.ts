// The knowledge screens' logic: snippets are text (a hit in <mark>, never parsed as HTML), every
// source error code has its sentence (unknown codes fall back to the server's message), citation
// numbering, and the source map's layout.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { TFunction } from 'i18next';
import en from './en';
import fr from './fr';
import mg from './mg';
import { citationNumbers } from './Citations';
import { Snippet } from './Snippet';
import { circleLayout } from './SourceMap';
import { SOURCE_ERROR_CODES, sourceErrorKey, sourceErrorText } from './sourceErrors';

const lookup = (dict: unknown) => ((key: string) => key.split('.').reduce<unknown>((n, k) => (n as Record<string, unknown> | undefined)?.[k], dict) ?? key) as unknown as TFunction;

describe('Snippet', () => {
  it('renders hits in <mark> and everything as escaped text', () => {
    const html = renderToStaticMarkup(createElement(Snippet, { segments: [
      { text: 'before <img src=x onerror=alert(1)> ', hit: false }, { text: '<b>price</b>', hit: true }, { text: ' & after', hit: false },
    ] }));
    expect(html).toBe('<span>before &lt;img src=x onerror=alert(1)&gt; </span><mark>&lt;b&gt;price&lt;/b&gt;</mark><span> &amp; after</span>');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>');
  });
});

describe('source errors', () => {
  it('every code has a sentence in en, fr and mg', () => {
    for (const dict of [en, fr, mg]) {
      const t = lookup(dict);
      for (const code of SOURCE_ERROR_CODES) {
        const text = sourceErrorText({ code, message: 'server says' }, t);
        expect(text, code).not.toBe(`knowledge.error.${code}`);
        expect(text).not.toBe('server says');
      }
    }
  });
  it('an unknown code falls back to the server message, then the code', () => {
    const t = lookup(en);
    expect(sourceErrorKey('SOMETHING_NEW')).toBeNull();
    expect(sourceErrorText({ code: 'SOMETHING_NEW', message: 'the parser said no' }, t)).toBe('the parser said no');
    expect(sourceErrorText({ code: 'SOMETHING_NEW', message: '' }, t)).toBe('SOMETHING_NEW');
    expect(sourceErrorText({ code: 'UNSAFE_URL', message: 'x' }, t)).toBe(en.knowledge.error.UNSAFE_URL);
  });
});

describe('citations and the map', () => {
  it('numbers each cited passage once, in order of first citation', () => {
    const c = (chunk_id: string) => ({ chunk_id, source_id: 's', source_name: 'S', page: 1, section: null, anchor: 'a', quote: 'q' });
    const n = citationNumbers([{ citations: [c('a'), c('b')] }, { citations: [c('b'), c('c')] }]);
    expect([...n]).toEqual([['a', 1], ['b', 2], ['c', 3]]);
  });
  it('lays the documents on a circle, the first at the top', () => {
    const p = circleLayout(4, 100, 200);
    expect(p[0]).toEqual({ x: 200, y: 100 });
    expect(p[2]!.y).toBeCloseTo(300);
    expect(circleLayout(1, 100, 200)).toEqual([{ x: 200, y: 200 }]);
  });
});
