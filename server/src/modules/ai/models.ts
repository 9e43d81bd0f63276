// What the gateway knows about models: price per million tokens (USD) and context window.
// Tenants override prices (and context windows) in their settings; unknown models cost 0 and get a 128k window
// (usage still counts their tokens, so a token budget bounds them).
import { OFFLINE_MODEL } from './offline.js';

export type ModelFacts = { input_per_mtok: number; output_per_mtok: number; context: number };
export type PriceOverrides = Record<string, { input_per_mtok: number; output_per_mtok: number; context?: number }>;

const FACTS: Record<string, ModelFacts> = {
  [OFFLINE_MODEL]: { input_per_mtok: 0, output_per_mtok: 0, context: 1_000_000 },
  'use-lite-512': { input_per_mtok: 0, output_per_mtok: 0, context: 1_000_000 },
  'gpt-4o-mini': { input_per_mtok: 0.15, output_per_mtok: 0.6, context: 128_000 },
  'gpt-4o': { input_per_mtok: 2.5, output_per_mtok: 10, context: 128_000 },
  'gpt-4.1': { input_per_mtok: 2, output_per_mtok: 8, context: 1_000_000 },
  'gpt-4.1-mini': { input_per_mtok: 0.4, output_per_mtok: 1.6, context: 1_000_000 },
  'text-embedding-3-small': { input_per_mtok: 0.02, output_per_mtok: 0, context: 8_191 },
  'text-embedding-3-large': { input_per_mtok: 0.13, output_per_mtok: 0, context: 8_191 },
  'claude-sonnet-4-5': { input_per_mtok: 3, output_per_mtok: 15, context: 200_000 },
  'claude-haiku-4-5': { input_per_mtok: 1, output_per_mtok: 5, context: 200_000 },
  'claude-opus-4-1': { input_per_mtok: 15, output_per_mtok: 75, context: 200_000 },
};
const UNKNOWN: ModelFacts = { input_per_mtok: 0, output_per_mtok: 0, context: 128_000 };

export function factsOf(model: string, overrides: PriceOverrides = {}): ModelFacts & { priced: boolean } {
  const base = FACTS[model] ?? UNKNOWN;
  const o = overrides[model];
  return { ...base, ...(o ?? {}), priced: !!o || model in FACTS };
}

/** Cost in USD, rounded to the micro-dollar the usage table stores. */
export function costOf(model: string, input: number, output: number, overrides: PriceOverrides = {}): number {
  const f = factsOf(model, overrides);
  return Math.round(((input * f.input_per_mtok + output * f.output_per_mtok) / 1_000_000) * 1e6) / 1e6;
}
