// Writing large responses chunk by chunk without buffering them: wait for 'drain' when
// the socket is full, so a slow client slows the export instead of growing memory.
import { once } from 'node:events';
import type { Writable } from 'node:stream';

export async function writeWithBackpressure(out: Writable, chunk: string): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}
