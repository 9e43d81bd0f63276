// Typed events. Each module declares its catalogue — event name → the shapes of `before`,
// `after` and `metadata` (zod) — in its definition; the ledger checks every diff a module
// records against it, and GET /v1/events serves it (JSON Schema) so the rule builder and
// flows can offer real event names and field paths instead of raw strings.
import { z } from 'zod';

type Shape = z.ZodType;
export type EventSpec = {
  /** One line for people choosing a trigger. */
  summary: string;
  /** The entity type the event is about (`task`, `workflow`…). */
  entity: string;
  before?: Shape;
  after?: Shape;
  metadata?: Shape;
  /**
   * Per-person data: the diff belongs to one person (`after.user_id`, or the actor) and these
   * fields of its before/after/metadata reach only them — everyone else (the stream, the audit
   * log, exports) sees the diff without them.
   */
  personal?: { owner: 'actor' | `after.${string}`; fields: readonly string[] };
};
/** Event name → spec. A name `*.predicted` matches any `<entity>.predicted`. */
export type EventCatalogue = Readonly<Record<string, EventSpec>>;

/** Fields of a change: declared ones are checked, others pass (a patch carries only what changed). */
export const fields = <T extends z.ZodRawShape>(shape: T) => z.looseObject(shape).partial();

export type CatalogueView = {
  module: string;
  namespace: string;
  event: string;
  entity_type: string;
  summary: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  metadata: Record<string, unknown> | null;
  /** Dotted paths a condition can test (`after.status`, `metadata.rule_id`). */
  fields: string[];
};

/** What `visibleTo` needs of a diff view. */
export type VisibleDiff = { namespace: string; event: string; actor: { type: string; id: string }; before: unknown; after: unknown; metadata: unknown };

const pick = (v: unknown, key: string): string | null => {
  const x = v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
  return typeof x === 'string' ? x : null;
};

type Entry = { module: string; namespace: string; event: string; spec: EventSpec; pattern: RegExp | null };

export class UnknownEventError extends Error {
  constructor(namespace: string, event: string, known: readonly string[]) {
    super(`event ${namespace}/${event} is not in the module's catalogue (known: ${known.join(', ')})`);
    this.name = 'UnknownEventError';
  }
}

export class EventShapeError extends Error {
  constructor(namespace: string, event: string, part: string, issues: string) {
    super(`event ${namespace}/${event}: ${part} does not match the catalogue: ${issues}`);
    this.name = 'EventShapeError';
  }
}

function jsonSchema(s: Shape | undefined): Record<string, unknown> | null {
  if (!s) return null;
  return z.toJSONSchema(s, { unrepresentable: 'any', io: 'input' }) as Record<string, unknown>;
}

function paths(prefix: string, schema: Record<string, unknown> | null, depth = 0): string[] {
  const props = schema?.['properties'] as Record<string, Record<string, unknown>> | undefined;
  if (!props || depth > 2) return [];
  return Object.entries(props).flatMap(([k, v]) => [`${prefix}.${k}`, ...paths(`${prefix}.${k}`, v, depth + 1)]);
}

export class EventRegistry {
  readonly #byNamespace = new Map<string, Map<string, Entry>>();
  readonly #patterns = new Map<string, Entry[]>();
  #views: CatalogueView[] | null = null;

  /** `strict`: also check the shapes (tests and development); names are always checked. */
  constructor(private readonly strict: boolean) {}

  register(module: string, namespace: string, catalogue: EventCatalogue): void {
    const events = this.#byNamespace.get(namespace) ?? new Map<string, Entry>();
    this.#byNamespace.set(namespace, events);
    for (const [event, spec] of Object.entries(catalogue)) {
      const pattern = event.startsWith('*.') ? new RegExp(`^[a-z0-9_]+\\.${event.slice(2).replace(/\./g, '\\.')}$`) : null;
      const entry = { module, namespace, event, spec, pattern };
      if (pattern) this.#patterns.set(namespace, [...(this.#patterns.get(namespace) ?? []), entry]);
      else events.set(event, entry);
    }
    this.#views = null;
  }

  /** True when a module owns the namespace (API clients may not write to it). */
  owns(namespace: string): boolean {
    return this.#byNamespace.has(namespace);
  }

  /** Refuses a diff a module records outside its catalogue (a programming error, so a plain Error → 500 and a failing test). */
  check(d: { namespace: string; event: string; before?: unknown; after?: unknown; metadata?: unknown }): void {
    const events = this.#byNamespace.get(d.namespace);
    if (!events) return; // an API client's own namespace: free-form by design
    const entry = events.get(d.event) ?? this.#patterns.get(d.namespace)?.find((p) => p.pattern!.test(d.event));
    if (!entry) throw new UnknownEventError(d.namespace, d.event, [...events.keys()]);
    if (!this.strict) return;
    for (const part of ['before', 'after', 'metadata'] as const) {
      const shape = entry.spec[part];
      const value = d[part];
      if (!shape || value === undefined || value === null) continue;
      const r = shape.safeParse(value);
      if (!r.success) throw new EventShapeError(d.namespace, d.event, part, r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    }
  }

  /** A diff as `viewer` may see it: a personal event's fields are removed for anyone but its owner. */
  visibleTo<D extends VisibleDiff>(d: D, viewer: string | null): D {
    const entry = this.#byNamespace.get(d.namespace)?.get(d.event);
    const personal = entry?.spec.personal;
    if (!personal) return d;
    const owner = personal.owner === 'actor' ? (d.actor.type === 'user' ? d.actor.id : null) : pick(d.after, personal.owner.slice(6));
    if (viewer !== null && owner === viewer) return d;
    const strip = (v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).filter(([k]) => !personal.fields.includes(k))) : v);
    return { ...d, before: strip(d.before), after: strip(d.after), metadata: strip(d.metadata) } as D;
  }

  list(): CatalogueView[] {
    this.#views ??= [...this.#byNamespace.values(), ...[...this.#patterns.values()].map((es) => new Map(es.map((e) => [e.event, e])))]
      .flatMap((m) => [...m.values()])
      .map(({ module, namespace, event, spec }) => {
        const before = jsonSchema(spec.before);
        const after = jsonSchema(spec.after);
        const metadata = jsonSchema(spec.metadata);
        return {
          module, namespace, event, entity_type: spec.entity, summary: spec.summary, before, after, metadata,
          fields: [...paths('before', before), ...paths('after', after), ...paths('metadata', metadata)],
        };
      })
      .sort((a, b) => (a.namespace + a.event < b.namespace + b.event ? -1 : 1));
    return this.#views;
  }
}
