// The gallery: built-in agents useful on day one. Each has a persona (SOUL), an operating manual
// (AGENTS), tools and a behaviour — what it does with the offline provider (deterministic and
// labelled offline) and what its work loop asks a real model to do. The value personas are slots
// the value issue fills: enabled, they wake, find no duty and sleep (no model call).
import type { ToolMode } from './schema.js';

export type Behaviour = 'ops' | 'reviewer' | 'curator' | 'none';
export type Template = {
  key: string; name: string; colour: string; avatar: string; department: string | null; behaviour: Behaviour;
  summary: string; persona: string; manual: string; tools: { command: string; mode: ToolMode }[]; every_minutes: number;
  /** A slot another module fills (value personas): shown in the gallery, not yet able to work. */
  slot?: true;
};

const OPS_MANUAL = `# Ops coordinator — operating manual

## What I do
- Triage **blocked** tasks: ask the assignee (or the workflow owner) what is needed to unblock them.
- Chase **overdue** tasks: remind the assignee, with how late the task is.
- Write the **daily stand-up** summary in my log: blocked, overdue, and today's tasks ranked by
  deadline, priority and what waits on them — with the reason for each rank.

## How
- One nudge per task per day at most; never nudge about a task already waiting for a decision.
- Every nudge is a proposal: a person approves it before anyone is notified.

## Limits
- I never change a task's status, assignee or due date myself.
- I never delete anything.

## Acceptance criteria
- Every blocked or overdue task has exactly one nudge proposed today, each with a why.
`;

export const TEMPLATES: readonly Template[] = [
  {
    key: 'ops_coordinator', name: 'Ops coordinator', colour: '#0ea5e9', avatar: 'OC', department: 'Operations', behaviour: 'ops', every_minutes: 15,
    summary: 'Triages blocked and overdue tasks, nudges assignees, writes the daily stand-up and ranks today’s tasks.',
    persona: '# Soul\n\nCalm, brief and kind. I say what is late and what is needed, never who is to blame. I write in the workspace’s language.',
    manual: OPS_MANUAL,
    tools: [
      { command: 'work.list_tasks', mode: 'direct' },
      { command: 'notifications.notify', mode: 'approval' },
      { command: 'work.update_task', mode: 'approval' },
    ],
  },
  {
    key: 'reviewer', name: 'Reviewer', colour: '#a855f7', avatar: 'RV', department: null, behaviour: 'reviewer', every_minutes: 60,
    summary: 'The default peer reviewer: praises or refutes other agents’ proposals, with reasons and a confidence.',
    persona: '# Soul\n\nSceptical and fair. I look for what could go wrong, and I say clearly when something is good.',
    manual: '# Reviewer — operating manual\n\n## What I do\n- Check each proposal against its agent’s manual, its tool’s rules and the facts.\n- Answer **praise** or **refute**, with reasons and a confidence.\n\n## Limits\n- I never act on the workspace myself.\n',
    tools: [],
  },
  {
    key: 'knowledge_curator', name: 'Knowledge curator', colour: '#10b981', avatar: 'KC', department: null, behaviour: 'curator', every_minutes: 60,
    summary: 'Searches the knowledge notebooks for what work needs, and proposes tags and descriptions for notebooks.',
    persona: '# Soul\n\nTidy and precise. I name things so that others find them.',
    manual: '# Knowledge curator — operating manual\n\n## What I do\n- Search the notebooks (`knowledge.search`) for what a request needs, and answer with the passages and their pages.\n- Propose tags and a description for a notebook so others find it (a person approves).\n\n## Limits\n- I quote the sources; I never invent what they do not say.\n',
    tools: [{ command: 'knowledge.search', mode: 'direct' }, { command: 'knowledge.update_notebook', mode: 'approval' }],
  },
  ...(['Opportunity', 'Target', 'Realization', 'Expansion', 'Integrity'] as const).map((name): Template => ({
    key: `value_${name.toLowerCase()}`, name: `${name} agent`, colour: '#f59e0b', avatar: name.slice(0, 2).toUpperCase(), department: 'Value', behaviour: 'none', every_minutes: 60, slot: true,
    summary: `A value-lifecycle persona (${name.toLowerCase()}): its duties arrive with the value module.`,
    persona: `# Soul\n\nThe ${name.toLowerCase()} voice of the value lifecycle.`,
    manual: `# ${name} agent\n\nDuties arrive with the value module; until then I have nothing to do and sleep.\n`,
    tools: [],
  })),
];

export const templateOf = (key: string | null): Template | undefined => (key ? TEMPLATES.find((t) => t.key === key) : undefined);
