// `atrium flows apply|list`: create or version a flow from a JSON/YAML file; list the flows.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ApiError, type Api } from './api.js';
import { CliError, EXIT, line, printJson, table, usageError, type CliIo } from './io.js';

type Flow = { id: string; key: string; name: string; status: string; latest_version: string; runs?: { total: number; failed: number; last_at: string | null } };

export function readDefinition(file: string, cwd: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(resolve(cwd, file), 'utf8');
  } catch (err) {
    throw new CliError(EXIT.failed, `cannot read ${file}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    // YAML is a superset of JSON; JSON first for its clearer messages on .json files.
    parsed = /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 50 });
  } catch (err) {
    throw new CliError(EXIT.failed, `${file} does not parse: ${(err as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new CliError(EXIT.failed, `${file}: a flow definition is an object`);
  const def = parsed as Record<string, unknown>;
  if (typeof def['key'] !== 'string' || def['key'] === '') throw new CliError(EXIT.failed, `${file}: the definition has no \`key\``);
  return def;
}

export async function flowsApply(api: Api, io: CliIo, args: { file?: string; json: boolean }): Promise<number> {
  if (!args.file) throw usageError('usage: atrium flows apply <file.yaml|file.json>');
  const def = readDefinition(args.file, io.cwd ?? process.cwd());
  const key = def['key'] as string;
  let exists = true;
  try {
    await api.get(`/v1/flows/${encodeURIComponent(key)}`);
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) throw err;
    exists = false;
  }
  const out = exists
    ? await api.post<{ flow: Flow; definition: unknown }>(`/v1/flows/${encodeURIComponent(key)}/versions`, def)
    : await api.post<{ flow: Flow; definition: unknown }>('/v1/flows', def);
  if (args.json) printJson(io.stdout, { ...out, created: !exists });
  else line(io.stdout, `flow ${out.flow.key} ${exists ? 'new version' : 'created'}: version ${out.flow.latest_version}`);
  return EXIT.ok;
}

export async function flowsList(api: Api, io: CliIo, args: { json: boolean }): Promise<number> {
  const flows = await api.get<Flow[]>('/v1/flows');
  if (args.json) {
    printJson(io.stdout, flows);
    return EXIT.ok;
  }
  if (flows.length === 0) {
    line(io.stdout, 'no flows');
    return EXIT.ok;
  }
  line(io.stdout, table(['KEY', 'NAME', 'STATUS', 'LATEST', 'RUNS'], flows.map((f) => [f.key, f.name, f.status, f.latest_version, String(f.runs?.total ?? 0)])));
  return EXIT.ok;
}
