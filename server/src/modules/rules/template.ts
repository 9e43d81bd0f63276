// `{{after.name}}`-style placeholders filled from a diff (and the entity it changed).
// Deliberately logic-less: a rule author cannot run code, only read fields.
import type { Json } from '../../platform/schema.js';

export type TemplateScope = Record<string, Json | undefined>;

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.-]{1,200})\s*\}\}/g;

function lookup(scope: TemplateScope, path: string): Json | undefined {
  const [root, ...keys] = path.split('.');
  // Own fields only: `{{constructor}}` must not reach Object.prototype.
  const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
  let v: Json | undefined = own(scope, root!) ? scope[root!] : undefined;
  for (const k of keys) {
    if (v === null || v === undefined || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = own(v, k) ? (v as Record<string, Json>)[k] : undefined;
  }
  return v;
}

/**
 * Fills placeholders. Diffs hold changed fields only, so `after.x` falls back to the entity's
 * state after the change (`{{after.name}}` names a task even when only its status changed).
 */
export function render(text: string, scope: TemplateScope): string {
  return text.replace(PLACEHOLDER, (_m, path: string) => {
    let v = lookup(scope, path);
    if (v === undefined && path.startsWith('after.')) v = lookup(scope, `entity.${path.slice(6)}`);
    if (v === undefined || v === null) return '';
    return typeof v === 'object' ? JSON.stringify(v) : String(v);
  });
}

/** Whether rendering reads the entity's state: an `entity.*`, or an `after.*` the diff does not hold. */
export function templateReadsEntity(text: string, after: Json | null): boolean {
  const changed = after && typeof after === 'object' && !Array.isArray(after) ? after : {};
  for (const [, path] of text.matchAll(PLACEHOLDER)) {
    if (path!.startsWith('entity.')) return true;
    if (path!.startsWith('after.') && changed[path!.slice(6).split('.')[0]!] === undefined) return true;
  }
  return false;
}
