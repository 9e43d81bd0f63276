// Orchestration (flows and their runs): English. The reference for fr.ts and mg.ts (same keys,
// same {{placeholders}}). "Flows" and "Runs" stay distinct from Work's "Workflows".
const en = {
  nav: { flows: 'Flows', runs: 'Runs' },
  palette: { page: { '/flows': 'Flows', '/runs': 'Runs' } },
  flows: {
    title: 'Flows', new: 'New flow', hint: 'Automations as a graph of steps: commands, HTTP calls, LLM prompts, approvals, waits.',
    filters: 'Flow filters', search: 'Search by name or key', none: 'No flows yet.', noMatch: 'No flows match this search.',
    runsCol: 'Runs', lastRun: 'Last run', runCount: '{{n}} runs', failedCount: '{{n}} failed',
  },
  flowStatus: { active: 'Active', paused: 'Paused', archived: 'Archived' },
  runStatus: {
    queued: 'Queued', running: 'Running', waiting: 'Waiting', compensating: 'Undoing', completed: 'Completed', failed: 'Failed',
    compensated: 'Undone', compensation_failed: 'Undo failed', cancelled: 'Cancelled',
  },
  stepStatus: { completed: 'Completed', failed: 'Failed', skipped: 'Skipped', waiting: 'Waiting', compensated: 'Undone', compensation_failed: 'Undo failed' },
  trigger: { api: 'API', rule: 'Rule', schedule: 'Schedule', event: 'Event', sub_flow: 'Parent flow', replay: 'Replay', fork: 'Fork', cli: 'Command line' },
  waitKind: { event: 'an event', approval: 'an approval', child: 'a sub-flow', timer: 'a timer' },
  runs: {
    title: 'Runs', none: 'No runs yet.', run: 'Run', flow: 'Flow', trigger: 'Started by', started: 'Started', filters: 'Run filters', flowKey: 'Flow key',
  },
  flow: {
    nodeHelp: 'A step of the flow; the list of steps and the journal below say the same.', steps: 'Steps', after: 'after {{steps}}',
    problems: 'Problems found: {{n}}', valid: 'The definition is valid.', validate: 'Validate', notJson: 'The definition is not valid JSON.',
    inputInvalid: 'The input must be a JSON object, for example {"name": "Ada"}.', updated: 'updated {{when}}', back: 'All flows',
    pause: 'Pause', resume: 'Resume', graph: 'Graph', noSteps: 'This flow has no steps.', startTitle: 'Start a run', input: 'Input (JSON)',
    start: 'Start run', pausedHint: 'The flow is paused: resume it to start runs.', definition: 'Definition',
    definitionLabel: 'Definition (JSON or YAML)', bump: 'Next version', publish: 'Publish new version',
    recentRuns: 'Recent runs', allRuns: 'See all runs', versions: 'Versions',
  },
  newFlow: {
    title: 'New flow', definition: 'Definition', create: 'Create flow',
    formatHint: 'JSON or YAML. The key names the flow in addresses; it cannot change later.',
    gallery: 'Templates', galleryHint: 'Pick a starting point: it fills the editor below, where you can change anything.',
    use: 'Use this template', useNamed: 'Use this template: {{name}}', inEditor: 'In the editor', stepCount: 'Steps: {{n}}',
    filled: '“{{name}}” is in the editor.',
    tpl: {
      'client-onboarding': { name: 'Client onboarding kickoff', description: 'An admin approves the kickoff, then the onboarding tasks are created in the client’s workflow.' },
      'overdue-escalation': { name: 'Overdue task escalation', description: 'When a task gets blocked or its due date slips, admins are told; still stuck 2 days later, owners are.' },
      'weekly-report': { name: 'Weekly report by LLM', description: 'Every Monday at 9:00, the model writes a short report and the team is notified.' },
      'webhook-task': { name: 'Webhook → task', description: 'A call to the API (a form, another tool) creates a task in a workflow from its title.' },
      'invoice-chase': { name: 'Invoice chase', description: 'Waits a week for the payment, sends a reminder, waits another week, then tells the admins.' },
      'content-review': { name: 'Content review with two approvers', description: 'Two members approve before publishing; the person who asked may not approve.' },
      'lead-follow-up': { name: 'Lead follow-up sequence', description: 'Reminders on day 0, 2 and 7; a big lead also goes to an admin.' },
      'data-import': { name: 'Data import with undo', description: 'Records each row; if the import fails, the batch is voided by a compensating event.' },
    },
  },
  run: {
    title: 'Run {{id}}', branch: 'branch {{branch}}', attempt: 'attempt {{n}}', retryAt: 'next try {{when}}',
    input: 'Input', output: 'Output', error: 'Error', why: 'Why (optional)', approve: 'Approve', reject: 'Reject',
    approved: 'Approval recorded.', rejected: 'Rejection recorded.', startedAt: 'started {{when}}', finishedAt: 'finished {{when}}',
    live: 'Updating live', compensate: 'Undo completed steps', cancel: 'Cancel run', errorTitle: 'What went wrong',
    failedStep: 'Step “{{step}}” failed (attempts: {{n}}).', replay: 'Replay', fork: 'Fork from “{{step}}”',
    approvals: 'Waiting for a decision', readOnly: 'You can see this approval but not decide it.', waits: 'What the run waits for',
    waitsFor: '“{{step}}” waits for {{kind}}', timeline: 'Journal', noSteps: 'No step has run yet.', io: 'Input and output',
  },
  errors: {
    INVALID_FLOW: 'The flow definition has problems.', FLOW_PAUSED: 'This flow is paused: resume it to start runs.',
    FLOW_ARCHIVED: 'This flow is archived.', FLOW_KEY_TAKEN: 'Another flow already uses this key.',
    VERSION_EXISTS: 'This version exists already: choose a higher version.', RUN_FINISHED: 'This run has already finished.',
    RUN_NOT_FINISHED: 'This run has not finished yet.', ALREADY_DECIDED: 'You have already decided on this step.',
    STARTER_EXCLUDED: 'The person who started the run may not decide this step.', JOURNAL_PRUNED: 'The journal of this run is no longer kept.',
  },
};

export default en;
