#!/usr/bin/env node
// `npx atrium …`: runs the TypeScript entry point through tsx (no build step).
import { register } from 'tsx/esm/api';

register();
await import('../server/src/main.ts');
