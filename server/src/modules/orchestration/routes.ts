// HTTP surface of orchestration: flows (definitions and versions), runs (start, watch, cancel,
// replay, fork), approval decisions, retention settings and execution counts. Writes run as
// the module's commands (commands.ts).
import { sql } from 'kysely';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { CommandRegistry } from '../../platform/commands.js';
import type { Db } from '../../platform/db/index.js';
import { errors } from '../../platform/errors.js';
import type { RouteRegistry } from '../../platform/http/route.js';
import type { Json } from '../../platform/schema.js';
import { callerScopes, ORCHESTRATION_COMMANDS as C } from './commands.js';
import { pendingApprovals } from './approvals-list.js';
import { checkDefinition, definitionSchema, STEP_TYPES, type Problem, type UrlCheck } from './definition.js';
import { runView, type FlowRow, type RunRow, type Versions } from './runs.js';

export type RouteDeps = { db: Db; commands: CommandRegistry; versions: Versions; urlCheck: UrlCheck };

const idParam = z.strictObject({ id: z.string().min(1).max(100) });
const anyObject = z.record(z.string(), z.unknown());
/** A definition as JSON, or as YAML text (`{ "yaml": "…" }`). */
const definitionBody = z.union([z.strictObject({ yaml: z.string().min(1).max(512 * 1024) }), anyObject]);

function decode(body: Record<string, unknown>): unknown {
  if (typeof body['yaml'] === 'string' && Object.keys(body).length === 1) {
    try {
      return parseYaml(body['yaml'], { maxAliasCount: 50 });
    } catch (err) {
      throw errors.badRequest('INVALID_FLOW', `The YAML does not parse: ${(err as Error).message}`, [{ path: 'body.yaml', message: (err as Error).message }]);
    }
  }
  return body;
}

const flowView = (f: FlowRow) => ({ id: f.id, key: f.key, name: f.name, description: f.description, status: f.status, latest_version: f.latest_version, created_by: f.created_by, created_at: f.created_at.toISOString(), updated_at: f.updated_at.toISOString() });
const flowSchema = z.object({ id: z.string(), key: z.string(), name: z.string(), description: z.string(), status: z.string(), latest_version: z.string(), created_by: z.string(), created_at: z.string(), updated_at: z.string() });
const runSchema = z.object({ id: z.string(), flow_id: z.string(), status: z.string(), version: z.string() }).loose();

