// The built-in `offline` provider: always available, free, deterministic. It does not
// generate language; it reads the request's intent (summarise, extract, classify, plan,
// answer from context, structured output, pick a tool) and answers extractively.
import { createHash } from 'node:crypto';
import { mismatch, type JsonSchema } from '../../platform/json-schema.js';
import { fillSchema } from './offline-schema.js';
import { analyse, classify, contentWords, estimateTokens, plan, stem, summarise, type Analysis } from './offline-text.js';
import type { ModelRequest, ModelResult, ToolCall } from './types.js';

export const OFFLINE_MODEL = 'offline-extractive-1';

export class OfflineCannotSatisfy extends Error {}

type Intent = 'summary' | 'keywords' | 'classify' | 'plan' | 'answer';

const INSTRUCTION = /^\s*(?:please\s+)?(?:summari[sz]e|give (?:me )?a summary|tl;?dr|extract|classify|categori[sz]e|plan|make a plan|list)[^:\n]*[:\n]\s*/i;

function intentOf(instruction: string): Intent {
  const s = instruction.toLowerCase();
  if (/summar|tl;?dr|shorten|condense/.test(s)) return 'summary';
  if (/classif|categor|which (?:one|label|category)|one of/.test(s)) return 'classify';
  if (/keyword|entit|extract|tags?\b/.test(s)) return 'keywords';
  if (/\bplan\b|steps|roadmap|checklist/.test(s)) return 'plan';
  return 'answer';
}

/** Labels named in an instruction: "one of: a, b, c", "categories: a | b", "[a/b/c]". */
export function labelsIn(instruction: string): string[] {
  const m = /(?:one of|categories|labels|classes|options)\s*[:=]?\s*([^\n.?]+)/i.exec(instruction) ?? /\[([^\]]+)\]/.exec(instruction);
  if (!m) return [];
  return m[1]!.split(/,|\||\/|\bor\b/).map((x) => x.trim().replace(/^["'`]|["'`]$/g, '')).filter((x) => x.length > 0 && x.length < 60);
}

/** Sentences of the context that share the most words with the question. */
function answerFrom(context: Analysis, question: string): string {
  const q = new Set(contentWords(question).map(stem));
  if (q.size === 0 || context.sentences.length === 0) return '';
  const scored = context.sentences
    .map((s, i) => ({ i, score: contentWords(s).map(stem).filter((w) => q.has(w)).length }))
    .filter((x) => x.score > 0)
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .slice(0, 3)
    .sort((a, b) => a.i - b.i);
  return scored.map((x) => context.sentences[x.i]).join(' ');
}

function chooseTool(req: ModelRequest, text: string): ToolCall | null {
  const tools = req.tools ?? [];
  if (tools.length === 0) return null;
  const labels = tools.map((t) => `${t.name.replace(/[_-]+/g, ' ')} ${t.description ?? ''}`);
  const best = classify(text, labels);
  if (best.score <= 0) return null;
  const tool = tools[labels.indexOf(best.label)]!;
  const input = fillSchema(tool.parameters, analyse(text), new Date().toISOString().slice(0, 10));
  const id = `call_${createHash('sha256').update(`${tool.name}:${text}`).digest('hex').slice(0, 16)}`;
  return { id, name: tool.name, input };
}

function textFor(intent: Intent, a: Analysis, instruction: string, question: string, context: Analysis | null): string {
  switch (intent) {
    case 'summary':
      return summarise(a);
    case 'keywords': {
      const names = a.entities.filter((e) => e.kind !== 'number').map((e) => `${e.text} (${e.kind})`);
      return `Keywords: ${a.keywords.join(', ')}${names.length ? `\nEntities: ${names.join(', ')}` : ''}`;
    }
    case 'classify': {
      const labels = labelsIn(instruction);
      return labels.length > 0 ? classify(a.text, labels).label : (a.keywords[0] ?? 'general');
    }
    case 'plan':
      return plan(a).map((s, i) => `${i + 1}. ${s}`).join('\n');
    default: {
      const found = context ? answerFrom(context, question) : '';
      if (found) return found;
      return `[offline] No language model is configured, so this answer is extractive. Summary: ${summarise(a) || '(empty)'}${a.keywords.length ? ` Key terms: ${a.keywords.slice(0, 6).join(', ')}.` : ''}`;
    }
  }
}

/** Answers a request without any model. Throws OfflineCannotSatisfy if the schema cannot be met. */
export function offlineComplete(req: ModelRequest, today = new Date().toISOString().slice(0, 10)): ModelResult {
  const system = req.messages.filter((m) => m.role === 'system').map((m) => m.content).join('\n');
  const users = req.messages.filter((m) => m.role !== 'system');
  const last = users.at(-1)?.content ?? '';
  const instruction = `${system}\n${last}`;
  // The text to work on: the last message without its leading instruction ("Summarise this: …").
  const subject = last.replace(INSTRUCTION, '') || last;
  const a = analyse(subject);
  const earlier = users.slice(0, -1).map((m) => m.content).join('\n');
  const context = earlier || system ? analyse(`${system}\n${earlier}`) : null;
  const inputTokens = estimateTokens(req.messages.map((m) => m.content).join('\n'));
  // After a tool result, answer from it rather than call a tool again.
  const call = users.at(-1)?.role === 'user' ? chooseTool(req, last) : null;
  if (call) return { text: '', toolCalls: [call], inputTokens, outputTokens: estimateTokens(JSON.stringify(call.input)), finishReason: 'tool-calls' };
  if (req.schema) {
    const json = fillSchema(req.schema, a.sentences.length > 0 ? a : analyse(instruction), today);
    const problem = mismatch(req.schema as JsonSchema, json);
    if (problem) throw new OfflineCannotSatisfy(`the offline provider could not satisfy the schema: ${problem}`);
    const text = JSON.stringify(json);
    return { text, json, inputTokens, outputTokens: estimateTokens(text), finishReason: 'stop' };
  }
  // The last message says what to do; a long system message is more often context than instruction.
  const intent = intentOf(last) === 'answer' && system.length < 500 ? intentOf(system) : intentOf(last);
  let text = textFor(intent, a, instruction, last, context);
  if (req.maxTokens && estimateTokens(text) > req.maxTokens) text = text.slice(0, req.maxTokens * 4);
  return { text, inputTokens, outputTokens: estimateTokens(text), finishReason: 'stop' };
}
