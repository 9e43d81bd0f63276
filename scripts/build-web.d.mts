// Types of scripts/build-web.mjs for TypeScript callers (bench, tests).
export type BundleReport = {
  initial_js_gzip_bytes: number;
  initial_css_gzip_bytes: number;
  initial_files: string[];
  all_js_gzip_bytes: number;
  js_chunks: number;
  budget_bytes: number;
};
export const INITIAL_JS_BUDGET: number;
export function bundleReport(dist?: string): BundleReport;
export function buildWeb(opts?: { ifStale?: boolean; quiet?: boolean }): Promise<{ built: boolean; report: BundleReport }>;
