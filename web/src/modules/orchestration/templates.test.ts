// The templates offered on /flows/new are valid definitions for the server (schema and graph checks).
import { describe, expect, it } from 'vitest';
import { checkDefinition, definitionSchema } from '../../../../server/src/modules/orchestration/definition.js';
import { bumpVersion, definitionBody, problemStep } from './api';
import { TEMPLATES } from './templates';

describe('flow templates', () => {
  for (const tpl of TEMPLATES) {
    it(`${tpl.id} is a valid flow`, () => {
      const parsed = definitionSchema.safeParse(tpl.definition);
      expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
      expect(checkDefinition(parsed.data!, (name) => name === 'work.create_task')).toEqual([]);
    });
  }
  it('helpers: problem paths, version bump, JSON or YAML body', () => {
    expect(problemStep('steps.3.command')).toBe(3);
    expect(problemStep('body.steps.12')).toBe(12);
    expect(problemStep('trigger.schedule')).toBeNull();
    expect(bumpVersion('1.2.3')).toBe('1.2.4');
    expect(definitionBody('{"key":"a"}')).toEqual({ key: 'a' });
    expect(definitionBody('key: a')).toEqual({ yaml: 'key: a' });
  });
});
