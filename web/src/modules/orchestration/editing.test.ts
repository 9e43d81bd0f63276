// The visual editor's model: parse and write JSON/YAML, add, edit, connect and delete steps.
import { describe, expect, it } from 'vitest';
import { parseDefinition } from '../../../../server/src/modules/orchestration/definition.js';
import type { Definition } from './api';
import { addStep, connect, defaultFields, deleteStep, disconnect, parseText, setField, STEP_TYPES, uniqueId, writeText } from './editing';

const def: Definition = { key: 'k', name: 'K', steps: [{ id: 'a', type: 'transform', value: 1 }, { id: 'b', type: 'wait', seconds: 5, after: ['a'] }] };

describe('flow editing', () => {
  it('parses JSON and YAML, and names the error otherwise', () => {
    expect(parseText(writeText(def, 'json'))).toEqual({ definition: def, format: 'json' });
    expect(parseText(writeText(def, 'yaml'))).toEqual({ definition: def, format: 'yaml' });
    expect(parseText('{"steps": [').format).toBe('json');
    expect('error' in parseText('{"steps": [')).toBe(true);
    expect('error' in parseText('steps: [a')).toBe(true);
  });

  it('adds a step with a unique id after the selected one, with defaults for every type', () => {
    const out = addStep(def, 'wait', 'b');
    expect(out.index).toBe(2);
    expect(out.definition.steps![2]).toEqual({ id: 'wait_1', type: 'wait', after: ['b'], seconds: 60 });
    expect(uniqueId(out.definition.steps!, 'wait')).toBe('wait_2');
    expect(addStep(def, 'transform').definition.steps![2]).toEqual({ id: 'transform_1', type: 'transform', value: '' });
    for (const t of STEP_TYPES) expect(defaultFields(t)).toBeTypeOf('object');
    expect(defaultFields('approval')).toMatchObject({ title: expect.any(String), approvers: ['role:admin'] });
  });

  it('the defaults are valid for the server, except the fields only the author can fill (workflow, sub-flow)', () => {
    let d: Definition = { key: 'defaults', name: 'Defaults', steps: [] };
    for (const t of STEP_TYPES) if (t !== 'task' && t !== 'sub_flow') d = addStep(d, t, d.steps!.at(-1)?.id).definition;
    let problems: unknown = null;
    try { parseDefinition(d, (name) => name === 'notifications.notify'); } catch (err) { problems = (err as { details?: unknown }).details ?? String(err); }
    expect(problems, JSON.stringify(problems)).toBeNull();
    for (const t of ['task', 'sub_flow'] as const) expect(() => parseDefinition(addStep(d, t).definition, () => true)).toThrow();
  });

  it('sets fields (nested ones too), removes empty ones, renames ids along the edges', () => {
    let d = setField(def, 1, 'retry.max_attempts', 3);
    expect(d.steps![1]!.retry).toEqual({ max_attempts: 3 });
    d = setField(d, 1, 'retry.max_attempts', undefined);
    expect(d.steps![1]!.retry).toBeUndefined();
    d = setField(d, 1, 'after', []);
    expect(d.steps![1]!.after).toBeUndefined();
    d = setField(setField(def, 0, 'id', 'first'), 0, 'name', 'First');
    expect(d.steps![0]).toMatchObject({ id: 'first', name: 'First' });
    expect(d.steps![1]!.after).toEqual(['first']);
    expect(def.steps![0]!.id).toBe('a');
  });

  it('connects, disconnects and deletes (with the edges to the deleted step)', () => {
    const c = connect(addStep(def, 'condition').definition, 'condition_1', 'b');
    expect(c.steps![1]!.after).toEqual(['a', 'condition_1']);
    expect(connect(c, 'a', 'b')).toBe(c);
    expect(disconnect(c, 'a', 'b').steps![1]!.after).toEqual(['condition_1']);
    const d = deleteStep(setField(def, 1, 'after', ['a:true']), 0);
    expect(d.steps).toEqual([{ id: 'b', type: 'wait', seconds: 5 }]);
  });
});
