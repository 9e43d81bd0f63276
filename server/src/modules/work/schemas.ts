// zod shapes of the work module's requests and resources.
import { z } from 'zod';

export const taskStatus = z.enum(['todo', 'in_progress', 'blocked', 'done', 'failed']);
export const priority = z.enum(['low', 'normal', 'high', 'urgent']);
export const health = z.enum(['green', 'yellow', 'red']);
export const calendarDate = z.iso.date();
export const department = z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, 'lowercase department id: ops, sales, creative, knowledge, hr, finance or your own');
export const sentiment = z.union([z.literal(-1), z.literal(0), z.literal(1)]);
export const why = { why: z.string().trim().min(1).max(5000).optional(), sentiment: sentiment.optional() };
export const idParam = z.strictObject({ id: z.string().min(1).max(100) });
const tags = z.array(z.string().trim().min(1).max(40)).max(20);

export const healthSchema = z.object({ status: health, reasons: z.array(z.string()) });
export const taskSchema = z.object({
  id: z.string(), workflow_id: z.string(), name: z.string(), description: z.string(), status: taskStatus,
  assignee_id: z.string().nullable(), due_date: z.string().nullable(), priority, position: z.number(), rank: z.string(),
  tags: z.array(z.string()), overdue: z.boolean(), blocked_at: z.string().nullable(), completed_at: z.string().nullable(),
  created_at: z.string(), updated_at: z.string(), version: z.number(),
  /** Why a blocked task is blocked (the why of its latest move to blocked), on workflow and dashboard reads. */
  blocked_why: z.string().nullable().optional(),
});
export const workflowSchema = z.object({
  id: z.string(), name: z.string(), description: z.string(), status: z.enum(['active', 'archived']), department: z.string(),
  owner_id: z.string().nullable(), health: healthSchema, progress: z.object({ done: z.number(), total: z.number() }),
  template_id: z.string().nullable(), template_version: z.string().nullable(), cloned_from: z.string().nullable(),
  started_from: z.string().nullable(), settings: z.record(z.string(), z.json()), start_date: z.string().nullable(),
  archived_at: z.string().nullable(), created_at: z.string(), updated_at: z.string(), version: z.number(),
  tasks: z.array(taskSchema).optional(),
});
export const templateSchema = z.object({
  id: z.string(), name: z.string(), description: z.string(), department: z.string(), version: z.string(), builtin: z.boolean(),
  tasks: z.array(z.object({ name: z.string(), description: z.string(), day: z.number(), priority, tags: z.array(z.string()).optional() })),
});

export const taskFields = {
  name: z.string().trim().min(1).max(300),
  description: z.string().max(20_000).optional(),
  status: taskStatus.optional(),
  assignee_id: z.string().max(100).nullable().optional(),
  due_date: calendarDate.nullable().optional(),
  priority: priority.optional(),
  tags: tags.optional(),
  position: z.number().int().min(0).max(100_000).optional(),
};
