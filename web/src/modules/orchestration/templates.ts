// The templates gallery offered on /flows/new: starting points that are valid definitions for the
// server (templates.test.ts checks each with its parseDefinition). The text stays editable (JSON
// or YAML). A template that needs a workflow asks for it as a required run input `workflow_id`.
export type FlowTemplate = {
  id: string;
  /** i18n keys (newFlow.tpl.<id>.name / .description): the card, and the name the new flow gets. */
  nameKey: string;
  descriptionKey: string;
  definition: Record<string, unknown> & { key: string; name: string; steps: readonly unknown[] };
};

const tpl = (id: string, definition: FlowTemplate['definition']): FlowTemplate => ({
  id, nameKey: `newFlow.tpl.${id}.name`, descriptionKey: `newFlow.tpl.${id}.description`, definition,
});

const TWO_DAYS = 2 * 86_400;
const SEVEN_DAYS = 7 * 86_400;

export const TEMPLATES: readonly FlowTemplate[] = [
  tpl('client-onboarding', {
    key: 'client-onboarding',
    name: 'Client onboarding kickoff',
    description: 'An admin approves the kickoff, then the onboarding tasks are created in the client’s workflow.',
    version: '1.0.0',
    input: {
      type: 'object', required: ['workflow_id', 'client'],
      properties: { workflow_id: { type: 'string', description: 'The client’s workflow (wf_…)' }, client: { type: 'string' }, start_date: { type: 'string', format: 'date' } },
    },
    steps: [
      { id: 'kickoff', type: 'approval', title: 'Start the onboarding of {{ input.client }}?', approvers: ['role:admin'], required: 1, exclude_starter: false, timeout_seconds: 3 * 86_400 },
      { id: 'welcome_call', type: 'command', after: ['kickoff:approved'], command: 'work.create_task', input: { workflow_id: '{{ input.workflow_id }}', name: 'Welcome call with {{ input.client }}', priority: 'high' } },
      { id: 'collect_access', type: 'command', after: ['kickoff:approved'], command: 'work.create_task', input: { workflow_id: '{{ input.workflow_id }}', name: 'Collect contracts, logos and accesses from {{ input.client }}' } },
      { id: 'setup_accounts', type: 'command', after: ['collect_access'], command: 'work.create_task', input: { workflow_id: '{{ input.workflow_id }}', name: 'Set up {{ input.client }}’s accounts and tools' } },
      { id: 'not_started', type: 'command', after: ['kickoff:rejected', 'kickoff:timeout'], join: 'any', command: 'notifications.notify', input: { to: ['role:admin'], title: 'Onboarding of {{ input.client }} not started', body: 'The kickoff was declined or nobody decided within 3 days.' } },
    ],
  }),
  tpl('overdue-escalation', {
    key: 'overdue-escalation',
    name: 'Overdue task escalation',
    description: 'When a task gets blocked or its due date slips, admins are told; still stuck 2 days later, owners are.',
    version: '1.0.0',
    input: { type: 'object', properties: { task_id: { type: 'string' } } },
    triggers: [{
      event: {
        namespace: 'flow_os', event: 'task.updated',
        filter: { any: [{ path: 'after.status', op: 'changed_to', value: 'blocked' }, { all: [{ path: 'before.due_date', op: 'exists' }, { path: 'after.due_date', op: 'changed' }] }] },
        input: { task_id: '{{ trigger.entity_id }}' },
      },
    }],
    steps: [
      { id: 'alert', type: 'command', command: 'notifications.notify', input: { to: ['role:admin'], title: 'A task is slipping', body: 'It was blocked or its due date moved.', entity: { type: 'task', id: '{{ input.task_id }}' } } },
      { id: 'watch', type: 'wait', after: ['alert'], timeout_seconds: TWO_DAYS, event: { namespace: 'flow_os', event: 'task.updated', entity_id: '{{ input.task_id }}', filter: { path: 'after.status', op: 'in', value: ['in_progress', 'done'] } } },
      { id: 'escalate', type: 'command', after: ['watch:timeout'], command: 'notifications.notify', input: { to: ['role:owner'], title: 'A task is still stuck after 2 days', entity: { type: 'task', id: '{{ input.task_id }}' } } },
      { id: 'back_on_track', type: 'transform', after: ['watch:event'], value: { task_id: '{{ input.task_id }}', status: '{{ steps.watch.output }}' } },
    ],
  }),
  tpl('weekly-report', {
    key: 'weekly-report',
    name: 'Weekly report by LLM',
    description: 'Every Monday at 9:00 (Paris), the model writes a short report and the team is notified.',
    version: '1.0.0',
    triggers: [{ schedule: { cron: '0 9 * * 1', timezone: 'Europe/Paris' } }],
    steps: [
      { id: 'report', type: 'llm', system: 'You write short, factual team reports.', prompt: 'Write a short weekly report for the team: what was done, what is blocked, what comes next.', max_tokens: 800 },
      { id: 'share', type: 'command', after: ['report'], command: 'notifications.notify', input: { to: ['role:member'], title: 'Weekly report', body: '{{ steps.report.output.text }}' } },
    ],
  }),
  tpl('webhook-task', {
    key: 'webhook-to-task',
    name: 'Webhook → task',
    description: 'A call to the API (a form, another tool) creates a task in a workflow from its title.',
    version: '1.0.0',
    input: {
      type: 'object', required: ['workflow_id', 'title'],
      properties: { workflow_id: { type: 'string' }, title: { type: 'string', minLength: 1 }, description: { type: 'string' }, priority: { enum: ['low', 'normal', 'high', 'urgent'] } },
    },
    steps: [
      { id: 'create_task', type: 'command', command: 'work.create_task', retry: { max_attempts: 3 }, input: { workflow_id: '{{ input.workflow_id }}', name: '{{ input.title }}', description: "{{ coalesce(input.description, '') }}", priority: "{{ coalesce(input.priority, 'normal') }}" } },
    ],
    output: '{{ steps.create_task.output }}',
  }),
  tpl('invoice-chase', {
    key: 'invoice-chase',
    name: 'Invoice chase',
    description: 'Waits a week for the payment, sends a reminder, waits another week, then tells the admins.',
    version: '1.0.0',
    input: {
      type: 'object', required: ['invoice_id', 'customer', 'reminder_url'],
      properties: { invoice_id: { type: 'string' }, customer: { type: 'string' }, amount: { type: 'number' }, reminder_url: { type: 'string', description: 'Your mailer’s or billing tool’s endpoint' } },
    },
    steps: [
      { id: 'first_wait', type: 'wait', timeout_seconds: SEVEN_DAYS, event: { namespace: 'billing', event: 'invoice.paid', entity_id: '{{ input.invoice_id }}' } },
      { id: 'remind', type: 'http', after: ['first_wait:timeout'], method: 'POST', url: '{{ input.reminder_url }}', body: { invoice_id: '{{ input.invoice_id }}', customer: '{{ input.customer }}', amount: '{{ input.amount }}', kind: 'reminder' }, retry: { max_attempts: 5 } },
      { id: 'pay', type: 'wait', after: ['remind'], timeout_seconds: SEVEN_DAYS, event: { namespace: 'billing', event: 'invoice.paid', entity_id: '{{ input.invoice_id }}' } },
      { id: 'escalate', type: 'command', after: ['pay:timeout'], command: 'notifications.notify', input: { to: ['role:admin'], title: 'Invoice {{ input.invoice_id }} unpaid after 2 weeks', body: '{{ input.customer }} was reminded once; time to call.' } },
      { id: 'paid', type: 'transform', after: ['first_wait:event', 'pay:event'], join: 'any', value: { invoice_id: '{{ input.invoice_id }}', paid: true } },
    ],
  }),
  tpl('content-review', {
    key: 'content-review',
    name: 'Content review with two approvers',
    description: 'Two members approve before publishing; the person who asked may not approve.',
    version: '1.0.0',
    input: { type: 'object', required: ['title'], properties: { title: { type: 'string' }, link: { type: 'string' } } },
    steps: [
      { id: 'review', type: 'approval', title: 'Publish “{{ input.title }}”?', description: '{{ coalesce(input.link, \'\') }}', approvers: ['role:member'], required: 2, exclude_starter: true, timeout_seconds: TWO_DAYS },
      { id: 'publish', type: 'command', after: ['review:approved'], command: 'notifications.notify', input: { to: ['role:member'], title: 'Approved: {{ input.title }}', body: 'Two reviewers approved it; it can go out.' } },
      { id: 'send_back', type: 'command', after: ['review:rejected', 'review:timeout'], join: 'any', command: 'notifications.notify', input: { to: ['role:member'], title: 'Sent back: {{ input.title }}', body: 'It was rejected or not reviewed in time.' } },
    ],
  }),
  tpl('lead-follow-up', {
    key: 'lead-follow-up',
    name: 'Lead follow-up sequence',
    description: 'Reminders on day 0, 2 and 7; a big lead also goes to an admin.',
    version: '1.0.0',
    input: { type: 'object', required: ['lead'], properties: { lead: { type: 'string' }, value: { type: 'number', minimum: 0 } } },
    steps: [
      { id: 'intro', type: 'command', command: 'notifications.notify', input: { to: ['role:member'], title: 'New lead: {{ input.lead }}', body: 'Send the introduction today.' } },
      { id: 'wait_2d', type: 'wait', after: ['intro'], seconds: TWO_DAYS },
      { id: 'nudge', type: 'command', after: ['wait_2d'], command: 'notifications.notify', input: { to: ['role:member'], title: 'Follow up with {{ input.lead }}', body: 'Two days since the introduction.' } },
      { id: 'wait_5d', type: 'wait', after: ['nudge'], seconds: 5 * 86_400 },
      { id: 'big_lead', type: 'condition', after: ['wait_5d'], if: 'coalesce(input.value, 0) >= 10000' },
      { id: 'manager_call', type: 'command', after: ['big_lead:true'], command: 'notifications.notify', input: { to: ['role:admin'], title: 'Big lead a week old: {{ input.lead }}', body: 'Worth a call from a manager.' } },
      { id: 'last_try', type: 'command', after: ['big_lead:false'], command: 'notifications.notify', input: { to: ['role:member'], title: 'Last follow-up: {{ input.lead }}', body: 'A week without an answer: try once more, then close it.' } },
    ],
  }),
  tpl('data-import', {
    key: 'data-import',
    name: 'Data import with undo',
    description: 'Records each row of input.rows; if the import fails, its start is voided by a compensating event.',
    version: '1.0.0',
    input: {
      type: 'object', required: ['rows'],
      properties: { source: { type: 'string' }, rows: { type: 'array', items: { type: 'object' }, maxItems: 1000 } },
    },
    steps: [
      {
        id: 'open_batch', type: 'command', command: 'ledger.record_event',
        input: { namespace: 'import', entity_type: 'batch', entity_id: '{{ run.id }}', event: 'batch.opened', after: { source: "{{ coalesce(input.source, 'api') }}", rows: '{{ len(input.rows) }}' } },
        compensate: { type: 'command', command: 'ledger.record_event', input: { namespace: 'import', entity_type: 'batch', entity_id: '{{ run.id }}', event: 'batch.voided', why: 'The import failed: the rows of this batch do not count.' } },
      },
      {
        id: 'rows', type: 'for_each', after: ['open_batch'], items: 'input.rows', limit: 1000, concurrency: 5,
        step: { type: 'command', command: 'ledger.record_event', input: { namespace: 'import', entity_type: 'row', entity_id: '{{ run.id }}-{{ index }}', event: 'row.imported', after: '{{ item }}' } },
      },
      { id: 'close_batch', type: 'command', after: ['rows'], command: 'ledger.record_event', input: { namespace: 'import', entity_type: 'batch', entity_id: '{{ run.id }}', event: 'batch.closed', after: { rows: '{{ len(input.rows) }}' } } },
      { id: 'done', type: 'command', after: ['close_batch'], command: 'notifications.notify', input: { to: ['role:admin'], title: 'Import finished: {{ len(input.rows) }} rows' } },
    ],
  }),
];

export const templateById = (id: string): FlowTemplate => TEMPLATES.find((x) => x.id === id) ?? TEMPLATES[0]!;

/** The editor text of a template; `name`/`description` (translated) replace the English ones. */
export const templateText = (id: string, text?: { name: string; description: string }): string =>
  JSON.stringify({ ...templateById(id).definition, ...text }, null, 2);
