// The events of Flow OS (namespace flow_os): what the rule builder and flows can react to.
import { z } from 'zod';
import { fields, type EventCatalogue } from '../../platform/events.js';
import { health, priority, taskStatus } from './schemas.js';

const task = fields({
  id: z.string(), workflow_id: z.string(), name: z.string(), description: z.string(), status: taskStatus,
  assignee_id: z.string().nullable(), due_date: z.string().nullable(), priority, rank: z.string(), tags: z.array(z.string()), version: z.number(),
});
const workflow = fields({
  id: z.string(), name: z.string(), description: z.string(), status: z.enum(['active', 'archived']), department: z.string(),
  owner_id: z.string().nullable(), template_id: z.string().nullable(), template_version: z.string().nullable(), cloned_from: z.string().nullable(),
  started_from: z.string().nullable(), settings: z.record(z.string(), z.json()), start_date: z.string().nullable(), version: z.number(),
});
const healthChange = fields({ health });

export const WORK_EVENTS: EventCatalogue = {
  'task.created': { entity: 'task', summary: 'A task was created', after: task },
  'task.updated': { entity: 'task', summary: 'A task changed (status, assignee, due date, priority, tags…); before/after hold the changed fields', before: task, after: task },
  'task.deleted': { entity: 'task', summary: 'A task was deleted', before: task },
  'workflow.created': { entity: 'workflow', summary: 'A workflow was created (blank, from a template or cloned)', after: workflow },
  'workflow.updated': { entity: 'workflow', summary: 'A workflow’s name, owner, department, dates or settings changed', before: workflow, after: workflow },
  'workflow.archived': { entity: 'workflow', summary: 'A workflow was archived (always with a why)', before: workflow, after: workflow },
  'workflow.restored': { entity: 'workflow', summary: 'An archived workflow was restored', before: workflow, after: workflow },
  'workflow.health_changed': {
    entity: 'workflow', summary: 'A workflow’s health (green, yellow, red) changed', before: healthChange, after: healthChange,
    metadata: fields({ reasons: z.array(z.string()), cause: z.string() }),
  },
  'template.created': {
    entity: 'template', summary: 'A workflow was saved as a template',
    after: fields({ name: z.string(), version: z.string(), tasks: z.number(), source_workflow_id: z.string() }),
  },
};
