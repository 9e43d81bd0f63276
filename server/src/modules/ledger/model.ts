// The public shape of diffs and annotations, and the id/cursor encodings the API uses.
import { errors } from '../../platform/errors.js';
import type { Json, JsonObject } from '../../platform/schema.js';
import type { ActorType } from './schema.js';

export type AnnotationView = {
  id: string;
  diff_id: string;
  why: string;
  sentiment: number;
  author: { type: string; id: string };
  author_id: string;
  created_at: string;
};

export type DiffView = {
  id: string;
  namespace: string;
  entity_type: string;
  entity_id: string;
  event: string;
  before: Json | null;
  after: Json | null;
  metadata: JsonObject;
  actor: { type: ActorType; id: string };
  causation_id: string | null;
  correlation_id: string | null;
  created_at: string;
  annotations: AnnotationView[];
};

export type DiffRow = {
  id: number;
  namespace: string;
  entity_type: string;
  entity_id: string;
  event: string;
  value_before: Json | null;
  value_after: Json | null;
  metadata: JsonObject;
  actor_type: ActorType;
  actor_id: string;
  causation_id: number | null;
  correlation_id: string | null;
  created_at: Date;
};

export type AnnotationRow = {
  id: string;
  diff_id: number;
  author_type: string;
  author_id: string;
  why: string;
  sentiment: number;
  created_at: Date;
};

export const diffPublicId = (id: number): string => `dif_${id}`;

/** `dif_123` → 123; anything else → null (callers answer 404). */
export function parseDiffId(id: string): number | null {
  const m = /^dif_(\d{1,15})$/.exec(id);
  return m ? Number(m[1]) : null;
}

export function annotationView(a: AnnotationRow): AnnotationView {
  return {
    id: a.id,
    diff_id: diffPublicId(a.diff_id),
    why: a.why,
    sentiment: a.sentiment,
    author: { type: a.author_type, id: a.author_id },
    author_id: a.author_id,
    created_at: a.created_at.toISOString(),
  };
}

export function diffView(d: DiffRow, annotations: AnnotationRow[] = []): DiffView {
  return {
    id: diffPublicId(d.id),
    namespace: d.namespace,
    entity_type: d.entity_type,
    entity_id: d.entity_id,
    event: d.event,
    before: d.value_before,
    after: d.value_after,
    metadata: d.metadata,
    actor: { type: d.actor_type, id: d.actor_id },
    causation_id: d.causation_id === null ? null : diffPublicId(d.causation_id),
    correlation_id: d.correlation_id,
    created_at: d.created_at.toISOString(),
    annotations: annotations.map(annotationView),
  };
}

/**
 * Instants the API accepts in filters, `at=` and cursors: years 1000 to 9999. A JS Date
 * reaches much further, but Postgres refuses years outside its range (and year 0) with
 * an error that would otherwise surface as a 500.
 */
export const INSTANT_RANGE = { min: new Date(Date.UTC(1000, 0, 1)), max: new Date(Date.UTC(9999, 11, 31, 23, 59, 59, 999)) };
export const isInstantInRange = (ms: number): boolean => ms >= INSTANT_RANGE.min.getTime() && ms <= INSTANT_RANGE.max.getTime();

/** Keyset cursor over (created_at, id), opaque to clients. */
export type Cursor = { at: string; id: number };

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.at, c.id])).toString('base64url');
}

export function decodeCursor(raw: string | undefined): Cursor | null {
  if (raw === undefined) return null;
  try {
    const v = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && Number.isSafeInteger(v[1])) {
      if (isInstantInRange(Date.parse(v[0]))) return { at: v[0], id: v[1] as number };
    }
  } catch {
    /* fall through */
  }
  throw errors.badRequest('BAD_CURSOR', 'The cursor is not one this server issued.', [{ path: 'query.cursor', message: 'malformed' }]);
}

/** A diff as one person may see it (personal events lose their private fields for everyone else). */
export type Visibility = (d: DiffView, viewer: string | null) => DiffView;
export const everythingVisible: Visibility = (d) => d;
