// Checks shared by workflow and task commands.
import type { Ctx } from '../../platform/context.js';
import { AppError, errors } from '../../platform/errors.js';
import type { Identity } from '../identity/index.js';
import type { WorkflowRow } from './model.js';

/** Optimistic concurrency: a stale `version` (body or If-Match) is refused, nothing is lost. */
export function expectVersion(current: { version: number }, given: number | undefined): void {
  if (given !== undefined && given !== current.version) {
    throw errors.conflict('VERSION_CONFLICT', `Someone changed this since you loaded it (you had version ${given}, it is now ${current.version}). Reload and try again.`, [
      { path: 'version', message: 'stale', current_version: current.version, given_version: given },
    ]);
  }
}

export function assertActive(w: Pick<WorkflowRow, 'status'>): void {
  if (w.status === 'archived') throw errors.conflict('ARCHIVED', 'This workflow is archived; restore it before changing it (cloning is allowed).');
}

export async function assertMember(ctx: Ctx, identity: Pick<Identity, 'isMember'>, userId: string | null | undefined, field: string): Promise<void> {
  if (userId && !(await identity.isMember(ctx.tx, userId))) {
    throw errors.validation([{ path: `body.${field}`, message: 'not a member of this workspace' }]);
  }
}

/** `If-Match: "3"` (or 3, or W/"3") → 3. */
export function versionFromIfMatch(header: string | string[] | undefined): number | undefined {
  if (typeof header !== 'string') return undefined;
  const m = /^(?:W\/)?"?(\d+)"?$/.exec(header.trim());
  if (!m) throw new AppError('VALIDATION_FAILED', 400, 'If-Match must be the version number, e.g. "3".', [{ path: 'headers.if-match', message: 'not a version' }]);
  return Number(m[1]);
}
