// Templates over real HTTP: the built-in library (≥ 10, each with a semantic version and
// real tasks), creating from any of them, saving a workflow as the tenant's own template
// and creating from that — which another tenant can neither see nor use.
import { describe, expect, it } from 'vitest';
import { detailPaths, expectError, expectOk } from '../../testing/http.js';
import { addDays, workSuite, type Template } from './testing.js';

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;
const suite = workSuite({ a: 'Template Users', b: 'Template Thieves' });

describe('the built-in library', () => {
  it('has at least 10 useful templates, each with a semantic version, a department and dated tasks', async () => {
    const all = await suite.api.templates();
    const builtin = all.filter((x) => x.builtin);
    expect(builtin.length).toBeGreaterThanOrEqual(10);
    expect(new Set(builtin.map((x) => x.id)).size).toBe(builtin.length);
    const names = builtin.map((x) => x.name.toLowerCase());
    for (const wanted of ['client onboarding', 'project kickoff', 'content production', 'monthly client reporting', 'sales-to-ops handoff',
      'employee onboarding', 'incident response', 'campaign launch', 'quarterly business review', 'client offboarding']) {
      expect(names, wanted).toContain(wanted);
    }
    for (const tpl of builtin) {
      expect(tpl.version, tpl.id).toMatch(SEMVER);
      expect(tpl.id, tpl.id).toMatch(/^tpl_[a-z0-9_]+$/);
      expect(tpl.description.length, tpl.id).toBeGreaterThan(10);
      expect(tpl.department, tpl.id).toMatch(/^[a-z][a-z0-9_-]*$/);
      expect(tpl.tasks.length, tpl.id).toBeGreaterThanOrEqual(4);
      expect(new Set(tpl.tasks.map((x) => x.name)).size, `${tpl.id}: task names are distinct`).toBe(tpl.tasks.length);
      for (const task of tpl.tasks) {
        // Offsets are whole days from the start date (employee onboarding prepares before day one).
        expect(Number.isInteger(task.day) && task.day >= -30 && task.day <= 120, `${tpl.id}: ${task.name}`).toBe(true);
        expect(['low', 'normal', 'high', 'urgent'], `${tpl.id}: ${task.name}`).toContain(task.priority);
      }
      expect(await suite.api.template(tpl.id), tpl.id).toEqual(tpl);
    }
    await expectError(await suite.a.client.raw('GET', '/v1/templates/tpl_nope'), 404, 'NOT_FOUND');
  });

  it('any built-in template becomes a workflow with its tasks due on start + day', async () => {
    for (const tpl of (await suite.api.templates()).filter((x) => x.builtin)) {
      const w = await suite.api.create({ template_id: tpl.id, start_date: '2031-12-20' });
      expect(w, tpl.id).toMatchObject({ name: tpl.name, department: tpl.department, template_id: tpl.id, template_version: tpl.version });
      expect(w.tasks!.map((x) => [x.name, x.due_date, x.priority, x.tags]), tpl.id).toEqual(tpl.tasks.map((x) => [x.name, addDays('2031-12-20', x.day), x.priority, x.tags ?? []]));
    }
    const named = await suite.api.create({ template_id: 'tpl_campaign_launch', name: 'Spring campaign', department: 'sales', description: 'Ours' });
    expect(named).toMatchObject({ name: 'Spring campaign', department: 'sales', description: 'Ours', template_id: 'tpl_campaign_launch' });
  });
});

describe('the tenant’s own templates', () => {
  let saved: Template;

  it('saves a workflow as a template (due dates become day offsets from its start) and creates from it', async () => {
    const w = await suite.api.create({ name: 'Podcast episode', department: 'creative', start_date: '2031-03-01' });
    await suite.api.addTask(w.id, { name: 'Book guest', due_date: '2031-03-01', priority: 'high', tags: ['guest'] });
    await suite.api.addTask(w.id, { name: 'Record', due_date: '2031-03-08', description: 'Studio B' });
    await suite.api.addTask(w.id, { name: 'Edit', due_date: '2031-03-15' });
    await suite.api.addTask(w.id, { name: 'Publish', due_date: '2031-04-01' });
    await suite.api.addTask(w.id, { name: 'Someday', description: 'no date' });

    const res = await suite.a.client.raw('POST', `/v1/workflows/${w.id}/save-as-template`, { body: { name: 'Podcast episode', version: '2.1.0', why: 'we do this monthly' } });
    saved = (await expectOk<Template>(res, 201)).data;
    expect(saved).toMatchObject({ name: 'Podcast episode', department: 'creative', version: '2.1.0', builtin: false });
    expect(saved.id).toMatch(/^tpl_/);
    // Current behaviour: a task without a due date is saved as day 0, so it gets one (the start date) in new workflows.
    expect(saved.tasks.map((x) => [x.name, x.day, x.priority, x.description])).toEqual([
      ['Book guest', 0, 'high', ''], ['Record', 7, 'normal', 'Studio B'], ['Edit', 14, 'normal', ''], ['Publish', 31, 'normal', ''], ['Someday', 0, 'normal', 'no date'],
    ]);
    expect(saved.tasks[0]!.tags).toEqual(['guest']);
    expect((await suite.api.templates()).filter((x) => !x.builtin)).toEqual([saved]);
    expect(await suite.api.template(saved.id)).toEqual(saved);

    const next = await suite.api.create({ template_id: saved.id, start_date: '2031-05-30' });
    expect(next).toMatchObject({ name: 'Podcast episode', department: 'creative', template_id: saved.id, template_version: '2.1.0' });
    expect(next.tasks!.map((x) => [x.name, x.due_date])).toEqual([
      ['Book guest', '2031-05-30'], ['Record', '2031-06-06'], ['Edit', '2031-06-13'], ['Publish', '2031-06-30'], ['Someday', '2031-05-30'],
    ]);

    const [diff] = await suite.a.client.diffs.all({ namespace: 'flow_os', entity_type: 'template', entity_id: saved.id });
    expect(diff).toMatchObject({ event: 'template.created', after: { name: 'Podcast episode', version: '2.1.0', tasks: 5, source_workflow_id: w.id } });
    expect(diff!.annotations.map((x) => x.why)).toEqual(['we do this monthly']);
  });

  it('a template version must be semantic (1.2.3); without one it is 1.0.0', async () => {
    const w = await suite.api.create({ name: 'Tiny' });
    for (const version of ['v1', '1.0', '1.0.0-beta', '']) {
      const res = await suite.a.client.raw('POST', `/v1/workflows/${w.id}/save-as-template`, { body: { version } });
      expect(detailPaths(await expectError(res, 400, 'VALIDATION_FAILED')), version).toEqual(['body.version']);
    }
    expect((await suite.api.saveAsTemplate(w.id)).version).toBe('1.0.0');
  });

  it('another tenant gets 404 for our template id, cannot create from it, and does not see it listed', async () => {
    await expectError(await suite.b.client.raw('GET', `/v1/templates/${saved.id}`), 404, 'NOT_FOUND');
    await expectError(await suite.b.client.raw('POST', '/v1/workflows', { body: { template_id: saved.id } }), 404, 'NOT_FOUND');
    const theirs = (await suite.b.client.request<Template[]>('GET', '/v1/templates')).data;
    expect(theirs.some((x) => x.id === saved.id)).toBe(false);
    expect(theirs.every((x) => x.builtin)).toBe(true);
    expect((await suite.b.client.request<unknown[]>('GET', '/v1/workflows')).data).toEqual([]);
  });
});
