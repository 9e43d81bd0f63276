// Typed calls of the orchestration API (flows, runs), over the app's client.
import { api } from '../../api';

export type FlowStatus = 'active' | 'paused' | 'archived';
export type Flow = {
  id: string; key: string; name: string; description: string; status: FlowStatus; latest_version: string;
  created_by: string; created_at: string; updated_at: string;
};
export type FlowSummary = Flow & { runs: { total: number; failed: number; last_at: string | null } };
export type StepDef = { id: string; type: string; name?: string; after?: string[]; [k: string]: unknown };
export type Definition = { key?: string; name?: string; version?: string; steps?: StepDef[]; triggers?: unknown[]; [k: string]: unknown };
export type Problem = { path: string; message: string };
export type RunStatus = 'queued' | 'running' | 'waiting' | 'compensating' | 'completed' | 'failed' | 'compensated' | 'compensation_failed' | 'cancelled';
export type StepAttempt = {
  key: string; type: string; attempt: number; status: string; branch: string | null; input: unknown; output: unknown; error: unknown;
  retry_at: string | null; started_at: string; finished_at: string | null;
};
export type Wait = { step: string; kind: string; spec: Record<string, unknown> | null; decisions: unknown; until: string | null };
export type Run = {
  id: string; flow_id: string; flow_key?: string; status: RunStatus; version: string; input: unknown; output: unknown; error: unknown;
  trigger: string; created_at: string; started_at: string | null; finished_at: string | null;
};
export type RunDetail = Run & { steps: StepAttempt[]; waits: Wait[]; definition: Definition };

export const FINISHED: readonly string[] = ['completed', 'failed', 'compensated', 'compensation_failed', 'cancelled'];
export const FAILED: readonly string[] = ['failed', 'compensated', 'compensation_failed'];

const enc = encodeURIComponent;
const req = async <T>(method: string, path: string, body?: unknown, query?: Record<string, string | undefined>): Promise<T> =>
  (await api.request<T>(method, path, { body, query })).data;

export const flows = {
  list: (q?: { status?: string; q?: string }) => req<FlowSummary[]>('GET', '/v1/flows', undefined, { status: q?.status || undefined, q: q?.q || undefined }),
  get: (key: string) => req<{ flow: Flow; definition: Definition; versions: Array<{ version: string; created_at: string; created_by: string }> }>('GET', `/v1/flows/${enc(key)}`),
  create: (body: unknown) => req<{ flow: Flow; definition: Definition }>('POST', '/v1/flows', body),
  publish: (key: string, body: unknown) => req<{ flow: Flow; definition: Definition }>('POST', `/v1/flows/${enc(key)}/versions`, body),
  validate: (body: unknown) => req<{ valid: boolean; problems: Problem[] }>('POST', '/v1/flows/validate', body),
  setStatus: (key: string, status: FlowStatus) => req<Flow>('PATCH', `/v1/flows/${enc(key)}`, { status }),
  start: (key: string, input: Record<string, unknown>) => req<Run>('POST', `/v1/flows/${enc(key)}/runs`, { input }),
};

export const runs = {
  list: (q: { flow?: string; status?: string }) => req<Run[]>('GET', '/v1/runs', undefined, { flow: q.flow || undefined, status: q.status || undefined }),
  get: (id: string) => req<RunDetail>('GET', `/v1/runs/${enc(id)}`),
  cancel: (id: string, compensate: boolean) => req<Run>('POST', `/v1/runs/${enc(id)}/cancel`, { compensate }),
  replay: (id: string) => req<Run>('POST', `/v1/runs/${enc(id)}/replay`, {}),
  fork: (id: string, step: string) => req<Run>('POST', `/v1/runs/${enc(id)}/fork`, { step }),
  decide: (id: string, step: string, decision: 'approve' | 'reject', why?: string) =>
    req<{ outcome: string }>('POST', `/v1/runs/${enc(id)}/steps/${enc(step)}/decision`, { decision, ...(why && { why }) }),
};

/** The text of the editor as a request body: JSON as is, anything else as `{yaml}`. */
export function definitionBody(text: string): unknown {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed;
  } catch {
    /* not JSON: YAML */
  }
  return { yaml: text };
}

/** The index of the step a problem's path points at (`steps.3.command` → 3). */
export function problemStep(path: string): number | null {
  const m = /^(?:body\.)?(?:definition\.)?steps\.(\d+)(\.|$)/.exec(path);
  return m ? Number(m[1]) : null;
}

/** The next patch version: 1.2.3 → 1.2.4. */
export const bumpVersion = (v: string | undefined): string => {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(v ?? '');
  return m ? `${m[1]}.${m[2]}.${Number(m[3]) + 1}` : '1.0.1';
};
