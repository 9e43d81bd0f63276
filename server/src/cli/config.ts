// Where the CLI keeps its login: $XDG_CONFIG_HOME/atrium/config.json (or ~/.config/atrium/config.json),
// mode 0600. ATRIUM_URL / ATRIUM_API_KEY override it, and --url / --key override those.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError, EXIT } from './io.js';

export type Login = { url: string; key: string };

export function configPath(env: Record<string, string | undefined>): string {
  const base = env['XDG_CONFIG_HOME'] || join(env['HOME'] || homedir(), '.config');
  return join(base, 'atrium', 'config.json');
}

export function readLogin(env: Record<string, string | undefined>): Partial<Login> {
  try {
    const parsed = JSON.parse(readFileSync(configPath(env), 'utf8')) as Partial<Login>;
    return { ...(typeof parsed.url === 'string' && { url: parsed.url }), ...(typeof parsed.key === 'string' && { key: parsed.key }) };
  } catch {
    return {};
  }
}

export function saveLogin(env: Record<string, string | undefined>, login: Login): string {
  const path = configPath(env);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(login, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600); // an existing file keeps its mode on write
  return path;
}

/** The server and key to use: flags, then environment, then the saved login. */
export function resolveLogin(env: Record<string, string | undefined>, flags: { url?: string; key?: string }): Login {
  const saved = readLogin(env);
  const url = flags.url || env['ATRIUM_URL'] || saved.url;
  const key = flags.key || env['ATRIUM_API_KEY'] || saved.key;
  if (!url || !key) {
    throw new CliError(EXIT.auth, 'not logged in: run `atrium login --url <url> --key <api key>` (or set ATRIUM_URL and ATRIUM_API_KEY)');
  }
  return { url: url.replace(/\/+$/, ''), key };
}
