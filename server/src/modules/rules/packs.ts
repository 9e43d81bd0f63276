// Built-in rule packs: ready-made rules a tenant switches on (the seeds' rule-pack
// marketplace starts here, as packs in code). Enabling one creates an ordinary rule,
// which the tenant can then inspect, simulate, edit or disable like any other.
import type { RuleInput } from './model.js';

export type RulePack = { id: string; name: string; description: string; rule: RuleInput };

export const RULE_PACKS: readonly RulePack[] = [
  {
    id: 'notify-owner-when-blocked',
    name: 'Notify the owner when a task is blocked',
    description: 'The workflow owner (and the assignee) hear about a blocker the moment it happens, with its why.',
    rule: {
      name: 'Notify owner when a task is blocked',
      trigger: { namespace: 'flow_os', entity_type: 'task', event: 'task.updated', when: { path: 'after.status', op: 'changed_to', value: 'blocked' } },
      actions: [{ type: 'notify', to: ['owner', 'assignee'], title: 'Blocked: {{after.name}}', message: '{{after.name}} is blocked: {{why}}' }],
    },
  },
  {
    id: 'escalate-urgent-blockers',
    name: 'Escalate urgent blockers after 24 h',
    description: 'An urgent task still blocked and untouched after 24 hours is escalated to admins and the owner (checked every minute by the job engine’s cron).',
    rule: {
      name: 'Escalate urgent blockers after 24 h',
      trigger: {
        namespace: 'flow_os', entity_type: 'task', stale_for_hours: 24,
        when: { all: [{ path: 'entity.status', op: 'eq', value: 'blocked' }, { path: 'entity.priority', op: 'eq', value: 'urgent' }] },
      },
      actions: [{ type: 'notify', to: ['role:admin', 'owner'], title: 'Escalation: {{entity.name}}', message: 'Urgent task "{{entity.name}}" has been blocked for more than 24 hours.', email: true }],
    },
  },
  {
    id: 'predict-completion-on-start',
    name: 'Predict the completion date when a workflow starts',
    description: 'From how long similar workflows (same template, else same department) took in this workspace.',
    rule: {
      name: 'Predict completion when a workflow starts',
      trigger: { namespace: 'flow_os', entity_type: 'workflow', event: 'workflow.created' },
      actions: [{ type: 'predict', model: 'workflow_completion' }],
    },
  },
  {
    id: 'predict-slip-on-assign',
    name: 'Predict the risk of slipping when a task is assigned',
    description: 'From the assignee’s record of on-time and late tasks here.',
    rule: {
      name: 'Predict slip risk on assignment',
      trigger: { namespace: 'flow_os', entity_type: 'task', event: 'task.updated', when: { path: 'after.assignee_id', op: 'changed' } },
      actions: [{ type: 'predict', model: 'task_slip' }],
    },
  },
  {
    id: 'approve-workflow-archive',
    name: 'Require approval to archive a workflow',
    description: 'Archiving is held until an admin or owner approves it (with a why).',
    rule: {
      name: 'Archiving a workflow needs approval',
      trigger: { namespace: 'flow_os', entity_type: 'workflow', event: 'workflow.archived' },
      actions: [{ type: 'require_approval', approvers: 'role:admin', not_by_requester: false, message: 'Archiving "{{entity.name}}" needs an approval.' }],
    },
  },
  {
    id: 'tag-failed-tasks',
    name: 'Tag failed tasks for review',
    description: 'A task that fails gets the tag "needs-review".',
    rule: {
      name: 'Tag failed tasks for review',
      trigger: { namespace: 'flow_os', entity_type: 'task', event: 'task.updated', when: { path: 'after.status', op: 'changed_to', value: 'failed' } },
      actions: [{ type: 'tag', add: ['needs-review'] }],
    },
  },
];
