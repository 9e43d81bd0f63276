// The offline provider on its own: extractive summaries, extraction, classification,
// plans, and structured output that the requested JSON Schema accepts (checked by ajv).
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { mismatch } from '../../platform/json-schema.js';
import { labelsIn, offlineComplete, OfflineCannotSatisfy } from './offline.js';
import { analyse, classify, summarise } from './offline-text.js';

const REPORT = `Acme Corp missed the delivery deadline for the warehouse project. The delay was caused by a late steel shipment from Nordic Metals.
Maria Lopez, the project manager, expects the shipment on 2026-12-04. The warehouse project budget is $120,000 and 15% has been spent.
The team held a picnic on Friday. Contact maria.lopez@acme.example for questions about the warehouse delivery.
Without the steel shipment the warehouse project cannot continue, so the delivery deadline will move.`;

const user = (content: string) => [{ role: 'user' as const, content }];
// An independent ajv (formats unchecked) and the gateway's own validator (formats checked).
const ajv = new Ajv({ strict: false, logger: false });

describe('offline text analysis', () => {
  it('summarises extractively: the sentences about the main topic, in document order, not the off-topic one', () => {
    const a = analyse(REPORT);
    const s = summarise(a, 2);
    expect(s).toContain('warehouse');
    expect(s).not.toContain('picnic');
    for (const sentence of s.split(/(?<=\.)\s+/)) expect(REPORT.replace(/\s+/g, ' ')).toContain(sentence);
  });

  it('extracts keywords and entities (names, email, date, money, percent)', () => {
    const a = analyse(REPORT);
    expect(a.keywords.slice(0, 4)).toEqual(expect.arrayContaining(['warehouse', 'project']));
    const texts = a.entities.map((e) => `${e.kind}:${e.text}`);
    expect(texts).toEqual(expect.arrayContaining(['name:Acme Corp', 'name:Maria Lopez', 'name:Nordic Metals', 'email:maria.lopez@acme.example', 'date:2026-12-04', 'money:$120,000', 'percent:15%']));
  });

  it('classifies by keyword overlap', () => {
    expect(classify('The invoice was paid twice, please refund', ['shipping', 'billing refund invoice', 'technical']).label).toBe('billing refund invoice');
    expect(labelsIn('Classify as one of: billing, shipping, technical')).toEqual(['billing', 'shipping', 'technical']);
  });

  it('answers intents from the instruction: summary, classify, plan, keywords', () => {
    expect(offlineComplete({ messages: user(`Summarise this:\n${REPORT}`) }).text).toContain('warehouse');
    expect(offlineComplete({ messages: user('Classify as one of: billing, shipping, technical. My parcel shipping is late') }).text).toBe('shipping');
    const plan = offlineComplete({ messages: user(`Make a plan for: ${REPORT}`) }).text;
    expect(plan.split('\n').length).toBeGreaterThanOrEqual(4);
    expect(plan).toMatch(/^1\. /);
    expect(offlineComplete({ messages: user(`Extract keywords: ${REPORT}`) }).text).toMatch(/^Keywords: .*warehouse/);
  });

  it('answers a question from the context it was given', () => {
    const r = offlineComplete({ messages: [{ role: 'system', content: REPORT }, { role: 'user', content: 'When is the steel shipment expected?' }] });
    expect(r.text).toContain('2026-12-04');
  });

  it('is deterministic and counts tokens', () => {
    const a = offlineComplete({ messages: user(REPORT) });
    expect(offlineComplete({ messages: user(REPORT) })).toEqual(a);
    expect(a.inputTokens).toBeGreaterThan(50);
    expect(a.outputTokens).toBeGreaterThan(0);
  });
});

