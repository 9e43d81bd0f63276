// Starting points for a new flow, offered on /flows/new (the text stays editable: JSON or YAML).
export type FlowTemplate = { id: string; labelKey: string; definition: Record<string, unknown> };

export const TEMPLATES: readonly FlowTemplate[] = [
  {
    id: 'content-review',
    labelKey: 'newFlow.tpl.review',
    definition: {
      key: 'content-review',
      name: 'Content review with two approvers',
      description: 'Two members approve before publishing; the starter may not approve.',
      version: '1.0.0',
      input: { type: 'object', properties: { title: { type: 'string' } } },
      steps: [
        { id: 'review', type: 'approval', title: 'Publish?', approvers: ['role:member'], required: 2, exclude_starter: true },
        { id: 'publish', type: 'transform', after: ['review:approved'], value: { published: true } },
        { id: 'send_back', type: 'transform', after: ['review:rejected'], value: { published: false } },
      ],
    },
  },
  {
    id: 'webhook-task',
    labelKey: 'newFlow.tpl.webhook',
    definition: {
      key: 'webhook-to-task',
      name: 'Webhook → task',
      description: 'Creates a task in a workflow from the run input.',
      version: '1.0.0',
      input: { type: 'object', required: ['workflow_id'], properties: { workflow_id: { type: 'string' }, name: { type: 'string' } } },
      steps: [
        { id: 'create_task', type: 'command', command: 'work.create_task', input: { workflow_id: '{{ input.workflow_id }}', name: '{{ input.name }}' } },
      ],
    },
  },
  {
    id: 'weekly-report',
    labelKey: 'newFlow.tpl.report',
    definition: {
      key: 'weekly-report',
      name: 'Weekly report by LLM',
      description: 'Every Monday at 9:00 (Paris), a short report written by the model.',
      version: '1.0.0',
      triggers: [{ schedule: { cron: '0 9 * * 1', timezone: 'Europe/Paris' } }],
      steps: [
        { id: 'report', type: 'llm', prompt: 'Write a short weekly report for the team: what was done, what is blocked, what comes next.' },
      ],
    },
  },
];

export const templateText = (id: string): string => JSON.stringify(TEMPLATES.find((x) => x.id === id)?.definition ?? TEMPLATES[0]!.definition, null, 2);
