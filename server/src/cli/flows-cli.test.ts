// The client commands (server/src/cli/) in process against a real server: login, flows apply
// (YAML, then a new version), flows list, runs start --watch, runs logs, runs replay --watch,
// diffs tail (and --follow), and the exit codes of the error cases.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, type TestTenant } from '../testing/harness.js';
import { runCli } from './index.js';

let t: TestApp;
let tenant: TestTenant;
let dir: string;
let env: Record<string, string>;

type Result = { code: number; out: string; err: string };

async function cli(argv: string[], opts: { env?: Record<string, string | undefined>; signal?: AbortSignal; onOut?: (text: string) => void } = {}): Promise<Result> {
  let out = '';
  let err = '';
  const code = await runCli(argv, {
    env: opts.env ?? env,
    stdout: { write: (s: string) => { out += s; opts.onOut?.(out); } },
    stderr: { write: (s: string) => { err += s; } },
    cwd: dir,
    pollMs: { run: 100, diffs: 100 },
    ...(opts.signal && { signal: opts.signal }),
  });
  return { code, out, err };
}

const FLOW_YAML = [
  'key: cli-demo',
  'name: CLI demo',
  'steps:',
  '  - id: a',
  '    type: transform',
  '    value: "{{ input.x }}"',
  '  - id: b',
  '    type: transform',
  '    value: "{{ steps.a.output }}!"',
  '    after: [a]',
].join('\n');

