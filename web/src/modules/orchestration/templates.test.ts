// The templates gallery on /flows/new: every template is a valid definition for the server (its
// own parseDefinition: schema, graph and reference checks, commands that exist), and each has a
// name and a description in every language.
import { describe, expect, it } from 'vitest';
import { parseDefinition } from '../../../../server/src/modules/orchestration/definition.js';
import { WORK_COMMANDS } from '../../../../server/src/modules/work/commands.js';
import { RECORD_EVENT } from '../../../../server/src/modules/ledger/commands.js';
import { bumpVersion, definitionBody, problemStep } from './api';
import en from './en';
import fr from './fr';
import mg from './mg';
import { TEMPLATES, templateText } from './templates';

// The commands of GET /v1/commands the templates may use (notifications registers its own inline).
const COMMANDS = new Set<string>([...Object.values(WORK_COMMANDS), RECORD_EVENT, 'notifications.notify']);
const exists = (name: string) => COMMANDS.has(name);

const lookup = (dict: unknown, key: string): unknown => key.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), dict);

describe('flow templates', () => {
  it('a gallery of at least 8, with distinct ids and keys', () => {
    expect(TEMPLATES.length).toBeGreaterThanOrEqual(8);
    expect(new Set(TEMPLATES.map((t) => t.id)).size).toBe(TEMPLATES.length);
    expect(new Set(TEMPLATES.map((t) => t.definition.key)).size).toBe(TEMPLATES.length);
  });
  for (const tpl of TEMPLATES) {
    it(`${tpl.id} is a valid flow (parseDefinition)`, () => {
      let problems: unknown = null;
      try { parseDefinition(tpl.definition, exists); } catch (err) { problems = (err as { details?: unknown }).details ?? String(err); }
      expect(problems, JSON.stringify(problems)).toBeNull();
      // What the editor gets (translated name and description) is valid too.
      expect(() => parseDefinition(JSON.parse(templateText(tpl.id, { name: String(lookup(mg, tpl.nameKey)), description: String(lookup(mg, tpl.descriptionKey)) })), exists)).not.toThrow();
    });
    it(`${tpl.id} has a name and a description in en, fr and mg`, () => {
      for (const dict of [en, fr, mg]) {
        for (const key of [tpl.nameKey, tpl.descriptionKey]) {
          const v = lookup(dict, key);
          expect(typeof v === 'string' && v.trim().length > 0, key).toBe(true);
        }
      }
    });
  }
  it('uses only commands that exist: a made-up one is refused', () => {
    const def = { ...TEMPLATES[0]!.definition, steps: [{ id: 'x', type: 'command', command: 'work.make_coffee' }] };
    expect(() => parseDefinition(def, exists)).toThrow(/no command/);
  });
  it('helpers: problem paths, version bump, JSON or YAML body', () => {
    expect(problemStep('steps.3.command')).toBe(3);
    expect(problemStep('body.steps.12')).toBe(12);
    expect(problemStep('trigger.schedule')).toBeNull();
    expect(bumpVersion('1.2.3')).toBe('1.2.4');
    expect(definitionBody('{"key":"a"}')).toEqual({ key: 'a' });
    expect(definitionBody('key: a')).toEqual({ yaml: 'key: a' });
  });
});
