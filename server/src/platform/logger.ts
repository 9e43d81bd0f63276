import { pino, type Logger } from 'pino';
import type { AtriumConfig } from './config.js';

export type { Logger };

export function createLogger(config: Pick<AtriumConfig, 'logLevel'>): Logger {
  return pino({
    level: config.logLevel,
    base: { service: 'atrium' },
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.token'], remove: true },
  });
}
