// In-process caches keyed by tenant, schema or endpoint must not grow without end: past their
// limit the entry held longest goes (a Map iterates in insertion order). Not an LRU — the
// caches using it are cheap to refill and an LRU's bookkeeping is not worth it for them.

/** Sets `key`; if it is new and the map is full, first drops the entry held longest. */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  if (!map.has(key) && map.size >= max) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
  map.set(key, value);
}
