// sdk/src/openapi.ts is generated (`npm run gen:sdk`) from the OpenAPI document the server
// builds from its zod route schemas; the SDK's resource types are aliases into it. This fails
// when a route's schema changed and the committed file was not regenerated.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderSdkTypes, SDK_TYPES_FILE } from '../../scripts/gen-sdk-types.js';

/** The first line where two texts part, with a little context, for the failure message. */
function firstDifference(a: string, b: string): string {
  const x = a.split('\n');
  const y = b.split('\n');
  const i = x.findIndex((line, n) => line !== y[n]);
  const at = i === -1 ? Math.min(x.length, y.length) : i;
  return `line ${at + 1}:\n  committed: ${x[at] ?? '(end of file)'}\n  generated: ${y[at] ?? '(end of file)'}`;
}

describe('generated SDK types', () => {
  it('sdk/src/openapi.ts is what `npm run gen:sdk` makes of the current OpenAPI document', async () => {
    const fresh = await renderSdkTypes();
    const committed = readFileSync(SDK_TYPES_FILE, 'utf8');
    expect(committed === fresh, `sdk/src/openapi.ts is stale — run \`npm run gen:sdk\` and commit it; first difference at ${firstDifference(committed, fresh)}`).toBe(true);
  });

  it('renders the success answers and request bodies the SDK reads, and no per-operation error answers', async () => {
    const text = readFileSync(SDK_TYPES_FILE, 'utf8');
    expect(text).toContain('"/v1/tasks/{id}"');
    expect(text).toContain('export type Json =');
    expect(text).not.toMatch(/^\s+(4\d\d|5\d\d): \{$/m);
  });
});
