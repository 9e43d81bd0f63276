// Composing the configuration from the platform's keys and each module's section.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { bool, defineConfig, loadConfigOf } from './config.js';

const widgets = {
  id: 'widgets',
  config: defineConfig(
    { ATRIUM_WIDGETS_MAX: z.coerce.number().int().min(1).max(10).default(3), ATRIUM_WIDGETS_LOUD: bool.default(false) },
    (c) => ({ widgetsMax: c.ATRIUM_WIDGETS_MAX, widgetsLoud: c.ATRIUM_WIDGETS_LOUD }),
  ),
};

describe('loadConfigOf', () => {
  it('validates a module key and maps it into its field, beside the platform fields', () => {
    const c = loadConfigOf([widgets], { ATRIUM_WIDGETS_MAX: '7', ATRIUM_WIDGETS_LOUD: 'yes', ATRIUM_PORT: '4100' }) as unknown as Record<string, unknown>;
    expect(c).toMatchObject({ widgetsMax: 7, widgetsLoud: true, port: 4100, host: '127.0.0.1' });
    expect(loadConfigOf([widgets], { ATRIUM_WIDGETS_MAX: '' })).toMatchObject({ widgetsMax: 3 });
  });

  it('reports every invalid value in one error, by key, platform and module alike', () => {
    expect(() => loadConfigOf([widgets], { ATRIUM_WIDGETS_MAX: '11', ATRIUM_PORT: 'x' }))
      .toThrow(/^Invalid configuration: ATRIUM_PORT: .*; ATRIUM_WIDGETS_MAX: Too big/);
  });

  it('ignores the keys of a module that is not listed', () => {
    expect(loadConfigOf([], { ATRIUM_WIDGETS_MAX: 'not a number' })).not.toHaveProperty('widgetsMax');
  });

  it('refuses a key declared twice, naming both owners', () => {
    const gadgets = { id: 'gadgets', config: defineConfig({ ATRIUM_WIDGETS_MAX: z.string().optional() }, () => ({})) };
    expect(() => loadConfigOf([widgets, gadgets], {})).toThrow('config key ATRIUM_WIDGETS_MAX: declared by module widgets and by module gadgets');
    const port = { id: 'gadgets', config: defineConfig({ ATRIUM_PORT: z.string().optional() }, () => ({})) };
    expect(() => loadConfigOf([port], {})).toThrow('config key ATRIUM_PORT: declared by platform and by module gadgets');
  });

  it('refuses a field set by two sections, naming both', () => {
    const gadgets = { id: 'gadgets', config: defineConfig({ ATRIUM_GADGETS_MAX: z.string().optional() }, () => ({ widgetsMax: 1 })) };
    expect(() => loadConfigOf([widgets, gadgets], {})).toThrow('config field widgetsMax: set by module widgets and by module gadgets');
  });

  it('applies overrides last (tests)', () => {
    expect(loadConfigOf([widgets], { ATRIUM_PORT: '4100' }, { port: 0 }).port).toBe(0);
  });
});
