// A streamed call's timeout is a silence limit, and silence is measured on the wire: the SDK
// turns some events into no part at all (usage-only chunks, `[DONE]`, a provider's keep-alive
// comments), so counting its parts would call a live stream silent. The call registers its
// abort signal (unique per attempt, and what the SDK hands to fetch); the provider clients'
// fetch then reports every chunk of that response's body.
const watchers = new WeakMap<AbortSignal, () => void>();

/** `onBytes` runs whenever the response fetched with `signal` delivers a chunk of its body. */
export function watchWire(signal: AbortSignal, onBytes: () => void): void {
  watchers.set(signal, onBytes);
}

/** Wraps a fetch so responses of watched requests report their body's chunks (others pass untouched). */
export function reportingWireActivity(inner: typeof fetch): typeof fetch {
  return async (input, init) => {
    const res = await inner(input, init);
    const onBytes = init?.signal ? watchers.get(init.signal) : undefined;
    if (!onBytes || !res.body) return res;
    onBytes(); // the headers arrived
    const body = res.body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, out) {
        onBytes();
        out.enqueue(chunk);
      },
    }));
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}
