// The actions the Reflex Arc runs itself: `webhook` (called with no transaction open: runner.ts)
// and the pre-commit policies `guard` and `require_approval` (precommit.ts). Registered like every
// module's, so the rule schema, the checks on save and simulation treat all actions alike.
import { z } from 'zod';
import { ruleAction, type RuleActionDef } from '../../platform/rule-actions.js';
import { assertSafeUrl, type UrlPolicy } from '../../platform/url-guard.js';

const webhook = z.strictObject({
  url: z.string().url().max(2000),
  /** Write-only: sealed at rest, never returned. Generated when omitted (and shown once). */
  secret: z.string().min(16).max(200).optional(),
});
const guard = z.strictObject({ message: z.string().trim().min(1).max(500) });
const requireApproval = z.strictObject({
  /** Who may decide (owners always may). */
  approvers: z.enum(['role:admin', 'role:member']).default('role:admin'),
  /** The four-eyes principle: the requester may not approve their own change. */
  not_by_requester: z.boolean().default(false),
  message: z.string().max(500).optional(),
});

export type WebhookAction = z.output<typeof webhook> & { type: 'webhook' };
export type GuardAction = z.output<typeof guard> & { type: 'guard' };
export type ApprovalAction = z.output<typeof requireApproval> & { type: 'require_approval' };

export function ownActions(urlPolicy: UrlPolicy): RuleActionDef[] {
  return [
    ruleAction({
      type: 'webhook', summary: 'POST the change as a signed CloudEvent to a URL (retried with backoff; receivers deduplicate on webhook-id)',
      schema: webhook,
      check: (_ctx, a, at) => {
        assertSafeUrl(a.url, urlPolicy, `${at}.url`);
        return [];
      },
      describe: (_ctx, a, t) => ({ url: a.url, event_type: `atrium.${t.diff.event}` }),
    }),
    ruleAction({
      type: 'guard', summary: 'Refuse the change before it commits (409 BLOCKED_BY_RULE with this message); alone in its rule',
      schema: guard,
      describe: (_ctx, a, t) => ({ would_block: t.render(a.message) }),
    }),
    ruleAction({
      type: 'require_approval', summary: 'Hold the change until an approver decides (202 and an approval); alone in its rule',
      schema: requireApproval,
      describe: (_ctx, a) => ({ would_hold: true, approvers: a.approvers }),
    }),
  ];
}
