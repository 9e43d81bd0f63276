// Typed events: a module's diffs are checked against its catalogue; API clients' own
// namespaces stay free-form; the catalogue lists field paths for the rule builder.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EventRegistry, EventShapeError, fields, UnknownEventError } from './events.js';

const catalogue = {
  'task.updated': { entity: 'task', summary: 'A task changed', before: fields({ status: z.enum(['todo', 'done']) }), after: fields({ status: z.enum(['todo', 'done']) }) },
  '*.predicted': { entity: '*', summary: 'A prediction', after: fields({ prediction: z.json() }) },
};

describe('event registry', () => {
  it('refuses an event a module did not declare, and a declared one of the wrong shape', () => {
    const events = new EventRegistry(true);
    events.register('work', 'flow_os', catalogue);
    expect(() => events.check({ namespace: 'flow_os', event: 'task.craeted' })).toThrow(UnknownEventError);
    expect(() => events.check({ namespace: 'flow_os', event: 'task.updated', after: { status: 'finished' } })).toThrow(EventShapeError);
    expect(() => events.check({ namespace: 'flow_os', event: 'task.updated', before: { status: 'todo' }, after: { status: 'done', extra: 1 } })).not.toThrow();
    expect(() => events.check({ namespace: 'flow_os', event: 'deal.predicted', after: { prediction: 0.4 } })).not.toThrow();
    expect(() => events.check({ namespace: 'crm', event: 'anything.at_all', after: { x: 1 } })).not.toThrow();
  });

  it('checks only names when not strict (production)', () => {
    const events = new EventRegistry(false);
    events.register('work', 'flow_os', catalogue);
    expect(() => events.check({ namespace: 'flow_os', event: 'task.updated', after: { status: 'finished' } })).not.toThrow();
    expect(() => events.check({ namespace: 'flow_os', event: 'nope' })).toThrow(UnknownEventError);
  });

  it('lists each event with JSON Schemas and the field paths a condition can test', () => {
    const events = new EventRegistry(true);
    events.register('work', 'flow_os', catalogue);
    const updated = events.list().find((e) => e.event === 'task.updated')!;
    expect(updated).toMatchObject({ module: 'work', namespace: 'flow_os', entity_type: 'task' });
    expect(updated.fields).toEqual(['before.status', 'after.status']);
    expect(events.list().map((e) => e.event)).toContain('*.predicted');
  });
});
