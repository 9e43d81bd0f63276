// axe-core in the page under test (issue 16, defect 10): the engine from node_modules injected
// with addScriptTag, run over the whole document, and the serious or critical violations
// returned as one readable line each, so a failing test says what and where.
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

export type AxeFinding = { id: string; impact: string; help: string; targets: string[] };

const GRAVE = ['serious', 'critical'];

/** The axe-core violations on the page as it is now, of these impacts (by default serious and critical). */
export async function axeFindings(page: Page, impacts: readonly string[] = GRAVE): Promise<AxeFinding[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  return page.evaluate(async (impacts) => {
    type Result = { violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[] };
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<Result> } }).axe;
    const { violations } = await axe.run(document, { resultTypes: ['violations'] });
    return violations
      .filter((v) => v.impact !== null && impacts.includes(v.impact))
      .map((v) => ({ id: v.id, impact: v.impact!, help: v.help, targets: v.nodes.map((n) => n.target.map(String).join(' ')) }));
  }, impacts);
}

/** One line per violation, for an assertion message. */
export const describeFindings = (where: string, findings: AxeFinding[]): string[] =>
  findings.map((f) => `${where}: ${f.impact} ${f.id} (${f.help}) at ${f.targets.slice(0, 3).join(' | ')}`);
