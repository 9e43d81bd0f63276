// The events of the Reflex Arc (namespace rules): rules, their runs and the approvals inbox.
import { z } from 'zod';
import { fields, type EventCatalogue } from '../../platform/events.js';

const rule = fields({ name: z.string(), enabled: z.boolean(), kind: z.string(), trigger: z.record(z.string(), z.json()), actions: z.array(z.json()) });
const status = fields({ status: z.enum(['pending', 'approved', 'rejected']) });
const delivery = fields({ url: z.string(), status_code: z.number().nullable(), attempt: z.number(), error: z.string().nullable() });

export const RULES_EVENTS: EventCatalogue = {
  'rule.created': { entity: 'rule', summary: 'A rule was created', after: rule, metadata: fields({ pack_id: z.string() }) },
  'rule.updated': { entity: 'rule', summary: 'A rule’s trigger, actions or name changed', before: rule, after: rule },
  'rule.enabled': { entity: 'rule', summary: 'A rule was switched on', before: rule, after: rule },
  'rule.disabled': { entity: 'rule', summary: 'A rule was switched off', before: rule, after: rule },
  'rule.deleted': { entity: 'rule', summary: 'A rule was deleted', before: rule },
  'rule.loop_cut': {
    entity: 'rule', summary: 'A chain of rule effects reached the depth limit and was stopped',
    after: fields({ rule_id: z.string(), rule_name: z.string(), chain_depth: z.number(), limit: z.number() }), metadata: fields({ chain_depth: z.number() }),
  },
  'webhook.delivered': { entity: 'rule_run', summary: 'A rule’s webhook was delivered', after: delivery },
  'webhook.failed': { entity: 'rule_run', summary: 'A rule’s webhook delivery failed', after: delivery },
  '*.predicted': {
    entity: '*', summary: 'A rule predicted an outcome for the entity (e.g. task.predicted)',
    after: fields({ prediction: z.json() }), metadata: fields({ evidence: z.json(), model: z.string().nullable() }),
  },
  'approval.requested': {
    entity: 'approval', summary: 'A change was held for approval',
    after: fields({ status: z.literal('pending'), rule_id: z.string(), entity_type: z.string(), entity_id: z.string(), event: z.string(), summary: z.string() }),
  },
  'approval.approved': { entity: 'approval', summary: 'A held change was approved (and applied)', before: status, after: status, metadata: fields({ rule_id: z.string(), requested_by: z.string() }) },
  'approval.rejected': { entity: 'approval', summary: 'A held change was rejected, with a reason', before: status, after: status },
};
