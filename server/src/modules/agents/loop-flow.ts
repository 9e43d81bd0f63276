// An agent's work loop as a flow (module orchestration), so it is durable, resumable after a
// crash on another worker and replayable from its journal with zero model calls. Per
// iteration: prepare (the agent's context, memory chosen by relevance under a token budget) →
// think (a gateway call: the plan, tool calls) → act (direct tools run, tools that need approval
// become proposals) → critique (the reviewer agent's call: praise or refute, done or not) →
// judge (applies the verdict; again, done or escalated). At most MAX_ITERATIONS, then a person.
import type { FlowDefinition } from '../orchestration/index.js';

export const LOOP_FLOW_KEY = 'agent-work-loop';
export const LOOP_FLOW_VERSION = '1.0.0';
export const MAX_ITERATIONS = 5;

export const PLAN_SCHEMA = {
  type: 'object', required: ['summary', 'calls'], additionalProperties: false,
  properties: {
    summary: { type: 'string', maxLength: 2000 },
    calls: {
      type: 'array', maxItems: 20,
      items: { type: 'object', required: ['tool', 'input', 'why'], additionalProperties: false, properties: { tool: { type: 'string', maxLength: 100 }, input: { type: 'object' }, why: { type: 'string', maxLength: 2000 }, summary: { type: 'string', maxLength: 300 } } },
    },
  },
} as const;

export const CRITIQUE_SCHEMA = {
  type: 'object', required: ['verdict', 'reasons', 'confidence', 'done'], additionalProperties: false,
  properties: {
    verdict: { type: 'string', enum: ['praise', 'refute'] },
    reasons: { type: 'array', items: { type: 'string', maxLength: 1000 }, maxItems: 10 },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
    done: { type: 'boolean' },
  },
} as const;

export function loopFlowDefinition(): FlowDefinition {
  const steps: Record<string, unknown>[] = [];
  for (let i = 1; i <= MAX_ITERATIONS; i++) {
    const prev = i - 1;
    steps.push({
      type: 'command', id: `prepare_${i}`, name: `Prepare (iteration ${i})`, command: 'agents.loop_prepare',
      ...(i > 1 && { after: [`judge_${prev}`], when: `steps.judge_${prev}.output.next == 'again'` }),
      input: { agent_id: '{{ input.agent_id }}', work: '{{ input.work }}', iteration: i, feedback: i === 1 ? null : `{{ steps.judge_${prev}.output.feedback }}` },
    });
    steps.push({
      type: 'llm', id: `think_${i}`, name: `Plan (iteration ${i})`, after: [`prepare_${i}`], when: `steps.prepare_${i}.output.go`,
      alias: `{{ steps.prepare_${i}.output.alias }}`, system: `{{ steps.prepare_${i}.output.system }}`, prompt: `{{ steps.prepare_${i}.output.prompt }}`,
      schema: PLAN_SCHEMA, retry: { max_attempts: 3, initial_ms: 1000, max_ms: 30_000, factor: 2, jitter: true }, timeout_seconds: 120,
    });
    steps.push({
      type: 'command', id: `act_${i}`, name: `Act (iteration ${i})`, command: 'agents.loop_act', after: [`think_${i}`],
      input: { agent_id: '{{ input.agent_id }}', iteration: i, prepared: `{{ steps.prepare_${i}.output }}`, thought: `{{ steps.think_${i}.output }}` },
    });
    steps.push({
      type: 'llm', id: `critique_${i}`, name: `Critique (iteration ${i})`, after: [`act_${i}`],
      alias: `{{ steps.act_${i}.output.critique.alias }}`, system: `{{ steps.act_${i}.output.critique.system }}`, prompt: `{{ steps.act_${i}.output.critique.prompt }}`,
      schema: CRITIQUE_SCHEMA, retry: { max_attempts: 3, initial_ms: 1000, max_ms: 30_000, factor: 2, jitter: true }, timeout_seconds: 120,
    });
    steps.push({
      type: 'command', id: `judge_${i}`, name: `Judge (iteration ${i})`, command: 'agents.loop_judge', after: [`critique_${i}`],
      input: { agent_id: '{{ input.agent_id }}', iteration: i, last: i === MAX_ITERATIONS, act: `{{ steps.act_${i}.output }}`, critique: `{{ steps.critique_${i}.output }}` },
    });
  }
  return {
    key: LOOP_FLOW_KEY, name: 'Agent work loop', version: LOOP_FLOW_VERSION,
    description: 'Plan → act → critique, at most 5 iterations, then a person (module agents). Each agent’s loops run one at a time.',
    input: { type: 'object', required: ['agent_id', 'work'], properties: { agent_id: { type: 'string' }, work: { type: 'array' } } },
    control: { concurrency: { limit: 1, key: 'input.agent_id' }, priority: 0, timeout_seconds: 86_400 },
    triggers: [], steps,
  } as unknown as FlowDefinition;
}
