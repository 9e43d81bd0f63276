// Which events are critical (need a why) and which namespaces belong to Atrium's modules.
import type { Json } from '../../platform/schema.js';

export type DiffShape = { namespace: string; event: string; before: Json | null; after: Json | null };
export type CriticalEvent = { namespace: string; event: string; when?: (diff: DiffShape) => boolean; label?: string };

export const RESERVED_NAMESPACES: ReadonlySet<string> = new Set([
  'ledger',
  'identity',
  'flow_os',
  'rules',
  'notifications',
  'ai',
  'agents',
  'orchestration',
  'knowledge',
  'revenue',
  'value',
  'billing',
  'inclusion',
  'connectors',
  'system',
  'platform',
  'atrium',
]);

export class WhyPolicy {
  readonly #byKey = new Map<string, CriticalEvent[]>();

  /** Modules call this at start-up for each change that must never be recorded without a why. */
  register(rule: CriticalEvent): void {
    const key = `${rule.namespace}\u0000${rule.event}`;
    this.#byKey.set(key, [...(this.#byKey.get(key) ?? []), rule]);
  }

  requiresWhy(diff: DiffShape): boolean {
    const rules = this.#byKey.get(`${diff.namespace}\u0000${diff.event}`);
    return !!rules?.some((r) => !r.when || r.when(diff));
  }

  list(): CriticalEvent[] {
    return [...this.#byKey.values()].flat();
  }
}