beforeAll(async () => {
  t = await startTestApp();
  tenant = await t.tenant('CLI');
  dir = mkdtempSync(join(tmpdir(), 'atrium-flows-cli-'));
  env = { XDG_CONFIG_HOME: join(dir, 'config'), HOME: dir };
  writeFileSync(join(dir, 'flow.yaml'), FLOW_YAML);
});
afterAll(async () => {
  await t?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('atrium client commands', () => {
  it('refuses to work before login (exit 3) and on a bad key (exit 3)', async () => {
    const before = await cli(['flows', 'list']);
    expect(before.code).toBe(3);
    expect(before.err).toContain('not logged in');
    const bad = await cli(['login', '--url', t.baseUrl, '--key', 'nope']);
    expect(bad.code).toBe(3);
    expect(bad.err).toMatch(/UNAUTHORIZED|401|unauth/i);
  });

  it('logs in: checks the key, saves url and key with mode 0600', async () => {
    const r = await cli(['login', '--url', `${t.baseUrl}/`, '--key', tenant.token]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('logged in to');
    const path = join(dir, 'config', 'atrium', 'config.json');
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ url: t.baseUrl, key: tenant.token });
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('applies a YAML flow, then a new version of it; the same version again is an API error (exit 1)', async () => {
    const created = await cli(['flows', 'apply', 'flow.yaml']);
    expect(created.code, created.err).toBe(0);
    expect(created.out).toContain('flow cli-demo created: version 1.0.0');

    writeFileSync(join(dir, 'flow-v2.yaml'), `${FLOW_YAML}\nversion: 1.1.0\n`);
    const next = await cli(['flows', 'apply', 'flow-v2.yaml', '--json']);
    expect(next.code, next.err).toBe(0);
    expect(JSON.parse(next.out)).toMatchObject({ created: false, flow: { key: 'cli-demo', latest_version: '1.1.0' } });

    const again = await cli(['flows', 'apply', 'flow-v2.yaml']);
    expect(again.code).toBe(1);
    expect(again.err).toContain('VERSION_EXISTS:');
  });

  it('lists flows as a table and as JSON', async () => {
    const text = await cli(['flows', 'list']);
    expect(text.code, text.err).toBe(0);
    expect(text.out).toMatch(/KEY\s+NAME\s+STATUS\s+LATEST\s+RUNS/);
    expect(text.out).toMatch(/cli-demo\s+CLI demo\s+active\s+1\.1\.0\s+0/);
    const json = await cli(['flows', 'list', '--json']);
    const flows = JSON.parse(json.out) as { key: string; runs: { total: number } }[];
    expect(flows.find((f) => f.key === 'cli-demo')).toMatchObject({ runs: { total: 0 } });
  });

  let runId: string;
  it('starts a run and watches it to the end (exit 0), each step printed', async () => {
    const r = await cli(['runs', 'start', 'cli-demo', '--input', 'x=hi', '--watch']);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toContain('✓ a (transform) attempt 1');
    expect(r.out).toContain('✓ b (transform) attempt 1');
    expect(r.out).toMatch(/run \S+ completed/);
    expect(r.out).toContain('output: "hi!"');
    runId = /run (\S+) started/.exec(r.out)![1]!;
    const run = await tenant.client.request<{ trigger: string; input: unknown }>('GET', `/v1/runs/${runId}`);
    expect(run.data).toMatchObject({ trigger: 'cli', input: { x: 'hi' } });
  });

  it('parses --input values as JSON when they are, merged over --input-json', async () => {
    const r = await cli(['runs', 'start', 'cli-demo', '--input-json', '{"x":"a","y":1}', '--input', 'x=42', '--input', 'z=not json', '--json']);
    expect(r.code, r.err).toBe(0);
    const run = JSON.parse(r.out) as { id: string; input: unknown };
    expect(run.input).toEqual({ x: 42, y: 1, z: 'not json' });
  });

  it('watches a failing run: ✗ with the error, exit 1', async () => {
    writeFileSync(join(dir, 'boom.json'), JSON.stringify({ key: 'cli-boom', name: 'Boom', steps: [{ id: 'each', type: 'for_each', items: 'input.items', step: { type: 'transform', value: '{{ item }}' } }] }));
    expect((await cli(['flows', 'apply', 'boom.json'])).code).toBe(0);
    const items = JSON.stringify(Array.from({ length: 101 }, (_, i) => i));
    const r = await cli(['runs', 'start', 'cli-boom', '--input', `items=${items}`, '--watch']);
    expect(r.code, r.out + r.err).toBe(1);
    expect(r.out).toMatch(/✗ each \(for_each\) attempt 1: .*FOR_EACH_TOO_MANY|run \S+ failed: .*FOR_EACH_TOO_MANY/);
    expect(r.out).toMatch(/run \S+ failed/);
  });

  it('prints a run’s journal, and follows it', async () => {
    const r = await cli(['runs', 'logs', runId]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('completed');
    expect(r.out).toMatch(/STEP\s+TYPE\s+ATTEMPT\s+STATUS/);
    expect(r.out).toMatch(/a\s+transform\s+1\s+completed/);
    expect(r.out).toMatch(/b\s+transform\s+1\s+completed/);
    const json = JSON.parse((await cli(['runs', 'logs', runId, '--json'])).out) as { steps: { key: string }[] };
    expect(json.steps.map((s) => s.key)).toEqual(['a', 'b']);
    const followed = await cli(['runs', 'logs', runId, '--follow']);
    expect(followed.code).toBe(0);
    expect(followed.out).toContain('✓ b (transform) attempt 1');
  });

  it('replays a run and watches the replay', async () => {
    const r = await cli(['runs', 'replay', runId, '--watch']);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toContain(`replay of ${runId}`);
    expect(r.out).toContain('✓ b (transform) attempt 1');
    expect(r.out).toMatch(/completed/);
  });

  it('tails the diffs of a namespace, as JSON and as lines, and follows new ones', async () => {
    const json = await cli(['diffs', 'tail', '--namespace', 'orchestration', '--json']);
    expect(json.code, json.err).toBe(0);
    const diffs = JSON.parse(json.out) as { namespace: string; event: string }[];
    expect(diffs.length).toBeGreaterThan(0);
    expect(diffs.every((d) => d.namespace === 'orchestration')).toBe(true);
    const lines = await cli(['diffs', 'tail', '--namespace', 'orchestration']);
    expect(lines.out.trim().split('\n')).toHaveLength(diffs.length);

    const stop = new AbortController();
    const following = cli(['diffs', 'tail', '--follow'], {
      signal: stop.signal,
      onOut: (out) => { if (out.includes('probe.followed')) stop.abort(); },
    });
    await new Promise((r) => setTimeout(r, 300));
    await tenant.client.diffs.record({ namespace: 'cli_test', entity_type: 'probe', entity_id: 'p1', event: 'probe.followed', after: { n: 1 } });
    const timer = setTimeout(() => stop.abort(), 10_000);
    const r = await following;
    clearTimeout(timer);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/cli_test\s+probe\.followed\s+probe:p1/);
    expect(r.out.match(/probe\.followed/g)).toHaveLength(1);
  });

  it('exits 4 on an unknown flow or run, 2 on bad usage', async () => {
    const flow = await cli(['runs', 'start', 'no-such-flow']);
    expect(flow.code).toBe(4);
    expect(flow.err).toContain('NOT_FOUND');
    expect((await cli(['runs', 'logs', 'run_nope'])).code).toBe(4);
    for (const argv of [['flows'], ['flows', 'nope'], ['runs', 'start'], ['runs', 'logs'], ['flows', 'apply'], ['diffs', 'tail', '--bogus'], ['runs', 'start', 'cli-demo', '--input', 'novalue'], ['login']]) {
      const r = await cli(argv, { env: { XDG_CONFIG_HOME: join(dir, 'config') } });
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err.length).toBeGreaterThan(0);
    }
  });

  it('ATRIUM_URL/ATRIUM_API_KEY and --key override the saved login', async () => {
    const other = await t.tenant('CLI other');
    const viaEnv = await cli(['flows', 'list', '--json'], { env: { ...env, ATRIUM_URL: t.baseUrl, ATRIUM_API_KEY: other.token } });
    expect(JSON.parse(viaEnv.out)).toEqual([]);
    const viaFlag = await cli(['flows', 'list', '--json', '--key', 'bad'], { env: { ...env, ATRIUM_API_KEY: other.token } });
    expect(viaFlag.code).toBe(3);
  });
});
