// Writing large responses chunk by chunk without buffering them: wait for 'drain' when
// the socket is full, so a slow client slows the export instead of growing memory.
import type { Writable } from 'node:stream';

/**
 * Resolves when the chunk is written or buffered below the high-water mark, or when the
 * client has gone: a socket closed while full never drains, and waiting for it would hold the
 * export (and the server's shutdown) forever. Callers check `out.destroyed` to stop.
 */
export async function writeWithBackpressure(out: Writable, chunk: string): Promise<void> {
  if (out.destroyed) return;
  if (out.write(chunk)) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
  });
}
