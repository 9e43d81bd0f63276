import { describe, expect, it } from 'vitest';
import { NAV } from '../modules';
import { bestMatch, normalize, parseCommand } from './commands';

const ctx = {
  templates: [
    { id: 'client_onboarding', name: 'Client onboarding' },
    { id: 'employee_onboarding', name: 'Employee onboarding' },
    { id: 'sales_pipeline', name: 'Sales deal pipeline' },
  ],
  workflows: [
    { id: 'wf_1', name: 'Onboarding — Acme Corp' },
    { id: 'wf_2', name: 'Website relaunch' },
  ],
  pages: NAV,
};

describe('palette commands', () => {
  it('normalizes accents, case and apostrophes', () => {
    expect(normalize('  Tâches  BLOQUÉES ')).toBe('taches bloquees');
    expect(normalize('Fizotran’asa')).toBe("fizotran'asa");
  });

  it('new workflow from a template, in three languages', () => {
    expect(parseCommand('new workflow from client onboarding', ctx)).toMatchObject({ kind: 'new-workflow', template: { id: 'client_onboarding' } });
    expect(parseCommand('Create a workflow from the Employee onboarding template', ctx)).toMatchObject({ template: { id: 'employee_onboarding' } });
    expect(parseCommand('nouveau workflow depuis client onboarding', ctx)).toMatchObject({ template: { id: 'client_onboarding' } });
    expect(parseCommand("fizotran'asa vaovao avy amin'ny client onboarding", ctx)).toMatchObject({ template: { id: 'client_onboarding' } });
    expect(parseCommand('new workflow', ctx)).toEqual({ kind: 'new-workflow', query: '', template: undefined });
    expect(parseCommand('new workflow from zzz', ctx)).toMatchObject({ kind: 'new-workflow', template: undefined });
  });

  it('blocked and overdue tasks', () => {
    expect(parseCommand('show blocked tasks', ctx)).toEqual({ kind: 'tasks', filter: 'blocked' });
    expect(parseCommand('blocked', ctx)).toEqual({ kind: 'tasks', filter: 'blocked' });
    expect(parseCommand('afficher les tâches bloquées', ctx)).toEqual({ kind: 'tasks', filter: 'blocked' });
    expect(parseCommand('asehoy ireo asa voasakana', ctx)).toEqual({ kind: 'tasks', filter: 'blocked' });
    expect(parseCommand('show overdue tasks this week', ctx)).toEqual({ kind: 'tasks', filter: 'overdue', range: 'week' });
    expect(parseCommand('show overdue tasks', ctx)).toEqual({ kind: 'tasks', filter: 'overdue' });
    expect(parseCommand('tâches en retard cette semaine', ctx)).toEqual({ kind: 'tasks', filter: 'overdue', range: 'week' });
    expect(parseCommand("asa tara amin'ity herinandro ity", ctx)).toEqual({ kind: 'tasks', filter: 'overdue', range: 'week' });
  });

  it('audit log for a workflow', () => {
    expect(parseCommand('open audit log for Acme', ctx)).toMatchObject({ kind: 'audit', workflow: { id: 'wf_1' } });
    expect(parseCommand('open audit log for website relaunch', ctx)).toMatchObject({ workflow: { id: 'wf_2' } });
    expect(parseCommand('open audit log', ctx)).toMatchObject({ kind: 'audit', workflow: undefined });
    expect(parseCommand("ouvrir le journal d'audit pour Acme", ctx)).toMatchObject({ workflow: { id: 'wf_1' } });
  });

  it('language, theme, low bandwidth and pages', () => {
    expect(parseCommand('switch to French', ctx)).toEqual({ kind: 'language', lng: 'fr' });
    expect(parseCommand('switch to Malagasy', ctx)).toEqual({ kind: 'language', lng: 'mg' });
    expect(parseCommand('passer en anglais', ctx)).toEqual({ kind: 'language', lng: 'en' });
    expect(parseCommand('ampiasao ny teny frantsay', ctx)).toEqual({ kind: 'language', lng: 'fr' });
    expect(parseCommand('switch to klingon', ctx)).toBeNull();
    expect(parseCommand('dark theme', ctx)).toEqual({ kind: 'theme', theme: 'dark' });
    expect(parseCommand('mode clair', ctx)).toEqual({ kind: 'theme', theme: 'light' });
    expect(parseCommand('low bandwidth off', ctx)).toEqual({ kind: 'low-bandwidth', on: false });
    expect(parseCommand('go to settings', ctx)).toEqual({ kind: 'page', path: '/settings' });
    expect(parseCommand('audit', ctx)).toEqual({ kind: 'page', path: '/audit' });
    expect(parseCommand('workflows', ctx)).toEqual({ kind: 'page', path: '/workflows' });
    expect(parseCommand('something else entirely', ctx)).toBeNull();
    expect(parseCommand('show pending approvals', ctx)).toEqual({ kind: 'approvals' });
    expect(parseCommand('approbations en attente', ctx)).toEqual({ kind: 'approvals' });
    expect(parseCommand('asehoy ny fankatoavana miandry', ctx)).toEqual({ kind: 'approvals' });
    expect(parseCommand('go to rules', ctx)).toEqual({ kind: 'page', path: '/rules' });
    expect(parseCommand('notifications', ctx)).toEqual({ kind: 'page', path: '/notifications' });
  });

  it('bestMatch prefers the name holding every word', () => {
    expect(bestMatch('onboarding employee', ctx.templates)?.id).toBe('employee_onboarding');
    expect(bestMatch('', ctx.templates)).toBeUndefined();
  });
});