export function registerOrchestrationRoutes(r: RouteRegistry, d: RouteDeps): void {
  const tags = ['orchestration'];
  const run = <O>(p: Parameters<CommandRegistry['execute']>[0], name: string, input: unknown, requestId: string) =>
    callerScopes.run(p.scopes, () => d.commands.execute<O>(p, name, input, { requestId }));

  r.add({
    method: 'GET', url: '/v1/flows', tags, scope: 'read', summary: 'Flows (definitions), newest first; `status` filters, `q` searches names and keys',
    query: z.strictObject({ status: z.enum(['active', 'paused', 'archived']).optional(), q: z.string().max(200).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }),
    response: z.array(flowSchema.extend({ runs: z.object({ total: z.number(), failed: z.number(), last_at: z.string().nullable() }) })),
    handler: async ({ principal, query }) => d.db.tenantTx(principal.tenantId, async (tx) => {
      let q = tx.selectFrom('flows').selectAll().orderBy('created_at', 'desc').limit(query.limit);
      if (query.status) q = q.where('status', '=', query.status);
      if (query.q) { const like = `%${query.q.replace(/[%_\\]/g, '\\$&')}%`; q = q.where((eb) => eb.or([eb('name', 'ilike', like), eb('key', 'ilike', like)])); }
      const flows = await q.execute();
      const stats = flows.length === 0 ? [] : await tx.selectFrom('flow_runs').select(['flow_id', (eb) => eb.fn.countAll<string>().as('total'),
        sql<string>`count(*) filter (where status in ('failed', 'compensated', 'compensation_failed'))`.as('failed'), (eb) => eb.fn.max('created_at').as('last_at')])
        .where('flow_id', 'in', flows.map((f) => f.id)).groupBy('flow_id').execute();
      const by = new Map(stats.map((s) => [s.flow_id, s]));
      return { data: flows.map((f) => { const s = by.get(f.id); return { ...flowView(f), runs: { total: Number(s?.total ?? 0), failed: Number(s?.failed ?? 0), last_at: s?.last_at ? new Date(s.last_at).toISOString() : null } }; }) };
    }),
  });

  r.add({
    method: 'POST', url: '/v1/flows/validate', tags, scope: 'read', summary: 'Check a definition (JSON or `{yaml}`) without saving it: every problem with its path',
    body: definitionBody, response: z.object({ valid: z.boolean(), problems: z.array(z.object({ path: z.string(), message: z.string() })), step_types: z.array(z.string()) }),
    handler: async ({ body }) => {
      const raw = decode(body as Record<string, unknown>);
      const parsed = definitionSchema.safeParse(raw);
      const problems: Problem[] = parsed.success ? checkDefinition(parsed.data, (n) => d.commands.has(n), d.urlCheck) : parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      return { data: { valid: problems.length === 0, problems, step_types: STEP_TYPES } };
    },
  });

  r.add({
    method: 'POST', url: '/v1/flows', tags, scope: 'write', summary: 'Create a flow from its definition (JSON, or YAML as `{yaml}`); 400 INVALID_FLOW names each problem’s path',
    body: definitionBody, successStatus: 201, response: z.object({ flow: flowSchema, definition: anyObject }),
    handler: async ({ principal, body, requestId }) => {
      const out = await run<{ flow: FlowRow; definition: Json }>(principal, C.createFlow, { definition: decode(body as Record<string, unknown>) }, requestId);
      return { data: { flow: flowView(out.flow), definition: out.definition as Record<string, unknown> }, status: 201 };
    },
  });

  r.add({
    method: 'GET', url: '/v1/flows/:id', tags, scope: 'read', summary: 'A flow (by id or key) with its latest definition and its versions',
    params: idParam, response: z.object({ flow: flowSchema, definition: anyObject, versions: z.array(z.object({ version: z.string(), created_at: z.string(), created_by: z.string() })) }),
    handler: async ({ principal, params }) => d.db.tenantTx(principal.tenantId, async (tx) => {
      const flow = await tx.selectFrom('flows').selectAll().where((eb) => eb.or([eb('id', '=', params.id), eb('key', '=', params.id)])).executeTakeFirst();
      if (!flow) throw errors.notFound('Flow');
      const versions = await tx.selectFrom('flow_versions').select(['version', 'created_at', 'created_by']).where('flow_id', '=', flow.id).orderBy('created_at', 'desc').execute();
      const def = await d.versions.get(tx, flow.id, flow.latest_version);
      return { data: { flow: flowView(flow), definition: def as unknown as Record<string, unknown>, versions: versions.map((v) => ({ version: v.version, created_at: v.created_at.toISOString(), created_by: v.created_by })) } };
    }),
  });

  r.add({
    method: 'GET', url: '/v1/flows/:id/versions/:version', tags, scope: 'read', summary: 'One immutable version of a flow',
    params: z.strictObject({ id: z.string().min(1).max(100), version: z.string().regex(/^\d+\.\d+\.\d+$/) }), response: anyObject,
    handler: async ({ principal, params }) => d.db.tenantTx(principal.tenantId, async (tx) => {
      const flow = await tx.selectFrom('flows').select('id').where((eb) => eb.or([eb('id', '=', params.id), eb('key', '=', params.id)])).executeTakeFirst();
      if (!flow) throw errors.notFound('Flow');
      return { data: (await d.versions.get(tx, flow.id, params.version)) as unknown as Record<string, unknown> };
    }),
  });

  r.add({
    method: 'POST', url: '/v1/flows/:id/versions', tags, scope: 'write', summary: 'Publish a new version (higher semver); runs in flight keep theirs',
    params: idParam, body: definitionBody, successStatus: 201, response: z.object({ flow: flowSchema, definition: anyObject }),
    handler: async ({ principal, params, body, requestId }) => {
      const out = await run<{ flow: FlowRow; definition: Json }>(principal, C.publishVersion, { flow: params.id, definition: decode(body as Record<string, unknown>) }, requestId);
      return { data: { flow: flowView(out.flow), definition: out.definition as Record<string, unknown> }, status: 201 };
    },
  });

  r.add({
    method: 'PATCH', url: '/v1/flows/:id', tags, scope: 'write', summary: 'Pause, resume or archive a flow, or rename it',
    params: idParam, body: z.strictObject({ status: z.enum(['active', 'paused', 'archived']).optional(), name: z.string().trim().min(1).max(200).optional(), why: z.string().trim().min(1).max(5000).optional() }),
    response: flowSchema,
    handler: async ({ principal, params, body, requestId }) => {
      const out = await run<{ flow: FlowRow }>(principal, C.updateFlow, { flow: params.id, ...body }, requestId);
      return { data: flowView(out.flow) };
    },
  });

  r.add({
    method: 'POST', url: '/v1/flows/:id/runs', tags, scope: 'write', summary: 'Start a run (`Idempotency-Key` or `idempotency_key` returns the same run); 400 names the input path that fails the flow’s schema, 409 when paused or archived',
    params: idParam, successStatus: 201,
    body: z.strictObject({ input: anyObject.default({}), version: z.string().regex(/^\d+\.\d+\.\d+$/).optional(), idempotency_key: z.string().min(1).max(200).optional(), trigger: z.enum(['api', 'cli']).optional() }),
    response: runSchema,
    handler: async ({ principal, params, body, requestId, req }) => {
      const header = req.headers['idempotency-key'];
      const key = body.idempotency_key ?? (typeof header === 'string' ? `http:${header}` : undefined);
      const out = await run<{ run: RunRow; created: boolean; flow_key: string }>(principal, C.startRun, { flow: params.id, ...body, ...(key && { idempotency_key: key }) }, requestId);
      return { data: runView(out.run, out.flow_key), status: out.created ? 201 : 200, meta: { created: out.created } };
    },
  });

  r.add({
    method: 'GET', url: '/v1/runs', tags, scope: 'read', summary: 'Runs, newest first: filter by flow (id or key), status, trigger',
    query: z.strictObject({ flow: z.string().max(100).optional(), status: z.string().max(200).optional(), trigger: z.string().max(20).optional(), before: z.string().max(100).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }),
    response: z.array(runSchema),
    handler: async ({ principal, query }) => d.db.tenantTx(principal.tenantId, async (tx) => {
      let q = tx.selectFrom('flow_runs').innerJoin('flows', 'flows.id', 'flow_runs.flow_id').selectAll('flow_runs').select('flows.key as flow_key').orderBy('flow_runs.created_at', 'desc').orderBy('flow_runs.id', 'desc').limit(query.limit);
      if (query.flow) q = q.where((eb) => eb.or([eb('flows.id', '=', query.flow!), eb('flows.key', '=', query.flow!)]));
      if (query.status) q = q.where('flow_runs.status', 'in', query.status.split(',') as RunRow['status'][]);
      if (query.trigger) q = q.where('flow_runs.trigger', '=', query.trigger as RunRow['trigger']);
      if (query.before) {
        const pivot = await tx.selectFrom('flow_runs').select(['created_at', 'id']).where('id', '=', query.before).executeTakeFirst();
        if (!pivot) throw errors.badRequest('BAD_CURSOR', 'Unknown `before` run id.', [{ path: 'query.before', message: 'unknown id' }]);
        q = q.where((eb) => eb.or([eb('flow_runs.created_at', '<', pivot.created_at), eb.and([eb('flow_runs.created_at', '=', pivot.created_at), eb('flow_runs.id', '<', pivot.id)])]));
      }
      const rows = await q.execute();
      return { data: rows.map((row) => runView(row, row.flow_key)) };
    }),
  });

  r.add({
    method: 'GET', url: '/v1/runs/:id', tags, scope: 'read', summary: 'A run with its journal (every step attempt: input, output, error, timing) and what it waits for',
    params: idParam, response: runSchema,
    handler: async ({ principal, params }) => d.db.tenantTx(principal.tenantId, async (tx) => {
      const row = await tx.selectFrom('flow_runs').innerJoin('flows', 'flows.id', 'flow_runs.flow_id').selectAll('flow_runs').select('flows.key as flow_key').where('flow_runs.id', '=', params.id).executeTakeFirst();
      if (!row) throw errors.notFound('Run');
      const steps = await tx.selectFrom('flow_steps').selectAll().where('run_id', '=', row.id).orderBy('seq').execute();
      const waits = await tx.selectFrom('flow_waits').selectAll().where('run_id', '=', row.id).execute();
      const def = await d.versions.get(tx, row.flow_id, row.version);
      return {
        data: {
          ...runView(row, row.flow_key), pruned: row.pruned_at !== null,
          steps: steps.map((s) => ({ key: s.step_key, type: s.step_type, attempt: s.attempt, status: s.status, branch: s.branch, input: s.input, output: s.output, error: s.error, retry_at: s.retry_at?.toISOString() ?? null, started_at: s.started_at.toISOString(), finished_at: s.finished_at?.toISOString() ?? null })),
          waits: waits.map((w) => ({ step: w.step_key, kind: w.kind, spec: w.spec, decisions: w.decisions, until: w.until?.toISOString() ?? null })),
          definition: def as unknown as Record<string, unknown>,
        },
      };
    }),
  });

  const runAction = (url: string, name: string, summary: string, body: z.ZodObject, status = 200) => r.add({
    method: 'POST', url, tags, scope: 'write', summary, params: idParam, body, response: runSchema, successStatus: status,
    handler: async ({ principal, params, body: b, requestId }) => {
      const out = await run<{ run: RunRow }>(principal, name, { id: params.id, ...(b as object) }, requestId);
      return { data: runView(out.run), status };
    },
  });
  runAction('/v1/runs/:id/cancel', C.cancelRun, 'Cancel a run (`compensate: true` undoes its completed steps in reverse order first)', z.strictObject({ compensate: z.boolean().optional(), why: z.string().trim().min(1).max(5000).optional() }));
  runAction('/v1/runs/:id/replay', C.replayRun, 'Replay a finished run from its journal: the same result, no provider, http or command called again', z.strictObject({}), 201);
  runAction('/v1/runs/:id/fork', C.forkRun, 'Fork a finished run from `step`: steps before it come from the journal, it and what follows run anew', z.strictObject({ step: z.string().min(1).max(64), input: anyObject.optional() }), 201);

  r.add({
    method: 'POST', url: '/v1/runs/:id/steps/:step/decision', tags, scope: 'write', summary: 'Approve or reject an approval step of a run',
    params: z.strictObject({ id: z.string().min(1).max(100), step: z.string().min(1).max(200) }),
    body: z.strictObject({ decision: z.enum(['approve', 'reject']), why: z.string().trim().min(1).max(5000).optional() }),
    response: z.object({ outcome: z.string(), approvals: z.number(), required: z.number() }).loose(),
    handler: async ({ principal, params, body, requestId }) => ({ data: await run<Record<string, unknown> & { outcome: string; approvals: number; required: number }>(principal, C.decide, { run_id: params.id, step: params.step, ...body }, requestId) }),
  });

  r.add({
    method: 'GET', url: '/v1/flow-approvals', tags, scope: 'read', summary: 'Approval steps of runs waiting for a decision (`mine=true`: those I may decide)',
    query: z.strictObject({ mine: z.enum(['true', 'false']).optional() }),
    response: z.array(z.object({ run_id: z.string(), step: z.string(), title: z.string() }).loose()),
    handler: async ({ principal, query }) => d.db.tenantTx(principal.tenantId, async (tx) => {
      const out = await pendingApprovals(tx, principal);
      return { data: query.mine === 'true' ? out.filter((x) => x.can_decide) : out };
    }),
  });

  r.add({
    method: 'GET', url: '/v1/flow-settings', tags, scope: 'read', summary: 'How long run journals are kept, and executions counted this month and last',
    response: z.object({ retention_days: z.number(), keep_runs: z.number().nullable(), executions: z.object({ this_month: z.number(), last_month: z.number() }) }),
    handler: async ({ principal }) => d.db.tenantTx(principal.tenantId, async (tx) => {
      const s = await tx.selectFrom('flow_settings').selectAll().executeTakeFirst();
      const counts = await sql<{ this_month: string; last_month: string }>`
        select count(*) filter (where created_at >= date_trunc('month', now())) as this_month,
               count(*) filter (where created_at >= date_trunc('month', now()) - interval '1 month' and created_at < date_trunc('month', now())) as last_month
        from flow_runs where created_at >= date_trunc('month', now()) - interval '1 month'`.execute(tx);
      const c = counts.rows[0]!;
      return { data: { retention_days: s?.retention_days ?? 30, keep_runs: s?.keep_runs ?? null, executions: { this_month: Number(c.this_month), last_month: Number(c.last_month) } } };
    }),
  });

  r.add({
    method: 'PUT', url: '/v1/flow-settings', tags, scope: 'admin', summary: 'Set journal retention (days, and/or the last N runs per flow)',
    body: z.strictObject({ retention_days: z.number().int().min(1).max(3650).optional(), keep_runs: z.number().int().min(1).max(1_000_000).nullable().optional() }),
    response: z.object({ retention_days: z.number(), keep_runs: z.number().nullable() }),
    handler: async ({ principal, body, requestId }) => ({ data: await run<{ retention_days: number; keep_runs: number | null }>(principal, C.updateSettings, body, requestId) }),
  });
}

