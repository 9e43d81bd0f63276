// A source's or a refused file's failure as a sentence in the reader's language, from its stable
// code; a code this screen does not know falls back to the server's own message.
import type { TFunction } from 'i18next';

export const SOURCE_ERROR_CODES = [
  'EMPTY_FILE', 'UNSUPPORTED_TYPE', 'PAYLOAD_TOO_LARGE', 'TOO_MANY_SOURCES', 'CORRUPT', 'ENCRYPTED', 'TOO_MANY_PAGES', 'ZIP_BOMB',
  'TOO_LARGE', 'UNSUPPORTED', 'PARSE_TIMEOUT', 'URL_UNREACHABLE', 'UNSAFE_URL', 'NO_TEXT', 'PARSE_CRASHED',
] as const;
const KNOWN = new Set<string>(SOURCE_ERROR_CODES);

/** The i18n key of a known code, or null. */
export const sourceErrorKey = (code: string): string | null => (KNOWN.has(code) ? `knowledge.error.${code}` : null);

export function sourceErrorText(err: { code: string; message: string }, t: TFunction): string {
  const key = sourceErrorKey(err.code);
  return key ? t(key) : err.message || err.code;
}
