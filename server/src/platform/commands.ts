// The command registry: module commands (create a task, notify, tag…) registered with an
// input schema, the scope they need and a description. Routes, rule actions and — next — flow
// steps and agent tools call commands through it, so a change held for approval is held as
// `{command, input, actor}` and approving runs that same command as the requester, whoever
// asked (a person over HTTP, an agent, a flow).
import { z } from 'zod';
import { actingAs, inTenant, type Ctx, type Principal } from './context.js';
import type { Db } from './db/index.js';
import { AppError, errors } from './errors.js';
import { ChangeHeld, hasScope, type Envelope, type HeldRequest, type Scope } from './http/route.js';

export type CommandDef<I extends z.ZodType = z.ZodType, O = unknown> = {
  /** `<module>.<verb>_<noun>`, e.g. `work.update_task`. */
  name: string;
  summary: string;
  input: I;
  /** What a caller needs (read < write < admin, on the command's module). */
  scope: Scope;
  /**
   * A person with 2FA confirms it is them (step-up) before `execute` runs it: provider keys,
   * roles, API keys. An approved change is confirmed by the approver's step-up instead (the
   * requester passed theirs when asking), so a re-run with the grant is not asked again.
   */
  stepUp?: true;
  /**
   * Input paths that hold secrets (`providers.*.api_key`: dot-separated keys, `*` any key or
   * array index). A held change stores them sealed and approving opens them to run the
   * command (held-secrets.ts): an approval row never holds a provider key or webhook secret.
   */
  secrets?: readonly string[];
  run(ctx: Ctx, input: z.output<I>): Promise<O>;
  /**
   * What the command does once its transaction has committed (an email that must not go out
   * for a change that rolled back, nor hold the transaction open while SMTP answers). Given
   * what `run` returned, its answer is the command's. Under `run` (the caller's transaction)
   * it is started after that commits and the caller gets `run`'s answer.
   */
  afterCommit?(out: O, input: z.output<I>): Promise<O>;
};

export type CommandView = { name: string; module: string; summary: string; scope: Scope; input: Record<string, unknown> };

/** The command a held change came from: approving runs it again with the grant. */
export type HeldCommand = { command: string; input: unknown };

/** Identity's check that a person with 2FA confirmed a code recently (403 STEP_UP_REQUIRED otherwise). */
export type StepUpCheck = (principal: Principal) => Promise<void>;

export class CommandRegistry {
  readonly #defs = new Map<string, CommandDef>();
  #stepUp: StepUpCheck | null = null;
  #onHeld: ((held: ChangeHeld & { command: HeldCommand }, req: HeldRequest) => Promise<Envelope>) | null = null;

  constructor(private readonly db: Db) {}

  /** Set by the identity module, which knows who has 2FA (the platform knows no module). */
  useStepUp(check: StepUpCheck): void {
    this.#stepUp = check;
  }

  /**
   * Set by the rules module: records a held command as a pending approval. Callers outside HTTP
   * (a flow's command step) hand it their hold and wait for the decision.
   */
  useHoldHandler(handler: (held: ChangeHeld & { command: HeldCommand }, req: HeldRequest) => Promise<Envelope>): void {
    this.#onHeld = handler;
  }

  /** Records a hold raised by `run` as a pending approval (its envelope); rethrows when no module handles holds. */
  async hold(err: ChangeHeld, req: HeldRequest): Promise<Envelope> {
    const command = err.command;
    if (!this.#onHeld || !command) throw err;
    return this.#onHeld(Object.assign(err, { command }), req);
  }

  register<I extends z.ZodType, O>(def: CommandDef<I, O>): CommandDef<I, O> {
    if (this.#defs.has(def.name)) throw new Error(`command ${def.name} registered twice`);
    this.#defs.set(def.name, def as unknown as CommandDef);
    return def;
  }

  has(name: string): boolean {
    return this.#defs.has(name);
  }

  /**
   * Checks an input against a command's schema without running it (an agent's proposal, a
   * person's edit of it): the parsed input, or 400 with each problem's path under `at`.
   */
  check(name: string, input: unknown, at = 'input'): unknown {
    return parse(this.#get(name), input, at);
  }

  /** The scope a command needs (undefined for an unknown one). */
  scopeOf(name: string): Scope | undefined {
    return this.#defs.get(name)?.scope;
  }

  /** The secret input paths of a command (none for an unknown one: its hold cannot be run anyway). */
  secretPaths(name: string): readonly string[] {
    return this.#defs.get(name)?.secrets ?? [];
  }

  list(): CommandView[] {
    return [...this.#defs.values()].map((d) => ({
      name: d.name, module: d.name.split('.')[0]!, summary: d.summary, scope: d.scope,
      input: z.toJSONSchema(d.input, { unrepresentable: 'any', io: 'input' }) as Record<string, unknown>,
    })).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /**
   * Runs a command inside the caller's transaction (a rule action, a flow step): the caller
   * already decided the actor may act. Input is validated; a hold inside it names this command.
   */
  async run<O = unknown>(ctx: Ctx, name: string, input: unknown): Promise<O> {
    const def = this.#get(name);
    const parsed = parse(def, input);
    let out: unknown;
    try {
      out = await def.run(ctx, parsed);
    } catch (err) {
      throw tagHold(err, name, parsed);
    }
    const after = def.afterCommit;
    // Its own failures are its to report (the mailer logs and answers `delivered: false`).
    if (after) ctx.onCommit(() => void after(out, parsed).catch(() => undefined));
    return out as O;
  }

  /** Runs a command for a caller in its own tenant transaction, after checking the caller's scope. */
  async execute<O = unknown>(principal: Principal, name: string, input: unknown, opts: { requestId?: string } = {}): Promise<O> {
    const def = this.#get(name);
    const module = name.split('.')[0]!;
    if (!hasScope(principal, def.scope, module)) {
      throw errors.forbidden(`This needs the "${def.scope}" scope.`, [{ message: 'missing scope', scope: def.scope, module }]);
    }
    const parsed = parse(def, input);
    if (def.stepUp && !principal.approval) {
      if (!this.#stepUp) throw new Error(`command ${name} needs a step-up check, and none is installed`);
      await this.#stepUp(principal);
    }
    let out: unknown;
    try {
      out = await inTenant(this.db, actingAs(principal, opts.requestId), (ctx) => def.run(ctx, parsed));
    } catch (err) {
      throw tagHold(err, name, parsed);
    }
    return (def.afterCommit ? await def.afterCommit(out, parsed) : out) as O;
  }

  #get(name: string): CommandDef {
    const def = this.#defs.get(name);
    if (!def) throw new AppError('UNKNOWN_COMMAND', 400, `No command "${name}".`, [{ message: 'unknown command', command: name }]);
    return def;
  }
}

function parse(def: CommandDef, input: unknown, at = 'input'): unknown {
  const r = def.input.safeParse(input);
  if (!r.success) throw errors.validation(r.error.issues.map((i) => ({ path: [at, ...i.path].join('.'), message: i.message })));
  return r.data;
}

/** The outermost command wins: approving must redo what was asked, not one inner step of it. */
function tagHold(err: unknown, command: string, input: unknown): unknown {
  if (err instanceof ChangeHeld) err.command = { command, input };
  return err;
}
