// The build's configuration: every module's keys reach its fields, with the defaults they had
// when one central schema held them.
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('loadConfig (platform + MODULES)', () => {
  it('has every module section, with its defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 4000, snapshotEvery: 500, snapshotLagSeconds: 60, oidc: undefined,
      maxChainDepth: 5, webhookAllowPrivate: false, webhookRetryBaseSeconds: 10, ruleActionTimeoutSeconds: 60, jobMaintenanceSeconds: 120,
      ai: { openai: undefined, anthropic: undefined, timeoutMs: 30_000, maxRetries: 2, retryBaseMs: 250, metering: 'write-behind' },
    });
  });

  it('reads each module’s keys from the environment', () => {
    const c = loadConfig({
      ATRIUM_RULES_MAX_CHAIN_DEPTH: '7', ATRIUM_WEBHOOK_ALLOW_PRIVATE: 'true', ATRIUM_SNAPSHOT_EVERY: '20',
      ATRIUM_OIDC_ISSUER: 'https://id.example', ATRIUM_OIDC_CLIENT_ID: 'atrium', ATRIUM_ANTHROPIC_API_KEY: 'k',
    });
    expect(c).toMatchObject({ maxChainDepth: 7, webhookAllowPrivate: true, snapshotEvery: 20 });
    expect(c.oidc).toEqual({ issuer: 'https://id.example', clientId: 'atrium', clientSecret: undefined, label: 'Single sign-on' });
    expect(c.ai.anthropic).toEqual({ baseUrl: undefined, apiKey: 'k', model: 'claude-sonnet-4-5' });
    expect(() => loadConfig({ ATRIUM_RULES_MAX_CHAIN_DEPTH: '99' })).toThrow('ATRIUM_RULES_MAX_CHAIN_DEPTH');
  });
});
