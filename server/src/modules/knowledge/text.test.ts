// The pure pieces of knowledge: chunking, the query words, RRF fusion, snippet segments, the
// grounding check (numbers included) and names found for the source map.
import { describe, expect, it } from 'vitest';
import { chunkBlocks, sentences, TARGET_CHARS } from './chunks.js';
import { numbersOf, support } from './grounding.js';
import { fuse, queryWords, segments } from './search.js';
import { entitiesOf } from './synthesis.js';

describe('chunking', () => {
  it('packs paragraphs of one page and section, never across them, and keeps a table alone', () => {
    const p = (page: number, section: string, text: string, i: number) => ({ anchor: `p${page}.b${i}`, page, section, kind: 'paragraph' as const, text });
    const chunks = chunkBlocks([
      { anchor: 'p1.b0', page: 1, section: null, kind: 'heading', text: 'Contract' },
      p(1, 'Contract', 'The contract renews in March.', 1),
      p(1, 'Contract', 'The fee is 18 400 euros.', 2),
      p(2, 'Contract', 'Page two starts a new passage.', 3),
      { anchor: 'p2.t0', page: 2, section: 'Contract', kind: 'table', text: 'a\tb\n1\t2', rows: [['a', 'b'], ['1', '2']] },
      p(2, 'Fleet', 'Another section, another passage.', 4),
    ]);
    expect(chunks.map((c) => [c.page, c.kind, c.anchor])).toEqual([[1, 'paragraph', 'p1.b0'], [2, 'paragraph', 'p2.b3'], [2, 'table', 'p2.t0'], [2, 'paragraph', 'p2.b4']]);
    expect(chunks[0]!.text).toBe('Contract\nThe contract renews in March.\nThe fee is 18 400 euros.');
    expect(chunks.map((c) => c.ord)).toEqual([0, 1, 2, 3]);
  });

  it('cuts a long block at sentence ends and splits a long table with its header repeated', () => {
    const long = Array.from({ length: 60 }, (_, i) => `Sentence number ${i} talks about the depot.`).join(' ');
    const parts = chunkBlocks([{ anchor: 'a', page: 1, section: null, kind: 'paragraph', text: long }]);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.every((c) => c.text.length <= 1600 && /\.$/.test(c.text))).toBe(true);
    const rows = [['region', 'vans'], ...Array.from({ length: 200 }, (_, i) => [`Region ${i}`, String(i)])];
    const tables = chunkBlocks([{ anchor: 't', page: 1, section: null, kind: 'table', text: rows.map((r) => r.join('\t')).join('\n'), rows }]);
    expect(tables.length).toBeGreaterThan(1);
    expect(tables.every((c) => c.text.startsWith('region\tvans\n') && c.text.length < TARGET_CHARS + 200)).toBe(true);
  });

  it('splits sentences at their ends, not inside numbers', () => {
    expect(sentences('It costs 4.5 euros. Then it grows! Does it? Yes')).toEqual(['It costs 4.5 euros.', 'Then it grows!', 'Does it?', 'Yes']);
  });
});

describe('search pieces', () => {
  it('keeps the words that find something, in three languages, with no tsquery syntax', () => {
    expect(queryWords('What is the renewal date of the contract?')).toEqual(['renewal', 'date', 'contract']);
    expect(queryWords('Quelle est la date de renouvellement ?')).toEqual(['date', 'renouvellement']);
    expect(queryWords("Inona ny daty fanavaozana ny fifanarahana?")).toEqual(['daty', 'fanavaozana', 'fifanarahana']);
    expect(queryWords("a & b | !c:* <-> 'd'")).toEqual([]);
  });

  it('fuses ranked lists by reciprocal rank: agreement beats one first place', () => {
    const f = fuse([['x', 'y', 'z'], ['y', 'w']]);
    expect(f.map((e) => e.id)).toEqual(['y', 'x', 'w', 'z']);
    expect(f[0]!.ranks).toEqual([2, 1]);
    expect(f.find((e) => e.id === 'w')!.ranks).toEqual([null, 2]);
  });

  it('turns a highlighted headline into text segments', () => {
    expect(segments('The \u0001contract\u0002 renews \u0001in\u0002 March')).toEqual([
      { text: 'The ', hit: false }, { text: 'contract', hit: true }, { text: ' renews ', hit: false }, { text: 'in', hit: true }, { text: ' March', hit: false },
    ]);
    expect(segments('<script>x</script>')).toEqual([{ text: '<script>x</script>', hit: false }]);
  });
});

describe('the grounding check', () => {
  const passage = 'Riake Logistics runs 42 delivery vans between Antananarivo and Toamasina; the contract renews on 14 March 2027 for 18 400 euros.';
  it('supports a sentence whose words and numbers are in the passage', () => {
    expect(support('Riake Logistics runs 42 vans between Antananarivo and Toamasina.', [passage]).supported).toBe(true);
    expect(support('The contract renews on 14 March 2027.', [passage]).supported).toBe(true);
  });
  it('refuses a changed number, another subject, or an empty sentence', () => {
    expect(support('Riake Logistics runs 24 delivery vans between Antananarivo and Toamasina.', [passage])).toMatchObject({ supported: false, missingNumbers: ['24'] });
    expect(support('The warehouse in Mahajanga stores frozen fish for export markets.', [passage]).supported).toBe(false);
    expect(support('', [passage]).supported).toBe(false);
    expect(support('The contract renews on 14 March 2027.', []).supported).toBe(false);
  });
  it('reads numbers as people write them', () => {
    expect(numbersOf('18 400 euros, 1,200 vans, 4,5 % and 3.25 t')).toEqual(['18400', '1200', '4.5', '3.25']);
  });
});

describe('names for the source map', () => {
  it('finds runs of capitalised words, not a lone sentence opener', () => {
    expect(entitiesOf('The depot of Riake Logistics is run by Hery Rakoto. Drivers start at 5 am in Toamasina.')).toEqual(['Riake Logistics', 'Hery Rakoto', 'Toamasina']);
  });
});
