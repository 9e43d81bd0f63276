// The configuration of this build: the platform's keys and the section of every module in
// modules.ts, validated together. Every program (main, the test harness, benches) loads it here,
// so none can miss a module's keys; platform/config.ts composes, this file knows the list.
import { MODULES } from './modules.js';
import { loadConfigOf, type AtriumConfig } from './platform/config.js';

export type { AtriumConfig };

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<AtriumConfig> = {}): AtriumConfig {
  return loadConfigOf(MODULES, env, overrides);
}
