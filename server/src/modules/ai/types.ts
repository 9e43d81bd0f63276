// The gateway's own vocabulary, independent of any client library.
import type { JsonSchema } from './json-schema.js';

export type ChatMessage = { role: 'system' | 'user' | 'assistant'; content: string };
export type ToolSpec = { name: string; description?: string; parameters: JsonSchema };
export type ToolCall = { id: string; name: string; input: unknown };

/** What one model call is asked to do. */
export type ModelRequest = {
  messages: ChatMessage[];
  schema?: JsonSchema;
  tools?: ToolSpec[];
  temperature?: number;
  maxTokens?: number;
};

/** What one model call produced. */
export type ModelResult = {
  text: string;
  json?: unknown;
  toolCalls?: ToolCall[];
  inputTokens: number;
  outputTokens: number;
  finishReason: string;
};

export type ProviderKind = 'offline' | 'openai-compatible' | 'anthropic';
export const ALIASES = ['fast', 'smart', 'cheap', 'embed'] as const;
export type Alias = (typeof ALIASES)[number];

/** One link of an alias's chain. */
export type Target = { provider: string; model: string };
