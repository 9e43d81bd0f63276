// The `atrium` client commands: talk to a running server by URL and API key.
//   login | flows apply|list | runs start|logs|replay | diffs tail
// `runCli` returns the exit code: 0 ok, 1 API error or failed run, 2 usage, 3 not logged in or
// unauthorized, 4 not found. It writes only to the given streams, so tests drive it in process.
import { parseArgs } from 'node:util';
import { Api } from './api.js';
import { resolveLogin, saveLogin } from './config.js';
import { diffsTail } from './diffs.js';
import { flowsApply, flowsList } from './flows.js';
import { CliError, EXIT, line, printJson, usageError, type CliIo } from './io.js';
import { runsLogs, runsReplay, runsStart } from './runs.js';

export type { CliIo } from './io.js';

/** First words that are client commands (main.ts hands them here). */
export const CLIENT_COMMANDS = ['login', 'flows', 'runs', 'diffs'] as const;

export const CLIENT_USAGE = `client commands (talk to a server by URL and API key):
  login --url <url> --key <api key>
            check the key (GET /v1/me) and save both in $XDG_CONFIG_HOME/atrium/config.json
  flows apply <file>          create the flow of a JSON/YAML file, or publish it as a new version
  flows list                  the flows: key, name, status, latest version, runs
  runs start <flow> [--input k=v ...] [--input-json '{...}'] [--watch]
  runs logs <run id> [--follow]
  runs replay <run id> [--watch]
  diffs tail [--namespace ns] [--follow]
  options: --url, --key (override ATRIUM_URL / ATRIUM_API_KEY and the saved login), --json
  exit codes: 0 ok, 1 error or failed run, 2 usage, 3 not logged in / unauthorized, 4 not found`;

type Parsed = ReturnType<typeof parse>;
const parse = (argv: string[]) => parseArgs({
  args: argv, allowPositionals: true, strict: true,
  options: {
    url: { type: 'string' },
    key: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
    input: { type: 'string', multiple: true, default: [] as string[] },
    'input-json': { type: 'string' },
    watch: { type: 'boolean', short: 'w', default: false },
    follow: { type: 'boolean', short: 'f', default: false },
    namespace: { type: 'string' },
  },
});

function noExtra(positionals: string[], max: number, usage: string): void {
  if (positionals.length > max) throw usageError(`unexpected argument "${positionals[max]}"\n${usage}`);
}

async function dispatch(p: Parsed, io: CliIo): Promise<number> {
  const [command, sub, arg] = p.positionals;
  const v = p.values;
  const json = v.json;
  const api = () => new Api(resolveLogin(io.env, { ...(v.url && { url: v.url }), ...(v.key && { key: v.key }) }), io.fetch);

  if (command === 'login') {
    noExtra(p.positionals, 1, 'usage: atrium login --url <url> --key <api key>');
    const url = v.url || io.env['ATRIUM_URL'];
    const key = v.key || io.env['ATRIUM_API_KEY'];
    if (!url || !key) throw usageError('usage: atrium login --url <url> --key <api key>');
    const client = new Api({ url: url.replace(/\/+$/, ''), key }, io.fetch);
    const me = await client.get<{ user: { email: string } | null; tenant: { id: string; name: string }; role: string | null }>('/v1/me');
    const path = saveLogin(io.env, client.login);
    if (json) printJson(io.stdout, me);
    else line(io.stdout, `logged in to ${client.login.url} as ${me.user?.email ?? 'an API key'} (tenant ${me.tenant.name}${me.role ? `, ${me.role}` : ''}); saved in ${path}`);
    return EXIT.ok;
  }
  if (command === 'flows') {
    if (sub === 'apply') {
      noExtra(p.positionals, 3, 'usage: atrium flows apply <file>');
      return flowsApply(api(), io, { ...(arg !== undefined && { file: arg }), json });
    }
    if (sub === 'list') {
      noExtra(p.positionals, 2, 'usage: atrium flows list');
      return flowsList(api(), io, { json });
    }
    throw usageError(`${sub ? `unknown command "flows ${sub}"` : 'missing command'}: atrium flows apply|list`);
  }
  if (command === 'runs') {
    const watch = v.watch;
    if (sub === 'start') {
      noExtra(p.positionals, 3, 'usage: atrium runs start <flow> [--input k=v ...] [--input-json \'{...}\'] [--watch]');
      return runsStart(api(), io, { ...(arg !== undefined && { flow: arg }), input: v.input, ...(v['input-json'] !== undefined && { inputJson: v['input-json'] }), watch, json });
    }
    if (sub === 'logs') {
      noExtra(p.positionals, 3, 'usage: atrium runs logs <run id> [--follow]');
      return runsLogs(api(), io, { ...(arg !== undefined && { id: arg }), follow: v.follow, json });
    }
    if (sub === 'replay') {
      noExtra(p.positionals, 3, 'usage: atrium runs replay <run id> [--watch]');
      return runsReplay(api(), io, { ...(arg !== undefined && { id: arg }), watch, json });
    }
    throw usageError(`${sub ? `unknown command "runs ${sub}"` : 'missing command'}: atrium runs start|logs|replay`);
  }
  if (command === 'diffs') {
    if (sub === 'tail') {
      noExtra(p.positionals, 2, 'usage: atrium diffs tail [--namespace ns] [--follow]');
      return diffsTail(api(), io, { ...(v.namespace !== undefined && { namespace: v.namespace }), follow: v.follow, json });
    }
    throw usageError(`${sub ? `unknown command "diffs ${sub}"` : 'missing command'}: atrium diffs tail`);
  }
  throw usageError(command ? `unknown command "${command}"` : 'missing command');
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    let parsed: Parsed;
    try {
      parsed = parse(argv);
    } catch (err) {
      throw usageError((err as Error).message);
    }
    if (parsed.values.help) {
      line(io.stdout, CLIENT_USAGE);
      return EXIT.ok;
    }
    return await dispatch(parsed, io);
  } catch (err) {
    if (err instanceof CliError) {
      line(io.stderr, `atrium: ${err.message}`);
      if (err.exitCode === EXIT.usage && !err.message.includes('usage:')) line(io.stderr, CLIENT_USAGE);
      return err.exitCode;
    }
    line(io.stderr, `atrium: ${err instanceof Error ? err.message : String(err)}`);
    return EXIT.failed;
  }
}
