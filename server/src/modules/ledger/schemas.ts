// zod shapes of the ledger's public resources (they document the OpenAPI responses).
import { z } from 'zod';

export const sentimentSchema = z.union([z.literal(-1), z.literal(0), z.literal(1)]);

export const annotationSchema = z.object({
  id: z.string(),
  diff_id: z.string(),
  why: z.string(),
  sentiment: sentimentSchema,
  author: z.object({ type: z.string(), id: z.string() }),
  author_id: z.string(),
  created_at: z.string(),
});

export const diffSchema = z.object({
  id: z.string(),
  namespace: z.string(),
  entity_type: z.string(),
  entity_id: z.string(),
  event: z.string(),
  before: z.json().nullable(),
  after: z.json().nullable(),
  metadata: z.record(z.string(), z.json()),
  actor: z.object({ type: z.enum(['user', 'agent', 'rule', 'system', 'api_key']), id: z.string() }),
  causation_id: z.string().nullable(),
  correlation_id: z.string().nullable(),
  created_at: z.string(),
  annotations: z.array(annotationSchema),
});
