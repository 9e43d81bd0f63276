// The rule action registry: what modules contribute, refused when it would be ambiguous, and the
// schema a rule's actions are checked against. No database (the registry over the real modules is
// tested in rules/rules-api.test.ts and catalogue.test.ts).
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createModules, defineModule, type Platform } from './module.js';
import { EventRegistry } from './events.js';
import { RuleActionRegistry, ruleAction, ruleTarget } from './rule-actions.js';

const echo = ruleAction({
  type: 'echo', summary: 'Says it back', schema: z.strictObject({ text: z.string().min(1), to: ruleTarget.optional() }), targets: ['to'],
  describe: (_ctx, a) => ({ said: a.text }),
});
const closed = (...defs: { module: string; def: typeof echo }[]) => {
  const r = new RuleActionRegistry();
  for (const { module, def } of defs) r.register(module, def);
  r.close();
  return r;
};

describe('rule action registry', () => {
  it('lists what each module registered, with the JSON Schema of its fields and `type` first', () => {
    const r = closed({ module: 'chat', def: echo });
    expect(r.list()).toEqual([{
      type: 'echo', module: 'chat', summary: 'Says it back',
      schema: expect.objectContaining({ required: ['type', 'text'], additionalProperties: false }),
    }]);
    expect(Object.keys((r.list()[0]!.schema as { properties: object }).properties)).toEqual(['type', 'text', 'to']);
    expect(r.get('echo')).toBe(echo);
  });

  it('the action schema tells actions apart by type: unknown types and fields fail at their path', () => {
    const schema = z.array(closed({ module: 'chat', def: echo }).schema());
    expect(schema.parse([{ type: 'echo', text: 'hi' }])).toEqual([{ type: 'echo', text: 'hi' }]);
    expect(schema.safeParse([{ type: 'shell', text: 'x' }]).error?.issues.map((i) => i.path.join('.'))).toEqual(['0.type']);
    expect(schema.safeParse([{ type: 'echo', text: 'x', extra: 1 }]).error?.issues.map((i) => i.path.join('.'))).toEqual(['0']);
    expect(schema.safeParse([{ type: 'echo', text: 'x', to: 'everyone' }]).error?.issues.map((i) => i.path.join('.'))).toEqual(['0.to']);
  });

  it('refuses a type registered twice (naming both modules), a schema declaring `type`, and registering after creation', () => {
    const r = new RuleActionRegistry();
    r.register('chat', echo);
    expect(() => r.register('voice', echo)).toThrow('rule action echo: registered by module chat and by module voice');
    expect(() => r.register('chat', ruleAction({ type: 'typed', summary: 'x', schema: z.strictObject({ type: z.string() }), describe: () => ({}) }))).toThrow('must not declare `type`');
    r.close();
    expect(() => r.register('late', ruleAction({ type: 'late', summary: 'x', schema: z.strictObject({}), describe: () => ({}) }))).toThrow('registered after the modules were created');
  });

  it('is read only once every module is created; an unknown stored type is a 400', () => {
    const r = new RuleActionRegistry();
    r.register('chat', echo);
    expect(() => r.schema()).toThrow('once every module is created');
    r.close();
    expect(r.find('shell')).toBeUndefined();
    expect(() => r.get('shell')).toThrow(expect.objectContaining({ code: 'UNKNOWN_RULE_ACTION', status: 400 }));
  });
});

describe('modules contribute rule actions through the module contract', () => {
  const platform = () => ({ events: new EventRegistry(true), ruleActions: new RuleActionRegistry() }) as unknown as Platform;
  const contributing = (id: string, deps: string[] = []) =>
    defineModule({ id, namespace: id, deps: deps as never[], tables: [], create: () => ({ ruleActions: [echo] }) });

  it('a module’s actions are registered under its id, whatever the order of creation, and the set is closed after', () => {
    const p = platform();
    // `rules` does not depend on `chat`, and is created first: it still validates against chat's action.
    createModules([defineModule({ id: 'rules', namespace: 'rules', deps: [], tables: [], create: () => ({}) }), contributing('chat')], p);
    expect(p.ruleActions.list().map((a) => [a.type, a.module])).toEqual([['echo', 'chat']]);
    expect(p.ruleActions.schema().safeParse({ type: 'echo', text: 'hi' }).success).toBe(true);
  });

  it('two modules registering the same type fail at start, naming both', () => {
    expect(() => createModules([contributing('chat'), contributing('voice', ['chat'])], platform())).toThrow('rule action echo: registered by module chat and by module voice');
  });
});
