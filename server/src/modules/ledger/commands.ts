// The ledger's command: an API client's (or an agent's, a flow's) own event, in its own
// namespace. Atrium modules record their events through `record` inside their commands.
import { z } from 'zod';
import type { CommandRegistry } from '../../platform/commands.js';
import { errors } from '../../platform/errors.js';
import type { JsonObject } from '../../platform/schema.js';
import { diffView, parseDiffId } from './model.js';
import { RESERVED_NAMESPACES } from './policy.js';
import type { Recorder } from './record.js';
import { sentimentSchema } from './schemas.js';

export const RECORD_EVENT = 'ledger.record_event';

const name = z.string().trim().min(1).max(100);
export const customEventInput = z.strictObject({
  namespace: z.string().regex(/^[a-z][a-z0-9_.-]{0,62}$/, 'lowercase letters, digits, _ . -'),
  entity_type: name,
  entity_id: z.string().min(1).max(200),
  event: name,
  before: z.json().nullable().optional(),
  after: z.json().nullable().optional(),
  metadata: z.record(z.string(), z.json()).optional(),
  why: z.string().trim().min(1).max(5000).optional(),
  sentiment: sentimentSchema.optional(),
  causation_id: z.string().max(30).optional(),
  correlation_id: z.string().min(1).max(200).optional(),
});

export function assertOwnNamespace(namespace: string, path: string): void {
  if (RESERVED_NAMESPACES.has(namespace)) {
    throw errors.badRequest('RESERVED_NAMESPACE', `"${namespace}" belongs to an Atrium module; use your own namespace.`, [{ path, message: 'reserved' }]);
  }
}

export function registerLedgerCommands(commands: CommandRegistry, recorder: Recorder): void {
  commands.register({
    name: RECORD_EVENT, scope: 'write', summary: 'Record a custom event in your own namespace (those of Atrium modules are reserved)',
    input: customEventInput,
    run: async (ctx, body) => {
      assertOwnNamespace(body.namespace, 'namespace');
      let causationId: number | null = null;
      if (body.causation_id !== undefined) {
        causationId = parseDiffId(body.causation_id);
        const cause = causationId === null ? undefined : await ctx.tx.selectFrom('diffs').select('id').where('id', '=', causationId).executeTakeFirst();
        if (!cause) throw errors.validation([{ path: 'body.causation_id', message: 'no such diff in this tenant' }]);
      }
      const rec = await recorder.record(ctx, {
        namespace: body.namespace, entityType: body.entity_type, entityId: body.entity_id, event: body.event,
        before: body.before ?? null, after: body.after ?? null, metadata: (body.metadata ?? {}) as JsonObject,
        why: body.why, sentiment: body.sentiment, causationId, correlationId: body.correlation_id,
      });
      // The view of what was just written, without reading it back (two statements fewer per event).
      return diffView(rec.row, rec.annotation ? [rec.annotation] : []);
    },
  });
}
