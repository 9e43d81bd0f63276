// A bounded HTTP load mix against a running Atrium (embedded or serve), shared by
// memory.bench.ts and embedded-load.bench.ts: `concurrency` callers issue `requests`
// requests in a cycle of eight — create a workflow, add a task, list diffs, list workflows,
// move a task, dashboard, read a workflow, list diffs — as the demo workspace's owner.
import { performance } from 'node:perf_hooks';

export type MixResult = { samples: number[]; errors: number; byKind: Record<string, number[]>; wallMs: number; firstError?: string };

export async function login(base: string, email: string, password: string): Promise<string> {
  const res = await fetch(`${base}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  const body = (await res.json()) as { data?: { token: string }; error?: unknown };
  if (!res.ok || !body.data) throw new Error(`login failed: ${res.status} ${JSON.stringify(body.error)}`);
  return body.data.token;
}

export async function call(base: string, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; data: any; text: string }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let data: any = null;
  try {
    data = (JSON.parse(text) as { data?: unknown }).data;
  } catch {
    /* not JSON */
  }
  return { status: res.status, data, text };
}

export async function runMix(base: string, token: string, requests: number, concurrency: number): Promise<MixResult> {
  const workflows: string[] = [];
  const tasks: string[] = [];
  // One workflow with a task to start from, so every kind of request has a target.
  const wf = await call(base, token, 'POST', '/v1/workflows', { name: 'Load mix seed workflow' });
  if (wf.status !== 201) throw new Error(`create workflow: ${wf.status} ${wf.text.slice(0, 300)}`);
  workflows.push(wf.data.id);
  const t = await call(base, token, 'POST', `/v1/workflows/${wf.data.id}/tasks`, { name: 'Load mix seed task' });
  tasks.push(t.data.id);

  const result: MixResult = { samples: [], errors: 0, byKind: {}, wallMs: 0 };
  const pick = <T>(xs: T[], i: number): T => xs[i % xs.length]!;
  const STATUSES = ['in_progress', 'done', 'todo'];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < requests; i = next++) {
        const kind = i % 8;
        const s = performance.now();
        let r: { status: number; data: any; text: string };
        let label: string;
        switch (kind) {
          case 0:
            label = 'POST /v1/workflows';
            r = await call(base, token, 'POST', '/v1/workflows', { name: `Load workflow ${i}` });
            if (r.status === 201) workflows.push(r.data.id);
            break;
          case 1:
            label = 'POST /v1/workflows/:id/tasks';
            r = await call(base, token, 'POST', `/v1/workflows/${pick(workflows, i)}/tasks`, { name: `Load task ${i}` });
            if (r.status === 201) tasks.push(r.data.id);
            break;
          case 4:
            label = 'PATCH /v1/tasks/:id';
            r = await call(base, token, 'PATCH', `/v1/tasks/${pick(tasks, i)}`, { status: pick(STATUSES, i >> 3) });
            if (r.status === 409) r.status = 200; // two callers moved the same task: a correct answer
            break;
          case 5:
            label = 'GET /v1/dashboard';
            r = await call(base, token, 'GET', '/v1/dashboard');
            break;
          case 6:
            label = 'GET /v1/workflows/:id';
            r = await call(base, token, 'GET', `/v1/workflows/${pick(workflows, i)}`);
            break;
          case 3:
            label = 'GET /v1/workflows';
            r = await call(base, token, 'GET', '/v1/workflows');
            break;
          default:
            label = 'GET /v1/diffs';
            r = await call(base, token, 'GET', '/v1/diffs?limit=50');
        }
        const ms = performance.now() - s;
        result.samples.push(ms);
        (result.byKind[label] ??= []).push(ms);
        if (r.status >= 300) {
          result.errors++;
          result.firstError ??= `${label}: ${r.status} ${r.text.slice(0, 200)}`;
        }
      }
    }),
  );
  result.wallMs = performance.now() - t0;
  return result;
}
