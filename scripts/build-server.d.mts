// Types of scripts/build-server.mjs for TypeScript callers (bench).
import type { BuildOptions } from 'esbuild';

export const SERVER_OUT_DIR: string;
export const SERVER_ENTRY: string;
export const SERVER_NODE_FLAGS: readonly string[];
export const SERVER_BUILD_OPTIONS: BuildOptions;
export function serverBuildIsFresh(): boolean;
export function buildServer(opts?: { ifStale?: boolean; quiet?: boolean }): Promise<{ built: boolean; entry: string }>;
