// Resource shapes of the Atrium API v1 (shared/design/API.md), as clients see them.
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type Sentiment = -1 | 0 | 1;
export type ActorType = 'user' | 'agent' | 'rule' | 'system' | 'api_key';

export type Meta = { request_id: string; timestamp: string; next_cursor?: string; [k: string]: unknown };
export type ApiErrorBody = { code: string; message: string; details: Array<{ path?: string; message: string; [k: string]: unknown }> };
export type EnvelopeOf<T> = { data: T; meta: Meta; error: null } | { data: null; meta: Meta; error: ApiErrorBody };

export type Annotation = {
  id: string;
  diff_id: string;
  why: string;
  sentiment: Sentiment;
  author: { type: string; id: string };
  author_id: string;
  created_at: string;
};

export type Diff = {
  id: string;
  namespace: string;
  entity_type: string;
  entity_id: string;
  event: string;
  before: Json | null;
  after: Json | null;
  metadata: Record<string, Json>;
  actor: { type: ActorType; id: string };
  causation_id: string | null;
  correlation_id: string | null;
  created_at: string;
  annotations: Annotation[];
};

export type AnnotationHit = Annotation & {
  rank: number;
  diff: { id: string; namespace: string; entity_type: string; entity_id: string; event: string };
};

export type DiffFilters = {
  namespace?: string;
  entity_type?: string;
  entity_id?: string;
  event?: string;
  actor_id?: string;
  since?: string;
  until?: string;
};

export type NewDiff = {
  namespace: string;
  entity_type: string;
  entity_id: string;
  event: string;
  before?: Json | null;
  after?: Json | null;
  metadata?: Record<string, Json>;
  why?: string;
  sentiment?: Sentiment;
  causation_id?: string;
  correlation_id?: string;
};

export type ReplayedState = { state: Json | null; at: string; as_of_diff_id: string | null };
export type Page<T> = { items: T[]; nextCursor: string | undefined };
