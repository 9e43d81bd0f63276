// The offline embedding model is imported and loaded on first use only, once for concurrent first calls.
import { describe, expect, it } from 'vitest';
import { cosine, offlineEmbed, offlineModelLoads, OFFLINE_EMBED_DIMENSIONS } from './embeddings.js';

describe('offline embeddings, loaded lazily', () => {
  it('is not loaded by importing the module; concurrent first calls load it once', async () => {
    expect(offlineModelLoads()).toBe(0);
    const [a, b, c] = await Promise.all([offlineEmbed(['invoice is overdue']), offlineEmbed(['payment is late']), offlineEmbed(['the cat sat on the mat'])]);
    expect(offlineModelLoads()).toBe(1);
    expect(a![0]).toHaveLength(OFFLINE_EMBED_DIMENSIONS);
    expect(cosine(a![0]!, b![0]!)).toBeGreaterThan(cosine(a![0]!, c![0]!));
    await offlineEmbed([]);
    expect(offlineModelLoads()).toBe(1);
  }, 60_000);
});
