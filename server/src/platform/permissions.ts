// Sensitive actions: what only some member roles may do, on top of a route's or command's scope
// (inviting a member, creating an API key, …). The module that owns an action declares it in
// its definition (`permissions`); createModules collects every module's here, and an action
// declared by two modules fails at start naming both. Checks read the declaration, so a role
// matrix lives beside the code it guards and docs/permissions.md lists what this holds.
import { errors } from './errors.js';

export type PermissionDef<R extends string = string> = {
  /** The member roles that may do it; an API key has no role, so it never may. */
  roles: readonly R[];
  /** A person with 2FA confirms a fresh code first (enforced by the command doing it: `stepUp: true`). */
  stepUp?: true;
  /** What it is (docs, `list`). */
  summary: string;
};

/**
 * A module's declarations: action name (`<noun>.<verb>`, unique over all modules) → who may
 * (`{ … } as const satisfies Permissions<Role>` keeps the names as a type for its own checks).
 */
export type Permissions<R extends string = string> = Readonly<Record<string, PermissionDef<R>>>;

/** 403 FORBIDDEN unless `role` is one `permissions` gives `action` (a role of null never is). */
export function assertRoleMay(permissions: Permissions, role: string | null, action: string): void {
  const def = permissions[action];
  // An undeclared action is a programming error (a typo would otherwise deny everyone quietly).
  if (!def) throw new Error(`permission ${action} is not declared`);
  if (!role || !def.roles.includes(role)) {
    throw errors.forbidden(`Your role cannot do "${action}".`, [{ message: 'role not allowed', action, role }]);
  }
}

export type PermissionView = { action: string; module: string; roles: readonly string[]; stepUp: boolean; summary: string };

/** Every module's sensitive actions, by name. */
export class PermissionRegistry {
  readonly #byAction = new Map<string, { module: string; def: PermissionDef }>();

  register(moduleId: string, permissions: Permissions): void {
    for (const [action, def] of Object.entries(permissions)) {
      const prior = this.#byAction.get(action);
      if (prior) throw new Error(`permission ${action}: declared by module ${prior.module} and by module ${moduleId}`);
      this.#byAction.set(action, { module: moduleId, def });
    }
  }

  /** The declaration of `action` (undefined when no module declares it). */
  get(action: string): PermissionDef | undefined {
    return this.#byAction.get(action)?.def;
  }

  /** The check of any module's action: 403 unless the role may. */
  assertCan(role: string | null, action: string): void {
    const def = this.get(action);
    assertRoleMay(def ? { [action]: def } : {}, role, action);
  }

  needsStepUp(action: string): boolean {
    return this.get(action)?.stepUp === true;
  }

  list(): PermissionView[] {
    return [...this.#byAction].map(([action, { module, def }]) => ({ action, module, roles: def.roles, stepUp: def.stepUp === true, summary: def.summary }));
  }
}
