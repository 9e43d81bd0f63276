// DOCX and PPTX written by hand as zips (fflate): the smallest parts Word/PowerPoint files carry,
// so the test knows exactly what is inside. XLSX through exceljs's writer (formulas with cached results).
import ExcelJS from 'exceljs';
import { strToU8, unzipSync, zipSync, type Zippable } from 'fflate';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
const W = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main';
const R = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const RELS = 'http://schemas.openxmlformats.org/package/2006/relationships';
const REL_DOC = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument';

const FIXED = new Date(Date.UTC(2026, 0, 15));

/** Fixed timestamps: the same corpus bytes on every run. */
const zip = (files: Record<string, string>): Uint8Array => {
  const z: Zippable = {};
  for (const [k, v] of Object.entries(files)) z[k] = [strToU8(v), { mtime: FIXED }];
  return zipSync(z, { level: 6 });
};

export const DOCX_TABLE: string[][] = [
  ['Item', 'Quantity', 'Unit price'],
  ['Oak desk', '4', '310.00'],
  ['Task chair', '12', '189.50'],
  ['Monitor arm', '8', '74.90'],
];

function wPara(text: string, style?: string): string {
  return `<w:p>${style ? `<w:pPr><w:pStyle w:val="${style}"/></w:pPr>` : ''}<w:r><w:t xml:space="preserve">${esc(text)}</w:t></w:r></w:p>`;
}

function wTable(rows: string[][]): string {
  const tr = rows.map((r) => `<w:tr>${r.map((c) => `<w:tc><w:tcPr><w:tcW w:w="2400" w:type="dxa"/></w:tcPr>${wPara(c)}</w:tc>`).join('')}</w:tr>`).join('');
  return `<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/></w:tblPr><w:tblGrid>${rows[0]!.map(() => '<w:gridCol w:w="2400"/>').join('')}</w:tblGrid>${tr}</w:tbl>`;
}

export function officeFitOutDocx(): Uint8Array {
  const body = [
    wPara('Office Fit-Out Proposal', 'Heading1'),
    wPara('Prepared for the Ghent office move planned for September 2026.'),
    wPara('Furniture', 'Heading2'),
    wPara('All desks are solid oak and carry a ten year warranty from the maker.'),
    wTable(DOCX_TABLE),
    wPara('Schedule', 'Heading2'),
    wPara('Installation takes three working days and starts on the 14th of September.'),
  ].join('');
  const styles = `${XML}<w:styles xmlns:w="${W}">
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="Normal"/></w:style>
<w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/></w:style>
</w:styles>`;
  return zip({
    '[Content_Types].xml': `${XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/></Types>`,
    '_rels/.rels': `${XML}<Relationships xmlns="${RELS}"><Relationship Id="rId1" Type="${REL_DOC}" Target="word/document.xml"/></Relationships>`,
    'word/_rels/document.xml.rels': `${XML}<Relationships xmlns="${RELS}"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`,
    'word/document.xml': `${XML}<w:document xmlns:w="${W}" xmlns:r="${R}"><w:body>${body}<w:sectPr/></w:body></w:document>`,
    'word/styles.xml': styles,
  });
}

/**
 * A raw DEFLATE stream that inflates to `size` bytes of spaces, written bit by bit without ever
 * holding the inflated data: one fixed-Huffman block of a literal ' ' followed by back-references
 * (length 258, distance 1). 13 bits per 258 bytes: ~1.6 MB for 256 MB, built in milliseconds.
 */
export function deflateSpaces(size: number): Uint8Array {
  const repeats = Math.floor((size - 1) / 258);
  const tail = size - 1 - repeats * 258; // 0..257, written as literals
  const out = new Uint8Array(Math.ceil((3 + 8 + repeats * 13 + tail * 8 + 7) / 8) + 8);
  let pos = 0;
  let bit = 0;
  /** Writes `n` bits of `v`, least significant first (DEFLATE's header and extra-bit order). */
  const put = (v: number, n: number) => {
    for (let i = 0; i < n; i++) {
      if ((v >> i) & 1) out[pos] = out[pos]! | (1 << bit);
      if (++bit === 8) {
        bit = 0;
        pos++;
      }
    }
  };
  /** Huffman codes go most significant bit first. */
  const code = (v: number, n: number) => {
    for (let i = n - 1; i >= 0; i--) put((v >> i) & 1, 1);
  };
  put(1, 1); // BFINAL
  put(1, 2); // BTYPE = 01, fixed Huffman
  const literal = (b: number) => code(0x30 + b, 8); // literals 0..143: 8-bit codes from 00110000
  literal(0x20);
  for (let i = 0; i < repeats; i++) {
    code(0xc5, 8); // length code 285 (= 258): 11000101
    code(0, 5); // distance code 0 (= 1)
  }
  for (let i = 0; i < tail; i++) literal(0x20);
  code(0, 7); // end of block (256): 0000000
  return out.subarray(0, pos + (bit ? 1 : 0));
}