describe('offline structured output', () => {
  const schemas: Record<string, Record<string, unknown>> = {
    flat: {
      type: 'object', required: ['title', 'summary', 'priority', 'tags', 'due_date', 'contact_email', 'budget', 'confidence', 'is_blocked'],
      additionalProperties: false,
      properties: {
        title: { type: 'string', maxLength: 80 }, summary: { type: 'string', minLength: 20 },
        priority: { enum: ['low', 'normal', 'high', 'urgent'] }, tags: { type: 'array', items: { type: 'string' }, minItems: 2, uniqueItems: true },
        due_date: { type: 'string', format: 'date' }, contact_email: { type: 'string', format: 'email' },
        budget: { type: 'number', minimum: 0 }, confidence: { type: 'number', minimum: 0, maximum: 1 }, is_blocked: { type: 'boolean' },
      },
    },
    nested: {
      type: 'object', required: ['people', 'tasks'],
      $defs: { task: { type: 'object', required: ['name', 'owner', 'done'], properties: { name: { type: 'string' }, owner: { type: 'string' }, done: { type: 'boolean' } } } },
      properties: {
        people: { type: 'array', items: { type: 'string' }, minItems: 1 },
        tasks: { type: 'array', minItems: 2, maxItems: 4, items: { $ref: '#/$defs/task' } },
        meta: { anyOf: [{ type: 'null' }, { type: 'object', properties: { count: { type: 'integer', minimum: 1, maximum: 10 } } }] },
      },
    },
    scalar: { type: 'array', items: { type: 'integer' }, minItems: 3 },
  };

  for (const [name, schema] of Object.entries(schemas)) {
    it(`fills a ${name} schema with a value ajv accepts`, () => {
      const r = offlineComplete({ messages: user(REPORT), schema });
      const validate = ajv.compile(schema);
      expect(validate(r.json), JSON.stringify(validate.errors)).toBe(true);
      expect(mismatch(schema, r.json)).toBeNull();
      expect(JSON.parse(r.text)).toEqual(r.json);
    });
  }

  it('fills from the content: names, email, date, enum by overlap', () => {
    const r = offlineComplete({ messages: user(REPORT), schema: schemas.flat });
    const json = r.json as Record<string, unknown>;
    expect(json.contact_email).toBe('maria.lopez@acme.example');
    expect(json.due_date).toBe('2026-12-04');
    expect(json.budget).toBe(120000);
    expect(String(json.summary)).toContain('warehouse');
  });

  it('says so when a schema cannot be satisfied', () => {
    expect(() => offlineComplete({ messages: user('hello'), schema: { type: 'string', pattern: '^ZZZ[0-9]{40}$' } })).toThrow(OfflineCannotSatisfy);
  });

  it('picks the tool whose description matches and fills its parameters', () => {
    const r = offlineComplete({
      messages: user('Create a task to call Nordic Metals about the steel shipment'),
      tools: [
        { name: 'send_invoice', description: 'Send an invoice to a customer', parameters: { type: 'object', properties: { customer: { type: 'string' } }, required: ['customer'] } },
        { name: 'create_task', description: 'Create a task in a workflow', parameters: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } },
      ],
    });
    expect(r.toolCalls?.[0]?.name).toBe('create_task');
    expect(typeof (r.toolCalls?.[0]?.input as { name: string }).name).toBe('string');
  });

  it('after a tool result it answers from it instead of calling a tool again', () => {
    const r = offlineComplete({
      messages: [
        { role: 'user', content: 'Create a task to call Nordic Metals' },
        { role: 'assistant', content: '', tool_calls: [{ id: 'c1', name: 'create_task', input: { name: 'Call Nordic Metals' } }] },
        { role: 'tool', tool_call_id: 'c1', name: 'create_task', content: 'Task "Call Nordic Metals" was created and assigned to Maria.' },
      ],
      tools: [{ name: 'create_task', description: 'Create a task', parameters: { type: 'object', properties: { name: { type: 'string' } } } }],
    });
    expect(r.toolCalls).toBeUndefined();
    expect(r.text).toContain('Nordic Metals');
  });
});
