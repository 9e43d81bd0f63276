// Who is acting, for which tenant, inside which transaction. Every command takes a Ctx.
import type { Db, Tx } from './db/index.js';

export type ActorType = 'user' | 'agent' | 'rule' | 'system' | 'api_key';
export type Actor = { type: ActorType; id: string };

/** The authenticated caller of a request. */
export type Principal = {
  tenantId: string;
  actor: Actor;
  userId: string | null;
  tokenId: string;
  kind: 'session' | 'api_key';
  /** The member's role in the tenant (for API keys: null). */
  role: string | null;
  scopes: readonly string[];
  plan: string;
  /** Last successful 2FA check of this session (step-up). */
  stepUpAt: Date | null;
  platformRole: 'operator' | null;
  /** Set only when an approved change is re-applied on the requester's behalf (rules module). */
  approval?: ApprovalGrant;
};

/** An approver's decision carried into the re-applied command, so the held change passes its rule. */
export type ApprovalGrant = { id: string; ruleId: string; approver: Actor; why: string; sentiment: -1 | 0 | 1 };

export type Ctx = {
  readonly tenantId: string;
  readonly actor: Actor;
  readonly tx: Tx;
  readonly requestId?: string;
  readonly correlationId?: string;
  readonly approval?: ApprovalGrant;
  /** Set when the work is an effect of another diff (a rule's action): every diff recorded in
   * this Ctx gets it as causation and carries its metadata (rule, run, chain depth). */
  readonly cause?: Cause;
  /** See `CtxSource.holdable`. */
  readonly holdable?: false;
  /** Runs after the transaction commits (never if it rolls back). */
  onCommit(fn: () => void): void;
};

export type Cause = { diffId: number; metadata: Record<string, string | number | boolean | null> };

export type CtxSource = {
  tenantId: string; actor: Actor; requestId?: string; correlationId?: string; approval?: ApprovalGrant; cause?: Cause;
  /**
   * `false`: what this transaction records is no change a person could approve later — a
   * sign-in or sign-out, a second factor turned on, a notification read, the bookkeeping of a
   * hold itself — so `require_approval` rules do not hold it (guards still refuse). Changes are
   * held inside commands, because approving runs the command again; a hold raised in any other
   * transaction is a programming error (the route registry answers 500).
   */
  holdable?: false;
};

/** The Ctx source of a request's caller: their tenant and themselves as the actor. */
export const actingAs = (p: Principal, requestId?: string): CtxSource => ({
  tenantId: p.tenantId, actor: p.actor, requestId, ...(p.approval && { approval: p.approval }),
});

async function withHooks<T>(
  open: (fn: (tx: Tx) => Promise<T>) => Promise<T>,
  source: CtxSource,
  fn: (ctx: Ctx) => Promise<T>,
): Promise<T> {
  const hooks: (() => void)[] = [];
  const result = await open((tx) => fn({ ...source, tx, onCommit: (h) => hooks.push(h) }));
  for (const hook of hooks) hook();
  return result;
}

/** Opens a tenant transaction (RLS applies) and hands the command a Ctx; commit hooks run after COMMIT. */
export function inTenant<T>(db: Db, source: CtxSource, fn: (ctx: Ctx) => Promise<T>): Promise<T> {
  return withHooks((f) => db.tenantTx(source.tenantId, f), source, fn);
}

/**
 * A Ctx for one tenant inside a platform (RLS-bypassing) transaction: only for operations
 * that must also write platform rows atomically, such as creating the tenant itself.
 */
export function inPlatformFor<T>(db: Db, source: CtxSource, fn: (ctx: Ctx) => Promise<T>): Promise<T> {
  // system: the caller writes rows no tenant transaction may (the tenant row itself, a user
  // before any membership), in the same transaction as the tenant's own rows and diffs.
  return withHooks((f) => db.systemTx(f), source, fn);
}

export const SYSTEM_ACTOR: Actor = { type: 'system', id: 'atrium' };
