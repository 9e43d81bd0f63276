// A 5×7 bitmap font (capitals, digits, a little punctuation) and a renderer that scales it up into
// a grey image: a "scan" of known text made without any system font or native canvas. Tesseract
// reads a clean, large bitmap font well; the corpus measures how well (ocrAccuracy).
import { encodePng } from '../parsers/png.js';

const GLYPHS: Record<string, string> = {
  A: '.###. #...# #...# ##### #...# #...# #...#',
  B: '####. #...# #...# ####. #...# #...# ####.',
  C: '.###. #...# #.... #.... #.... #...# .###.',
  D: '####. #...# #...# #...# #...# #...# ####.',
  E: '##### #.... #.... ####. #.... #.... #####',
  F: '##### #.... #.... ####. #.... #.... #....',
  G: '.###. #...# #.... #.### #...# #...# .####',
  H: '#...# #...# #...# ##### #...# #...# #...#',
  I: '.###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.',
  J: '..### ...#. ...#. ...#. ...#. #..#. .##..',
  K: '#...# #..#. #.#.. ##... #.#.. #..#. #...#',
  L: '#.... #.... #.... #.... #.... #.... #####',
  M: '#...# ##.## #.#.# #.#.# #...# #...# #...#',
  N: '#...# #...# ##..# #.#.# #..## #...# #...#',
  O: '.###. #...# #...# #...# #...# #...# .###.',
  P: '####. #...# #...# ####. #.... #.... #....',
  Q: '.###. #...# #...# #...# #.#.# #..#. .##.#',
  R: '####. #...# #...# ####. #.#.. #..#. #...#',
  S: '.#### #.... #.... .###. ....# ....# ####.',
  T: '##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..',
  U: '#...# #...# #...# #...# #...# #...# .###.',
  V: '#...# #...# #...# #...# #...# .#.#. ..#..',
  W: '#...# #...# #...# #.#.# #.#.# #.#.# .#.#.',
  X: '#...# #...# .#.#. ..#.. .#.#. #...# #...#',
  Y: '#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..',
  Z: '##### ....# ...#. ..#.. .#... #.... #####',
  '0': '.##.. #..#. #..#. #..#. #..#. #..#. .##..',
  '1': '..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.',
  '2': '.###. #...# ....# ...#. ..#.. .#... #####',
  '3': '##### ...#. ..#.. ...#. ....# #...# .###.',
  '4': '...#. ..##. .#.#. #..#. ##### ...#. ...#.',
  '5': '##### #.... #.... ####. ....# #...# .###.',
  '6': '..##. .#... #.... ####. #...# #...# .###.',
  '7': '##### ....# ...#. ..#.. .#... .#... .#...',
  '8': '.###. #...# #...# .###. #...# #...# .###.',
  '9': '.###. #...# #...# .#### ....# ...#. .##..',
  '.': '..... ..... ..... ..... ..... .##.. .##..',
  ',': '..... ..... ..... ..... .##.. ..#.. .#...',
  ':': '..... .##.. .##.. ..... .##.. .##.. .....',
  '-': '..... ..... ..... ##### ..... ..... .....',
  ' ': '..... ..... ..... ..... ..... ..... .....',
};

export type GreyImage = { width: number; height: number; pixels: Uint8Array };

type Seg = [number, number, number, number];

/**
 * A glyph as strokes: every font dot joined to its on-neighbours (orthogonal, and diagonal when no
 * orthogonal pair already joins them), so an N has a continuous diagonal like a real sans-serif
 * and not a staircase of blocks — tesseract reads that much better than scaled-up squares.
 */
function strokes(ch: string): Seg[] {
  const rows = (GLYPHS[ch] ?? GLYPHS[' ']!).split(' ');
  const on = (x: number, y: number) => rows[y]?.[x] === '#';
  const segs: Seg[] = [];
  for (let y = 0; y < 7; y++) {
    for (let x = 0; x < 5; x++) {
      if (!on(x, y)) continue;
      segs.push([x, y, x, y]);
      if (on(x + 1, y)) segs.push([x, y, x + 1, y]);
      if (on(x, y + 1)) segs.push([x, y, x, y + 1]);
      if (on(x + 1, y + 1) && !on(x + 1, y) && !on(x, y + 1)) segs.push([x, y, x + 1, y + 1]);
      if (on(x - 1, y + 1) && !on(x - 1, y) && !on(x, y + 1)) segs.push([x, y, x - 1, y + 1]);
    }
  }
  return segs;
}

function distToSeg(px: number, py: number, [x1, y1, x2, y2]: Seg): number {
  const dx = x2 - x1;
  const dy = y2 - y1;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - x1) * dx + (py - y1) * dy) / len2));
  const ex = px - (x1 + t * dx);
  const ey = py - (y1 + t * dy);
  return Math.sqrt(ex * ex + ey * ey);
}

/** Text lines (capitals, digits, . , : -) → a white image with dark anti-aliased text; `scale` pixels per font dot. */
export function renderText(lines: string[], scale = 6, margin = 48): GreyImage {
  const cols = Math.max(...lines.map((l) => l.length));
  const cellW = 6 * scale;
  const lineH = 11 * scale;
  const width = margin * 2 + cols * cellW;
  const height = margin * 2 + lines.length * lineH;
  const pixels = new Uint8Array(width * height).fill(255);
  const radius = 0.42; // stroke half-width in font dots
  const cache = new Map<string, Uint8Array>();
  const glyph = (ch: string): Uint8Array => {
    let g = cache.get(ch);
    if (g) return g;
    const segs = strokes(ch);
    g = new Uint8Array(cellW * 8 * scale).fill(255);
    for (let y = 0; y < 8 * scale; y++) {
      for (let x = 0; x < cellW; x++) {
        // Pixel centre in font-dot units (dot centres at integer coordinates).
        const fx = (x + 0.5) / scale - 0.5;
        const fy = (y + 0.5) / scale - 0.5;
        let d = Infinity;
        for (const s of segs) d = Math.min(d, distToSeg(fx, fy, s));
        // One pixel of anti-aliased edge.
        const edge = (d - radius) * scale;
        g[y * cellW + x] = edge <= -0.5 ? 0 : edge >= 0.5 ? 255 : Math.round((edge + 0.5) * 255);
      }
    }
    cache.set(ch, g);
    return g;
  };
  lines.forEach((line, li) => {
    [...line.toUpperCase()].forEach((ch, ci) => {
      if (ch === ' ') return;
      const g = glyph(ch);
      const x0 = margin + ci * cellW;
      const y0 = margin + li * lineH;
      for (let y = 0; y < 8 * scale; y++) pixels.set(g.subarray(y * cellW, (y + 1) * cellW), (y0 + y) * width + x0);
    });
  });
  return { width, height, pixels };
}

export function renderTextPng(lines: string[], scale = 6): Uint8Array {
  const img = renderText(lines, scale);
  return encodePng(img.pixels, img.width, img.height, 1);
}
