// Public ids are prefixed, sortable strings: `<prefix>_<ULID>`.
import { ulid } from 'ulid';

export function newId(prefix: string): string {
  return `${prefix}_${ulid()}`;
}

export function hasPrefix(id: string, prefix: string): boolean {
  return id.startsWith(`${prefix}_`) && id.length > prefix.length + 1;
}
