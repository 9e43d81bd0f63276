// The gateway's own vocabulary, independent of any client library.
import type { JsonSchema } from '../../platform/json-schema.js';

export type ToolSpec = { name: string; description?: string; parameters: JsonSchema };
export type ToolCall = { id: string; name: string; input: unknown };
/** A conversation turn; tool calls and their results round-trip so a caller can run tools between calls. */
export type ChatMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string; tool_calls?: ToolCall[] }
  | { role: 'tool'; tool_call_id: string; name: string; content: string };

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
