// One call to one model through the Vercel AI SDK (retries off: the gateway owns retries,
// fallback and the breaker), or to the offline provider. Streaming forwards text deltas
// to a sink; structured output is requested with the schema and validated with ajv.
import { generateText, jsonSchema, Output, streamText, tool, type ModelMessage, type ToolSet } from 'ai';
import { mismatch, type JsonSchema } from './json-schema.js';
import { offlineComplete } from './offline.js';
import { estimateTokens } from './offline-text.js';
import { clientFor, type ProviderConfig } from './providers.js';
import type { ChatMessage, ModelRequest, ModelResult, ToolCall } from './types.js';

export type DeltaSink = { delta(text: string): void };

const validatorOf = (schema: JsonSchema) =>
  jsonSchema<unknown>(schema as Parameters<typeof jsonSchema>[0], {
    validate: (value) => {
      const problem = mismatch(schema, value);
      return problem ? { success: false, error: new Error(`output does not match the schema: ${problem}`) } : { success: true, value };
    },
  });

function sdkArgs(req: ModelRequest, signal: AbortSignal) {
  const system = req.messages.filter((m) => m.role === 'system').map((m) => m.content).join('\n\n') || undefined;
  const messages = req.messages.filter((m) => m.role !== 'system').map(toModelMessage);
  const tools: ToolSet | undefined = req.tools?.length
    ? Object.fromEntries(req.tools.map((t) => [t.name, tool({ description: t.description, inputSchema: jsonSchema(t.parameters as Parameters<typeof jsonSchema>[0]) })]))
    : undefined;
  return {
    system, messages, tools, maxRetries: 0, abortSignal: signal,
    ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
    ...(req.maxTokens !== undefined ? { maxOutputTokens: req.maxTokens } : {}),
    ...(req.schema ? { output: Output.object({ schema: validatorOf(req.schema) }) } : {}),
  };
}

function toModelMessage(m: ChatMessage): ModelMessage {
  if (m.role === 'tool') return { role: 'tool', content: [{ type: 'tool-result', toolCallId: m.tool_call_id, toolName: m.name, output: { type: 'text', value: m.content } }] };
  if (m.role === 'assistant' && m.tool_calls?.length) {
    return { role: 'assistant', content: [...(m.content ? [{ type: 'text' as const, text: m.content }] : []), ...m.tool_calls.map((c) => ({ type: 'tool-call' as const, toolCallId: c.id, toolName: c.name, input: c.input }))] };
  }
  return { role: m.role as 'user' | 'assistant', content: m.content };
}

const estimateInput = (req: ModelRequest) => estimateTokens(req.messages.map((m) => m.content).join('\n'));

function resultOf(req: ModelRequest, text: string, toolCalls: { toolCallId: string; toolName: string; input: unknown }[], usage: { inputTokens?: number; outputTokens?: number }, finishReason: string): ModelResult {
  const calls: ToolCall[] = toolCalls.map((c) => ({ id: c.toolCallId, name: c.toolName, input: c.input }));
  let json: unknown;
  if (req.schema && calls.length === 0) {
    json = JSON.parse(text);
    const problem = mismatch(req.schema, json);
    if (problem) throw Object.assign(new Error(`output does not match the schema: ${problem}`), { name: 'OutputValidationError' });
  }
  return {
    text, ...(json !== undefined ? { json } : {}), ...(calls.length ? { toolCalls: calls } : {}),
    inputTokens: usage.inputTokens ?? estimateInput(req), outputTokens: usage.outputTokens ?? estimateTokens(text), finishReason,
  };
}

export async function callModel(provider: ProviderConfig, model: string, req: ModelRequest, signal: AbortSignal): Promise<ModelResult> {
  if (provider.kind === 'offline') return offlineComplete(req);
  const r = await generateText({ model: clientFor(provider).language(model), ...sdkArgs(req, signal) });
  return resultOf(req, r.text, r.toolCalls, r.usage, r.finishReason);
}

/** Streams; `onFirst` runs before the first delta (after it, the gateway can no longer fall back). */
export async function streamModel(provider: ProviderConfig, model: string, req: ModelRequest, signal: AbortSignal, sink: DeltaSink, onChunk: () => void): Promise<ModelResult> {
  if (provider.kind === 'offline') {
    const r = offlineComplete(req);
    for (const piece of r.text.match(/\S+\s*/g) ?? []) sink.delta(piece);
    return r;
  }
  const s = streamText({ model: clientFor(provider).language(model), ...sdkArgs(req, signal), onError: () => {} });
  let text = '';
  const calls: { toolCallId: string; toolName: string; input: unknown }[] = [];
  let usage: { inputTokens?: number; outputTokens?: number } = {};
  let finish = 'stop';
  for await (const part of s.fullStream) {
    onChunk();
    if (part.type === 'text-delta') {
      text += part.text;
      sink.delta(part.text);
    } else if (part.type === 'tool-call') calls.push({ toolCallId: part.toolCallId, toolName: part.toolName, input: part.input });
    else if (part.type === 'error') throw part.error;
    else if (part.type === 'finish') {
      usage = part.totalUsage;
      finish = part.finishReason;
    }
  }
  return resultOf(req, text, calls, usage, finish);
}