/**
 * A zip bomb dressed as a DOCX: word/document.xml inflates to `inflatedMB` MB of spaces from a
 * hand-written DEFLATE stream (never held inflated). `lie` writes a small uncompressed size in
 * the headers, so only the actual, counted inflate can catch it.
 */
export function zipBombDocx(inflatedMB: number, lie: boolean): Uint8Array {
  const realSize = inflatedMB * 1024 * 1024;
  const compressed = deflateSpaces(realSize);
  const declared = lie ? 4096 : realSize;
  const ct = strToU8('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>');
  return rawZip([
    { name: '[Content_Types].xml', data: ct, method: 0, size: ct.length, crc: crc32(ct) },
    // The CRC of the huge entry is not computed (it would mean inflating it): the guard refuses before any CRC check.
    { name: 'word/document.xml', data: compressed, method: 8, size: declared, crc: 0 },
  ]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) {
    c ^= data[i]!;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

type RawEntry = { name: string; data: Uint8Array; method: 0 | 8; size: number; crc: number };

/** A zip written field by field (local headers, central directory, end record) for entries fflate will not fake. */
function rawZip(entries: RawEntry[]): Uint8Array {
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = strToU8(e.name);
    const lh = new Uint8Array(30 + name.length);
    const lv = new DataView(lh.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(8, e.method, true);
    lv.setUint32(14, e.crc, true);
    lv.setUint32(18, e.data.length, true);
    lv.setUint32(22, e.size, true);
    lv.setUint16(26, name.length, true);
    lh.set(name, 30);
    const ch = new Uint8Array(46 + name.length);
    const cv = new DataView(ch.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(10, e.method, true);
    cv.setUint32(16, e.crc, true);
    cv.setUint32(20, e.data.length, true);
    cv.setUint32(24, e.size, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    ch.set(name, 46);
    locals.push(lh, e.data);
    centrals.push(ch);
    offset += lh.length + e.data.length;
  }
  const cd = concat(centrals);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, cd.length, true);
  ev.setUint32(16, offset, true);
  return concat([...locals, cd, end]);
}

export const XLSX_SALES: string[][] = [
  ['Product', 'Units', 'Price', 'Revenue'],
  ['Widget', '40', '2.5', '100'],
  ['Gadget', '15', '12', '180'],
  ['Gizmo', '8', '30', '240'],
  ['Total', '', '', '520'],
];
export const XLSX_STAFF: string[][] = [
  ['Name', 'Team', 'Start'],
  ['Ines Duarte', 'Logistics', '2024-05-02'],
  ['Tomas Novak', 'Finance', '2025-11-17'],
];

/** Two sheets; Revenue is a formula (=B*C, a SUM for the total) saved with its cached result. */
export async function salesWorkbookXlsx(): Promise<Uint8Array> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'corpus';
  wb.created = new Date(Date.UTC(2026, 0, 15));
  wb.modified = new Date(Date.UTC(2026, 0, 15));
  const sales = wb.addWorksheet('Sales');
  sales.addRow(['Product', 'Units', 'Price', 'Revenue']);
  const data: [string, number, number][] = [
    ['Widget', 40, 2.5],
    ['Gadget', 15, 12],
    ['Gizmo', 8, 30],
  ];
  data.forEach(([p, u, pr], i) => {
    const r = i + 2;
    sales.addRow([p, u, pr, { formula: `B${r}*C${r}`, result: u * pr }]);
  });
  sales.addRow(['Total', null, null, { formula: 'SUM(D2:D4)', result: 520 }]);
  const staff = wb.addWorksheet('Staff');
  staff.addRow(['Name', 'Team', 'Start']);
  staff.addRow(['Ines Duarte', 'Logistics', '2024-05-02']);
  staff.addRow(['Tomas Novak', 'Finance', '2025-11-17']);
  const buf = await wb.xlsx.writeBuffer();
  // exceljs stamps the zip entries with the current time: re-zip with fixed times (deterministic bytes).
  const files = unzipSync(new Uint8Array(buf as ArrayBuffer));
  const z: Zippable = {};
  for (const name of Object.keys(files).sort()) z[name] = [files[name]!, { mtime: FIXED }];
  return zipSync(z, { level: 6 });
}

const P = 'http://schemas.openxmlformats.org/presentationml/2006/main';
const A = 'http://schemas.openxmlformats.org/drawingml/2006/main';

function pSp(id: number, text: string[], ph?: string): string {
  const nv = `<p:nvSpPr><p:cNvPr id="${id}" name="Shape ${id}"/><p:cNvSpPr/><p:nvPr>${ph ? `<p:ph type="${ph}"/>` : ''}</p:nvPr></p:nvSpPr>`;
  const paras = text.map((t) => `<a:p><a:r><a:rPr lang="en-US"/><a:t>${esc(t)}</a:t></a:r></a:p>`).join('');
  return `<p:sp>${nv}<p:spPr/><p:txBody><a:bodyPr/><a:lstStyle/>${paras}</p:txBody></p:sp>`;
}

export type Slide = { title: string; body: string[]; notes: string };

export const PPTX_SLIDES: Slide[] = [
  { title: 'Project Falcon kickoff', body: ['Scope: replace the legacy ordering portal', 'Sponsor: Dana Whitfield'], notes: 'Remind everyone that the pilot customer is Harbor Foods.' },
  { title: 'Timeline', body: ['Design in January', 'Build from February to May'], notes: 'The go-live date of 2 June is fixed by the contract.' },
  { title: 'Risks', body: ['Data migration from the old ERP', 'Key developer availability'], notes: 'Budget contingency is fifteen percent of the total.' },
];

/**
 * Three slides with notes. The notes files are numbered in reverse (slide 1 → notesSlide3.xml),
 * so a reader that pairs slideN with notesSlideN by name attaches the wrong notes.
 */
export function projectDeckPptx(): Uint8Array {
  const files: Record<string, string> = {};
  const n = PPTX_SLIDES.length;
  const overrides: string[] = ['<Override PartName="/ppt/presentation.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"/>'];
  const presRels: string[] = [];
  const sldIds: string[] = [];
  PPTX_SLIDES.forEach((s, i) => {
    const k = i + 1;
    const notesNo = n - i;
    files[`ppt/slides/slide${k}.xml`] = `${XML}<p:sld xmlns:p="${P}" xmlns:a="${A}" xmlns:r="${R}"><p:cSld><p:spTree><p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr/>${pSp(2, [s.title], 'title')}${pSp(3, s.body, 'body')}</p:spTree></p:cSld></p:sld>`;
    files[`ppt/slides/_rels/slide${k}.xml.rels`] = `${XML}<Relationships xmlns="${RELS}"><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/notesSlide" Target="../notesSlides/notesSlide${notesNo}.xml"/></Relationships>`;
    files[`ppt/notesSlides/notesSlide${notesNo}.xml`] = `${XML}<p:notes xmlns:p="${P}" xmlns:a="${A}" xmlns:r="${R}"><p:cSld><p:spTree><p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr/>${pSp(2, [], 'sldImg')}${pSp(3, [s.notes], 'body')}${pSp(4, [String(k)], 'sldNum')}</p:spTree></p:cSld></p:notes>`;
    overrides.push(`<Override PartName="/ppt/slides/slide${k}.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.slide+xml"/>`);
    overrides.push(`<Override PartName="/ppt/notesSlides/notesSlide${notesNo}.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.notesSlide+xml"/>`);
    presRels.push(`<Relationship Id="rId${k + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/slide" Target="slides/slide${k}.xml"/>`);
    sldIds.push(`<p:sldId id="${255 + k}" r:id="rId${k + 1}"/>`);
  });
  files['[Content_Types].xml'] = `${XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>${overrides.join('')}</Types>`;
  files['_rels/.rels'] = `${XML}<Relationships xmlns="${RELS}"><Relationship Id="rId1" Type="${REL_DOC}" Target="ppt/presentation.xml"/></Relationships>`;
  files['ppt/_rels/presentation.xml.rels'] = `${XML}<Relationships xmlns="${RELS}">${presRels.join('')}</Relationships>`;
  files['ppt/presentation.xml'] = `${XML}<p:presentation xmlns:p="${P}" xmlns:a="${A}" xmlns:r="${R}"><p:sldIdLst>${sldIds.join('')}</p:sldIdLst><p:sldSz cx="9144000" cy="6858000"/></p:presentation>`;
  return zip(files);
}
