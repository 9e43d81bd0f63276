// An export writing to a client that went away must stop, not wait for a 'drain' that never comes.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { writeWithBackpressure } from './streams.js';

/** A socket-like sink that accepts one write and then never drains. */
const stuckSink = () => new Writable({ highWaterMark: 1, write: () => undefined });

describe('writeWithBackpressure', () => {
  it('returns when the full sink is closed by the client', async () => {
    const out = stuckSink();
    const writing = writeWithBackpressure(out, 'x'.repeat(64));
    let settled = false;
    void writing.then(() => (settled = true));
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false); // full: it waits
    out.destroy();
    await writing;
    expect(out.destroyed).toBe(true);
  });

  it('writes nothing to a closed sink', async () => {
    const out = stuckSink();
    out.destroy();
    await writeWithBackpressure(out, 'late');
    expect(out.writableLength).toBe(0);
  });
});
