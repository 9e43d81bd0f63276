// PPTX with fflate (via zip-guard) + fast-xml-parser: one block per slide in presentation order
// (ppt/presentation.xml's sldIdLst through its rels, not file-name order), section = the slide's
// title placeholder, and the speaker notes as a 'notes' block on the same page — found through the
// slide's own rels (ppt/slides/_rels/slideN.xml.rels → notesSlide), since notesSlideK need not be slide K.
import { XMLParser } from 'fast-xml-parser';
import { guardZip, type ZipEntries } from './zip-guard.js';
import { asParseError, checkAborted, cleanText, ParseError, type Block, type ParseContext, type ParsedDocument } from './types.js';

type X = Record<string, unknown>;

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', removeNSPrefix: false, processEntities: true, htmlEntities: true, parseTagValue: false, trimValues: false });

function read(entries: ZipEntries, path: string): X | null {
  const data = entries.get(path);
  if (!data) return null;
  return xml.parse(new TextDecoder().decode(data)) as X;
}

const arr = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Resolves a rels Target against the folder of the part that owns the rels. */
function resolveTarget(baseDir: string, target: string): string {
  if (target.startsWith('/')) return target.slice(1);
  const parts = baseDir.split('/').filter(Boolean);
  for (const seg of target.split('/')) {
    if (seg === '..') parts.pop();
    else if (seg !== '.') parts.push(seg);
  }
  return parts.join('/');
}

function rels(entries: ZipEntries, relsPath: string, baseDir: string): Map<string, { type: string; target: string }> {
  const out = new Map<string, { type: string; target: string }>();
  const doc = read(entries, relsPath);
  const list = arr((doc?.['Relationships'] as X | undefined)?.['Relationship'] as X | X[] | undefined);
  for (const r of list) out.set(String(r['@Id']), { type: String(r['@Type'] ?? ''), target: resolveTarget(baseDir, String(r['@Target'] ?? '')) });
  return out;
}

/** Every a:p's text under a node, one string a paragraph (a:t runs joined, a:br as a newline). */
function paragraphs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) {
    for (const n of node) paragraphs(n, out);
    return out;
  }
  if (!node || typeof node !== 'object') return out;
  for (const [k, v] of Object.entries(node as X)) {
    if (k === 'a:p') {
      for (const p of arr(v as X | X[])) {
        const runs = [...arr((p as X)['a:r'] as X | X[] | undefined), ...arr((p as X)['a:fld'] as X | X[] | undefined)];
        const text = runs.map((r) => textOf(r['a:t'])).join('');
        if (text.trim()) out.push(text);
      }
    } else if (!k.startsWith('@')) paragraphs(v, out);
  }
  return out;
}

function textOf(t: unknown): string {
  if (typeof t === 'string' || typeof t === 'number') return String(t);
  if (t && typeof t === 'object' && '#text' in t) return String((t as X)['#text']);
  return '';
}

/** The shapes of a slide's spTree (groups flattened), with their placeholder type. */
function shapes(tree: X | undefined): { ph: string | null; node: X }[] {
  if (!tree) return [];
  const out: { ph: string | null; node: X }[] = [];
  for (const sp of arr(tree['p:sp'] as X | X[] | undefined)) {
    const ph = ((sp['p:nvSpPr'] as X | undefined)?.['p:nvPr'] as X | undefined)?.['p:ph'] as X | undefined;
    out.push({ ph: ph ? String(ph['@type'] ?? 'body') : null, node: sp });
  }
  for (const g of arr(tree['p:grpSp'] as X | X[] | undefined)) out.push(...shapes(g));
  for (const gf of arr(tree['p:graphicFrame'] as X | X[] | undefined)) out.push({ ph: null, node: gf });
  return out;
}

function spTree(doc: X | null, root: string): X | undefined {
  return ((doc?.[root] as X | undefined)?.['p:cSld'] as X | undefined)?.['p:spTree'] as X | undefined;
}

export async function parsePptx(bytes: Uint8Array, ctx: ParseContext): Promise<ParsedDocument> {
  const entries = guardZip(bytes, ctx.limits.maxUnzippedBytes);
  try {
    const pres = read(entries, 'ppt/presentation.xml');
    if (!pres) throw new Error('no ppt/presentation.xml');
    const presRels = rels(entries, 'ppt/_rels/presentation.xml.rels', 'ppt');
    const ids = arr(((pres['p:presentation'] as X | undefined)?.['p:sldIdLst'] as X | undefined)?.['p:sldId'] as X | X[] | undefined);
    const slidePaths = ids.map((s) => presRels.get(String(s['@r:id']))?.target).filter((p): p is string => !!p && entries.has(p));
    if (slidePaths.length > ctx.limits.maxPages) throw new ParseError('TOO_MANY_PAGES', `This presentation has ${slidePaths.length} slides; at most ${ctx.limits.maxPages} can be read.`);
    const blocks: Block[] = [];
    let title: string | null = null;
    for (let i = 0; i < slidePaths.length; i++) {
      checkAborted(ctx.signal);
      const n = i + 1;
      const path = slidePaths[i]!;
      const dir = path.slice(0, path.lastIndexOf('/'));
      const file = path.slice(path.lastIndexOf('/') + 1);
      const sh = shapes(spTree(read(entries, path), 'p:sld'));
      const titleShape = sh.find((s) => s.ph === 'title' || s.ph === 'ctrTitle');
      const slideTitle = titleShape ? cleanText(paragraphs(titleShape.node).join(' ')) || null : null;
      if (n === 1) title = slideTitle;
      const text = cleanText(sh.flatMap((s) => paragraphs(s.node)).join('\n'));
      if (text) blocks.push({ anchor: `s${n}.b1`, page: n, section: slideTitle, kind: 'paragraph', text });
      const notesPath = [...rels(entries, `${dir}/_rels/${file}.rels`, dir).values()].find((r) => r.type.endsWith('/notesSlide'))?.target;
      if (notesPath) {
        // The notes page's body placeholder holds the notes; the slide image and number are skipped.
        const notesShapes = shapes(spTree(read(entries, notesPath), 'p:notes')).filter((s) => s.ph === 'body');
        const notes = cleanText(notesShapes.flatMap((s) => paragraphs(s.node)).join('\n'));
        if (notes) blocks.push({ anchor: `s${n}.notes`, page: n, section: slideTitle, kind: 'notes', text: notes });
      }
      ctx.progress(n / slidePaths.length);
    }
    ctx.progress(1);
    return { type: 'pptx', title, pages: slidePaths.length, blocks, warnings: ctx.warnings };
  } catch (err) {
    throw asParseError(err, 'presentation');
  }
}
