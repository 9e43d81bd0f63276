// Public ids are prefixed, sortable strings: `<prefix>_<ULID>`.
import { randomBytes } from 'node:crypto';
import { ulid } from 'ulid';

// ulid() by default detects its random source and draws 16 single random bytes per id;
// on a hot path (every request id) that was a fifth of the CPU. One pooled buffer of
// crypto-random bytes, refilled as it runs out, gives the same entropy far cheaper.
const POOL_SIZE = 4096;
let pool = randomBytes(POOL_SIZE);
let offset = 0;

function pooledRandom(): number {
  if (offset >= POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    offset = 0;
  }
  return pool[offset++]! / 256;
}

export function newId(prefix: string): string {
  return `${prefix}_${ulid(undefined, pooledRandom)}`;
}

export function hasPrefix(id: string, prefix: string): boolean {
  return id.startsWith(`${prefix}_`) && id.length > prefix.length + 1;
}
