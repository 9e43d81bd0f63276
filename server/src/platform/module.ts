// The module contract. Each domain module exports one definition (`defineModule`) from its
// index.ts; app.ts holds the list and starts the modules in dependency order, stops them in
// reverse, and registers their routes, error codes, event catalogues, sensitive actions and rule
// actions uniformly; their configuration sections are composed by `loadConfigOf` (config.ts).
// A new module is one folder plus one line in that list.
import type { Logger } from 'pino';
import type { BlobStore } from './blobs.js';
import type { AtriumConfig, ConfigSection } from './config.js';
import type { CommandRegistry } from './commands.js';
import type { Db } from './db/index.js';
import type { Clock } from './clock.js';
import { registerErrorCodes } from './errors.js';
import type { EventCatalogue, EventRegistry } from './events.js';
import type { RouteRegistry } from './http/route.js';
import type { Jobs } from './jobs.js';
import type { Mailer } from './mail.js';
import type { PermissionRegistry, Permissions } from './permissions.js';
import type { RealtimeHub } from './realtime.js';
import type { RuleActionDef, RuleActionRegistry } from './rule-actions.js';

export type Role = 'serve' | 'worker' | 'all';

/** What the platform hands every module: shared engines, never another module. */
export type Platform = {
  config: AtriumConfig;
  log: Logger;
  db: Db;
  jobs: Jobs;
  /** Uploaded files' bytes (Postgres or a directory). */
  blobs: BlobStore;
  hub: RealtimeHub;
  mailer: Mailer;
  now: Clock;
  commands: CommandRegistry;
  events: EventRegistry;
  /** Every module's sensitive actions (who may), filled from the definitions before any `create`. */
  permissions: PermissionRegistry;
  /** Every module's rule actions, complete once all modules are created. */
  ruleActions: RuleActionRegistry;
};

/** What a module's `create` returns: its public API plus the optional lifecycle hooks. */
export type ModuleInstance = {
  /** Called in dependency order once migrations ran (LISTENs, schedules, loops). */
  start?(role: Role): Promise<void>;
  /** Called in reverse dependency order before the database closes. */
  stop?(): Promise<void>;
  /** Called once per HTTP server, in dependency order (not on `worker`). */
  registerRoutes?(registry: RouteRegistry): void;
  /** What a matched rule can do through this module (collected into `platform.ruleActions`). */
  ruleActions?: readonly RuleActionDef[];
};

export type ModuleDefinition<Id extends string = string, Needs = object, Api extends ModuleInstance = ModuleInstance> = {
  /** The folder name; also the route tag, the `<module>:<scope>` scope prefix and the SDK part. */
  id: Id;
  /** The ledger namespace its diffs use (defaults to `id`; stored namespaces keep their meaning). */
  namespace: string;
  /** The modules whose index this one uses; they are created and started before it. */
  deps: readonly (keyof Needs & string)[];
  /** The tables it owns (created by its migrations; no other module reads or writes them). */
  tables: readonly string[];
  /** The error codes it answers, with their documentation (merged into the OpenAPI document). */
  errors?: Readonly<Record<string, string>>;
  /** Its event catalogue: event name → before/after/metadata shapes (served at GET /v1/events). */
  events?: EventCatalogue;
  /** Its configuration section: env keys with zod schemas, mapped into its fields of AtriumConfig. */
  config?: ConfigSection;
  /** Its sensitive actions: action → roles that may (and whether a fresh 2FA code is needed). */
  permissions?: Permissions;
  create(platform: Platform, needs: Needs): Api;
};

/** Declares a module; the identity function that keeps `Needs` and `Api` inferred. */
export function defineModule<Id extends string, Needs, Api extends ModuleInstance>(def: ModuleDefinition<Id, Needs, Api>): ModuleDefinition<Id, Needs, Api> {
  return def;
}

// A module definition of any shape (the list in app.ts is heterogeneous).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyModule = ModuleDefinition<string, any, ModuleInstance>;

/** The created modules of a list, by id, each typed as its own API. */
export type Instances<L extends readonly AnyModule[]> = { [M in L[number] as M['id']]: ReturnType<M['create']> };

/**
 * The list in dependency order (a module after everything it needs); refuses an unknown
 * dependency, a duplicate id or namespace, a table claimed twice and a cycle, naming them.
 */
export function dependencyOrder<L extends readonly AnyModule[]>(list: L): AnyModule[] {
  const byId = new Map<string, AnyModule>();
  const namespaces = new Map<string, string>();
  const tables = new Map<string, string>();
  for (const m of list) {
    if (byId.has(m.id)) throw new Error(`module ${m.id}: listed twice`);
    byId.set(m.id, m);
    const ns = namespaces.get(m.namespace);
    if (ns) throw new Error(`module ${m.id}: namespace ${m.namespace} is already module ${ns}'s`);
    namespaces.set(m.namespace, m.id);
    for (const t of m.tables) {
      const owner = tables.get(t);
      if (owner) throw new Error(`module ${m.id}: table ${t} is already module ${owner}'s`);
      tables.set(t, m.id);
    }
  }
  const ordered: AnyModule[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (m: AnyModule, path: string[]): void => {
    if (state.get(m.id) === 'done') return;
    if (state.get(m.id) === 'visiting') throw new Error(`module dependency cycle: ${[...path, m.id].join(' → ')}`);
    state.set(m.id, 'visiting');
    for (const dep of m.deps) {
      const d = byId.get(dep);
      if (!d) throw new Error(`module ${m.id}: needs ${dep}, which is not in the module list`);
      visit(d, [...path, m.id]);
    }
    state.set(m.id, 'done');
    ordered.push(m);
  };
  for (const m of list) visit(m, []);
  return ordered;
}

/**
 * Creates every module of the list in dependency order. Each `create` gets exactly the
 * modules it declared (an undeclared one is absent, so a hidden dependency fails at once).
 */
export function createModules<L extends readonly AnyModule[]>(list: L, platform: Platform): { instances: Instances<L>; order: { def: AnyModule; instance: ModuleInstance }[] } {
  const created = new Map<string, ModuleInstance>();
  const order: { def: AnyModule; instance: ModuleInstance }[] = [];
  const ordered = dependencyOrder(list);
  // All declared before any module is created: an action claimed twice fails before anything runs.
  for (const def of ordered) if (def.permissions) platform.permissions.register(def.id, def.permissions);
  for (const def of ordered) {
    if (def.errors) registerErrorCodes(def.id, def.errors);
    if (def.events) platform.events.register(def.id, def.namespace, def.events);
    const needs = Object.fromEntries(def.deps.map((dep) => [dep, created.get(dep)]));
    const instance = def.create(platform, needs);
    for (const action of instance.ruleActions ?? []) platform.ruleActions.register(def.id, action);
    created.set(def.id, instance);
    order.push({ def, instance });
  }
  // Registered at creation, read after it: whatever the order, rules never sees a partial set.
  platform.ruleActions.close();
  return { instances: Object.fromEntries(created) as Instances<L>, order };
}
