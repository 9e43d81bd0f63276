// The events of orchestration (namespace orchestration): flows (definitions) and runs (executions).
import { z } from 'zod';
import { fields, type EventCatalogue } from '../../platform/events.js';

const flow = fields({ key: z.string(), name: z.string(), status: z.string(), latest_version: z.string() });
const run = fields({ flow_id: z.string(), version: z.string(), status: z.string(), trigger: z.string() });
const step = fields({ step: z.string(), type: z.string(), attempt: z.number(), status: z.string(), branch: z.string().nullable() });
const stepMeta = fields({ step: z.string(), flow_id: z.string(), replayed: z.boolean() });

export const ORCHESTRATION_EVENTS: EventCatalogue = {
  'flow.created': { entity: 'flow', summary: 'A flow (a graph of steps) was created with its first version', after: flow },
  'flow.version_published': { entity: 'flow', summary: 'A new immutable version of a flow was published', before: flow, after: flow },
  'flow.updated': { entity: 'flow', summary: 'A flow was paused, resumed or archived, or its name changed', before: flow, after: flow },
  'run.started': { entity: 'run', summary: 'A run of a flow started (by API, rule, schedule, event, CLI, replay or fork)', after: run },
  'run.waiting': { entity: 'run', summary: 'A run waits (a person, an event, a timer or a child run)', before: run, after: run },
  'run.completed': { entity: 'run', summary: 'A run finished successfully', before: run, after: run },
  'run.failed': { entity: 'run', summary: 'A run failed after its retries (no compensation to run)', before: run, after: run },
  'run.compensated': { entity: 'run', summary: 'A failed run’s completed steps were compensated in reverse order', before: run, after: run },
  'run.compensation_failed': { entity: 'run', summary: 'A compensation failed: the run needs a person', before: run, after: run },
  'run.cancelled': { entity: 'run', summary: 'A run was cancelled', before: run, after: run },
  'step.completed': { entity: 'run', summary: 'A step of a run completed (its output is in the run’s journal)', after: step, metadata: stepMeta },
  'step.failed': { entity: 'run', summary: 'A step failed for good (no attempts left, or not retriable)', after: step, metadata: stepMeta },
  'step.retried': { entity: 'run', summary: 'A step attempt failed and will be retried', after: step, metadata: stepMeta },
  'step.compensated': { entity: 'run', summary: 'A completed step was undone by its compensation', after: step, metadata: stepMeta },
  'settings.updated': { entity: 'flow_settings', summary: 'How long run journals are kept changed', before: fields({ retention_days: z.number() }), after: fields({ retention_days: z.number() }) },
  'approval.decided': { entity: 'run', summary: 'A person approved or rejected an approval step of a run', after: fields({ step: z.string(), decision: z.string() }) },
};
