// Zip bomb guard for DOCX/XLSX/PPTX, run before mammoth/exceljs see the bytes (they inflate
// everything into memory). Reads the central directory itself and checks two things:
//   1. the DECLARED uncompressed sizes summed are within maxUnzippedBytes (cheap, catches honest bombs);
//   2. the ACTUAL inflated size, by stream-inflating every entry with a byte counter and
//      stopping as soon as the running total passes the limit (a lying header cannot hide a bomb,
//      and a bomb is never held in memory).
// The inflated entries are returned (bounded by the limit), so the PPTX reader needs no second unzip.
import { Inflate } from 'fflate';
import { ParseError } from './types.js';

export type ZipEntries = Map<string, Uint8Array>;

type CentralEntry = { name: string; method: number; compressedSize: number; size: number; localOffset: number; flags: number };

const corrupt = (why: string) => new ParseError('CORRUPT', `This file is not a valid Office document (a damaged zip: ${why}).`);

function readCentralDirectory(buf: Uint8Array): CentralEntry[] {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  // End of central directory: 22 bytes + a comment of up to 65535 bytes, searched backwards.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw corrupt('no end-of-directory record');
  const count = view.getUint16(eocd + 10, true);
  const cdOffset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || cdOffset === 0xffffffff) throw corrupt('zip64 archives are not supported for Office documents');
  const entries: CentralEntry[] = [];
  let p = cdOffset;
  const dec = new TextDecoder();
  for (let i = 0; i < count; i++) {
    if (p + 46 > buf.length || view.getUint32(p, true) !== 0x02014b50) throw corrupt('a broken directory entry');
    const flags = view.getUint16(p + 8, true);
    const method = view.getUint16(p + 10, true);
    const compressedSize = view.getUint32(p + 20, true);
    const size = view.getUint32(p + 24, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    const localOffset = view.getUint32(p + 42, true);
    const name = dec.decode(buf.subarray(p + 46, p + 46 + nameLen));
    entries.push({ name, method, compressedSize, size, localOffset, flags });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

function tooBig(limit: number, declared: boolean): ParseError {
  const mb = (limit / (1024 * 1024)).toFixed(0);
  return new ParseError(
    'ZIP_BOMB',
    `This document expands to more than ${mb} MB when unpacked${declared ? ' (by its own directory)' : ''}, which is more than allowed: it looks like a zip bomb and was not opened.`,
  );
}

/** Checks the zip and returns its entries inflated; throws ZIP_BOMB over `maxUnzippedBytes`, CORRUPT when it is not a zip. */
export function guardZip(buf: Uint8Array, maxUnzippedBytes: number): ZipEntries {
  // A password-protected DOCX/XLSX/PPTX is not a zip at all but an OLE compound file holding an
  // "EncryptedPackage" stream; a legacy .doc/.xls/.ppt is the same container without it.
  if (buf.length >= 8 && buf[0] === 0xd0 && buf[1] === 0xcf && buf[2] === 0x11 && buf[3] === 0xe0) {
    const marker = new TextEncoder().encode('EncryptedPackage');
    const utf16 = new Uint8Array(marker.length * 2);
    marker.forEach((c, i) => (utf16[i * 2] = c));
    if (Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).indexOf(utf16) >= 0) {
      throw new ParseError('ENCRYPTED', 'This document is password-protected; remove the password and upload it again.');
    }
    throw new ParseError('UNSUPPORTED', 'This is an old-format (97–2003) Office file; save it as .docx, .xlsx or .pptx and upload it again.');
  }
  const entries = readCentralDirectory(buf);
  if (entries.length === 0) throw corrupt('it is empty');
  const declared = entries.reduce((s, e) => s + e.size, 0);
  if (declared > maxUnzippedBytes) throw tooBig(maxUnzippedBytes, true);
  if (entries.some((e) => e.flags & 1)) throw new ParseError('ENCRYPTED', 'This document is password-protected; remove the password and upload it again.');
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: ZipEntries = new Map();
  let total = 0;
  // Small input pieces: deflate expands at most ~1032×, so one push yields at most ~4 MB past the limit.
  const CHUNK = 4 * 1024;
  for (const e of entries) {
    if (e.name.endsWith('/')) continue;
    const lp = e.localOffset;
    if (lp + 30 > buf.length || view.getUint32(lp, true) !== 0x04034b50) throw corrupt(`entry ${e.name} has no local header`);
    const start = lp + 30 + view.getUint16(lp + 26, true) + view.getUint16(lp + 28, true);
    const end = start + e.compressedSize;
    if (end > buf.length) throw corrupt(`entry ${e.name} is truncated`);
    const data = buf.subarray(start, end);
    if (e.method === 0) {
      total += data.length;
      if (total > maxUnzippedBytes) throw tooBig(maxUnzippedBytes, false);
      out.set(e.name, data);
      continue;
    }
    if (e.method !== 8) throw corrupt(`entry ${e.name} uses an unsupported compression method (${e.method})`);
    const parts: Uint8Array[] = [];
    let over = false;
    const inf = new Inflate((chunk) => {
      if (over) return;
      total += chunk.length;
      if (total > maxUnzippedBytes) {
        over = true;
        parts.length = 0; // drop what we held: the document is refused anyway
        return;
      }
      parts.push(chunk.slice());
    });
    try {
      for (let off = 0; off < data.length && !over; off += CHUNK) {
        const piece = data.subarray(off, Math.min(off + CHUNK, data.length));
        inf.push(piece, off + CHUNK >= data.length);
      }
    } catch (err) {
      if (over) throw tooBig(maxUnzippedBytes, false);
      throw corrupt(`entry ${e.name} does not inflate (${err instanceof Error ? err.message : String(err)})`);
    }
    if (over) throw tooBig(maxUnzippedBytes, false);
    const size = parts.reduce((s, p) => s + p.length, 0);
    const joined = new Uint8Array(size);
    let o = 0;
    for (const p of parts) {
      joined.set(p, o);
      o += p.length;
    }
    out.set(e.name, joined);
  }
  return out;
}
