// Where the project's files are (server/migrations, web/dist), wherever this code runs from:
// the TypeScript sources under tsx or vitest (server/src/platform/paths.ts) or the compiled
// server bundle (.build/server/main.mjs, scripts/build-server.mjs), whose import.meta.url
// is a different depth below the root. The root is the nearest directory above this file
// with the package.json of the package named "atrium".
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'atrium';

/** The nearest directory at or above `start` holding package.json with `"name": "atrium"`. */
export function findProjectRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === PACKAGE_NAME) return dir;
      } catch {
        // unreadable or not JSON: not ours, keep walking up
      }
    }
    if (dirname(dir) === dir) throw new Error(`no package.json named "${PACKAGE_NAME}" at or above ${start}`);
  }
}

export const PROJECT_ROOT = findProjectRoot(dirname(fileURLToPath(import.meta.url)));

/** A path inside the project: projectPath('server', 'migrations'). */
export const projectPath = (...parts: string[]): string => join(PROJECT_ROOT, ...parts);
