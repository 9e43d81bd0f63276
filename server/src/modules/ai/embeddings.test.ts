// The offline embedding model is imported and loaded on first use only, once for concurrent first calls.
// The suite shares module instances between test files of one worker (isolate: false), so the
// module is imported afresh here: another file may have embedded already.
import { describe, expect, it, vi } from 'vitest';

describe('offline embeddings, loaded lazily', () => {
  it('is not loaded by importing the module; concurrent first calls load it once', async () => {
    vi.resetModules();
    const { cosine, offlineEmbed, offlineModelLoads, OFFLINE_EMBED_DIMENSIONS } = await import('./embeddings.js');
    expect(offlineModelLoads()).toBe(0);
    const [a, b, c] = await Promise.all([offlineEmbed(['invoice is overdue']), offlineEmbed(['payment is late']), offlineEmbed(['the cat sat on the mat'])]);
    expect(offlineModelLoads()).toBe(1);
    expect(a![0]).toHaveLength(OFFLINE_EMBED_DIMENSIONS);
    expect(cosine(a![0]!, b![0]!)).toBeGreaterThan(cosine(a![0]!, c![0]!));
    await offlineEmbed([]);
    expect(offlineModelLoads()).toBe(1);
  }, 60_000);
});
