// One call to one model, or to the offline provider. Remote models are called through the
// AI SDK's provider layer (`LanguageModelV3.doGenerate` / `doStream` of
// @ai-sdk/openai-compatible and @ai-sdk/anthropic): it builds each vendor's request, parses
// its JSON and SSE answers, tool calls, structured output and usage. The SDK's top-level
// `generateText` is not used: it re-validates the whole prompt with zod, runs a step loop
// and telemetry on every call (≈0.6 ms per call measured, see docs/ai.md), and the gateway
// already owns retries, fallback and output validation (ajv).
import type { JSONSchema7, LanguageModelV3, LanguageModelV3CallOptions, LanguageModelV3Message, LanguageModelV3Usage } from '@ai-sdk/provider';
import { mismatch, type JsonSchema } from '../../platform/json-schema.js';
import { offlineComplete } from './offline.js';
import { estimateTokens } from './offline-text.js';
import { clientFor, type ProviderConfig } from './providers.js';
import type { ChatMessage, ModelRequest, ModelResult, ToolCall } from './types.js';
import { watchWire } from './wire-activity.js';

export type DeltaSink = { delta(text: string): void };

/** Invalid structured output: the gateway retries once, then falls back. */
export class OutputValidationError extends Error {
  override readonly name = 'OutputValidationError';
}

function toPrompt(messages: ChatMessage[]): LanguageModelV3Message[] {
  const system = messages.filter((m) => m.role === 'system').map((m) => m.content).join('\n\n');
  const out: LanguageModelV3Message[] = system ? [{ role: 'system', content: system }] : [];
  for (const m of messages) {
    if (m.role === 'system') continue;
    if (m.role === 'tool') {
      out.push({ role: 'tool', content: [{ type: 'tool-result', toolCallId: m.tool_call_id, toolName: m.name, output: { type: 'text', value: m.content } }] });
    } else if (m.role === 'assistant') {
      out.push({
        role: 'assistant',
        content: [...(m.content ? [{ type: 'text' as const, text: m.content }] : []), ...(m.tool_calls ?? []).map((c) => ({ type: 'tool-call' as const, toolCallId: c.id, toolName: c.name, input: c.input }))],
      });
    } else {
      out.push({ role: 'user', content: [{ type: 'text', text: m.content }] });
    }
  }
  return out;
}

function callOptions(req: ModelRequest, signal: AbortSignal): LanguageModelV3CallOptions {
  return {
    prompt: toPrompt(req.messages),
    abortSignal: signal,
    ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
    ...(req.maxTokens !== undefined ? { maxOutputTokens: req.maxTokens } : {}),
    ...(req.schema ? { responseFormat: { type: 'json' as const, schema: req.schema as JSONSchema7, name: 'output' } } : {}),
    ...(req.tools?.length
      ? { tools: req.tools.map((t) => ({ type: 'function' as const, name: t.name, description: t.description, inputSchema: t.parameters as JSONSchema7 })), toolChoice: { type: 'auto' as const } }
      : {}),
  };
}

const estimateInput = (req: ModelRequest) => estimateTokens(req.messages.map((m) => m.content).join('\n'));

function parseInput(raw: string): unknown {
  if (!raw.trim()) return {};
  try {
    return JSON.parse(raw);
  } catch {
    throw new OutputValidationError(`tool call arguments are not JSON: ${raw.slice(0, 80)}`);
  }
}

type RawCall = { toolCallId: string; toolName: string; input: string };

function resultOf(req: ModelRequest, text: string, raw: RawCall[], usage: LanguageModelV3Usage | undefined, finishReason: string): ModelResult {
  const calls: ToolCall[] = raw.map((c) => ({ id: c.toolCallId, name: c.toolName, input: parseInput(c.input) }));
  let json: unknown;
  if (req.schema && calls.length === 0) {
    try {
      json = JSON.parse(text);
    } catch {
      throw new OutputValidationError(`output is not JSON: ${text.slice(0, 80)}`);
    }
    const problem = mismatch(req.schema as JsonSchema, json);
    if (problem) throw new OutputValidationError(`output does not match the schema: ${problem}`);
  }
  return {
    text, ...(json !== undefined ? { json } : {}), ...(calls.length ? { toolCalls: calls } : {}),
    inputTokens: usage?.inputTokens.total ?? estimateInput(req), outputTokens: usage?.outputTokens.total ?? estimateTokens(text), finishReason,
  };
}

const languageModel = (provider: ProviderConfig, model: string): LanguageModelV3 => clientFor(provider).language(model);

export async function callModel(provider: ProviderConfig, model: string, req: ModelRequest, signal: AbortSignal): Promise<ModelResult> {
  if (provider.kind === 'offline') return offlineComplete(req);
  const r = await languageModel(provider, model).doGenerate(callOptions(req, signal));
  let text = '';
  const calls: RawCall[] = [];
  for (const part of r.content) {
    if (part.type === 'text') text += part.text;
    else if (part.type === 'tool-call') calls.push(part);
  }
  return resultOf(req, text, calls, r.usage, r.finishReason.unified);
}

/** Streams text deltas to the sink; `onBytes` runs whenever the provider sends something (the gateway's silence timer). */
export async function streamModel(provider: ProviderConfig, model: string, req: ModelRequest, signal: AbortSignal, sink: DeltaSink, onBytes: () => void): Promise<ModelResult> {
  if (provider.kind === 'offline') {
    const r = offlineComplete(req);
    for (const piece of r.text.match(/\S+\s*/g) ?? []) sink.delta(piece);
    return r;
  }
  watchWire(signal, onBytes);
  const { stream } = await languageModel(provider, model).doStream(callOptions(req, signal));
  let text = '';
  const calls: RawCall[] = [];
  let usage: LanguageModelV3Usage | undefined;
  let finish = 'stop';
  const reader = stream.getReader();
  let ended = false;
  try {
    for (;;) {
      const { done, value: part } = await reader.read();
      if (done) {
        ended = true;
        break;
      }
      if (part.type === 'text-delta') {
        text += part.delta;
        sink.delta(part.delta);
      } else if (part.type === 'tool-call') calls.push(part);
      else if (part.type === 'error') throw part.error;
      else if (part.type === 'finish') {
        usage = part.usage;
        finish = part.finishReason.unified;
      }
    }
  } finally {
    // Failing mid-stream: stop reading the provider's answer (frees the connection).
    if (!ended) reader.cancel().catch(() => {});
  }
  return resultOf(req, text, calls, usage, finish);
}
