import { describe, expect, it } from 'vitest';
import { openSecrets, sealSecrets } from './held-secrets.js';

const seal = (s: string) => `sealed(${s})`;
const open = (s: string) => /^sealed\((.*)\)$/.exec(s)![1]!;

describe('secrets in a held input', () => {
  it('seals the strings the patterns name, in records and arrays, and opens them back', () => {
    const input = {
      providers: { a: { api_key: 'sk-a', model: 'm' }, b: { api_key: null, model: 'n' }, c: null, d: { model: 'o' } },
      actions: [{ type: 'webhook', secret: 'whsec-1' }, { type: 'notify' }],
      why: 'keys',
    };
    const { input: stored, sealed } = sealSecrets(input, ['providers.*.api_key', 'actions.*.secret'], seal);
    expect(sealed).toEqual([['providers', 'a', 'api_key'], ['actions', 0, 'secret']]);
    expect(stored).toEqual({
      providers: { a: { api_key: 'sealed(sk-a)', model: 'm' }, b: { api_key: null, model: 'n' }, c: null, d: { model: 'o' } },
      actions: [{ type: 'webhook', secret: 'sealed(whsec-1)' }, { type: 'notify' }],
      why: 'keys',
    });
    expect(input.providers.a.api_key).toBe('sk-a'); // the caller's input is left as it was
    expect(openSecrets(stored, sealed, open)).toEqual(input);
  });

  it('seals nothing when nothing matches, and a value two patterns name once', () => {
    expect(sealSecrets({ cache_ttl_seconds: 60 }, ['providers.*.api_key'], seal)).toEqual({ input: { cache_ttl_seconds: 60 }, sealed: [] });
    expect(sealSecrets(null, ['providers.*.api_key'], seal)).toEqual({ input: null, sealed: [] });
    const twice = sealSecrets({ k: { s: 'x' } }, ['k.s', '*.s'], seal);
    expect(twice).toEqual({ input: { k: { s: 'sealed(x)' } }, sealed: [['k', 's']] });
  });

  it('opens only what was recorded as sealed (an older row runs as stored)', () => {
    const legacy = { providers: { a: { api_key: 'sk-plain' } } };
    expect(openSecrets(legacy, [], open)).toEqual(legacy);
  });
});
