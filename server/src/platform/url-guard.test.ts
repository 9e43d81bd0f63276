// The outbound-URL guard (url-guard.ts): what is refused at save time (form, literal hosts in
// every spelling), what is refused at call time (resolved addresses, through an injected
// resolver: no real DNS), the allowPrivate policy, the caller's own error, the DNS cache on an
// injected clock, and that guardedFetch neither calls out when refused nor follows redirects.
import { describe, expect, it } from 'vitest';
import { AppError } from './errors.js';
import { addressProblem, assertSafeDestination, assertSafeUrl, guardedFetch, type DnsCache, type Resolve, type UrlPolicy } from './url-guard.js';

const strict: UrlPolicy = { allowPrivate: false };
const lenient: UrlPolicy = { allowPrivate: true };

function refusal(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('accepted');
}

async function refusedAsync(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(() => new Error('accepted'), (e: unknown) => e);
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

const resolver = (table: Record<string, string[]>) => {
  const asked: string[] = [];
  const resolve: Resolve = async (host) => {
    asked.push(host);
    const addrs = table[host];
    if (!addrs) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return addrs.map((address) => ({ address }));
  };
  return { resolve, asked };
};

describe('addressProblem', () => {
  it('always refuses link-local, metadata, unspecified, multicast and reserved addresses', () => {
    for (const policy of [strict, lenient]) {
      for (const ip of ['169.254.169.254', '169.254.170.2', '169.254.0.1', '100.100.100.200', '168.63.129.16', '0.0.0.0', '0.1.2.3', '224.0.0.1', '239.255.255.250', '255.255.255.255', '240.0.0.1',
        '::', 'fe80::1', 'febf::1', 'fd00:ec2::254', 'ff02::1', '::ffff:169.254.169.254', '::ffff:a9fe:a9fe', '::169.254.169.254', '::ffff:0:169.254.169.254',
        '64:ff9b::169.254.169.254', '64:ff9b::a9fe:a9fe', '2002:a9fe:a9fe::1', '[fe80::1]', 'fe80::1%eth0', 'FE80::1']) {
        expect(addressProblem(ip, policy), `${ip} ${JSON.stringify(policy)}`).not.toBeNull();
      }
    }
  });

  it('refuses loopback and private ranges, in IPv4 and IPv6 spellings, unless the policy allows them', () => {
    for (const ip of ['127.0.0.1', '127.255.0.1', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1', '100.64.0.1', '100.127.255.255', '192.0.0.8', '198.18.0.1',
      '::1', 'fc00::1', 'fd12:3456::1', 'fec0::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '64:ff9b::10.0.0.1', '64:ff9b:1::a00:1', '2002:c0a8:101::1']) {
      expect(addressProblem(ip, strict), ip).toBe('a loopback or private address');
      expect(addressProblem(ip, lenient), ip).toBeNull();
    }
  });

  it('lets public addresses through, right next to the ranges', () => {
    for (const ip of ['93.184.216.34', '172.15.255.255', '172.32.0.1', '11.0.0.1', '100.63.255.255', '100.128.0.1', '169.253.255.255', '169.255.0.1', '1.1.1.1', '223.255.255.255',
      '2606:4700::1111', '2001:db8::1', '::ffff:93.184.216.34', '64:ff9b::808:808', '2002:808:808::1', 'fe7f::1', 'fbff::1']) {
      expect(addressProblem(ip, strict), ip).toBeNull();
    }
  });

  it('is not about names', () => {
    expect(addressProblem('example.com', strict)).toBeNull();
  });
});

describe('assertSafeUrl (save time, no DNS)', () => {
  it('accepts public http(s) URLs and returns them parsed', () => {
    expect(assertSafeUrl('https://hooks.example.com/in?x=1', strict).hostname).toBe('hooks.example.com');
    expect(assertSafeUrl('http://93.184.216.34:8080/hook', strict).port).toBe('8080');
    expect(assertSafeUrl('https://[2606:4700::1111]/', strict).hostname).toBe('[2606:4700::1111]');
  });

  it('refuses cloud metadata hosts under any policy, whatever the case or a trailing dot', () => {
    for (const policy of [strict, lenient]) {
      for (const url of ['http://metadata.goog/', 'http://METADATA.GOOG./computeMetadata/v1/', 'http://metadata.google.internal/', 'http://metadata/', 'http://metadata.azure.internal/',
        'http://instance-data/', 'http://instance-data.ec2.internal/', 'http://metadata.tencentyun.com/', 'http://169.254.169.254/', 'http://[fd00:ec2::254]/']) {
        const e = refusal(() => assertSafeUrl(url, policy, 'body.url'));
        expect(e).toMatchObject({ code: 'UNSAFE_URL', status: 400 });
        expect(e.details[0]).toMatchObject({ path: 'body.url', message: expect.stringMatching(/metadata|link-local/) });
      }
    }
  });

  it('refuses the numeric spellings the URL parser normalises to a forbidden address', () => {
    for (const url of ['http://2852039166/', 'http://0xA9FEA9FE/', 'http://0251.0376.0251.0376/', 'http://169.254.43518/', 'http://169.254.169.254.:80/', 'http://[::ffff:169.254.169.254]/', 'http://[::ffff:a9fe:a9fe]/',
      'http://[64:ff9b::169.254.169.254]/', 'http://0/', 'http://[::]/']) {
      refusal(() => assertSafeUrl(url, lenient));
    }
  });

  it('refuses loopback names and private literals unless allowed', () => {
    for (const url of ['http://localhost/', 'http://LOCALHOST./', 'http://api.localhost/', 'http://localhost.localdomain/', 'http://ip6-localhost/', 'http://127.0.0.1:8080/', 'http://[::1]/', 'http://10.1.2.3/', 'http://2130706433/']) {
      expect(refusal(() => assertSafeUrl(url, strict)).details[0]!.message, url).toMatch(/loopback or private/);
      expect(() => assertSafeUrl(url, lenient), url).not.toThrow();
    }
  });

  it('refuses other schemes, non-URLs and credentials', () => {
    expect(refusal(() => assertSafeUrl('ftp://files.example.com/x', strict)).details[0]!.message).toContain('http');
    for (const url of ['file:///etc/passwd', 'gopher://example.com/', 'javascript:alert(1)', 'not a url', 'http://']) refusal(() => assertSafeUrl(url, lenient));
    expect(refusal(() => assertSafeUrl('https://user:pass@hooks.example.com/', lenient)).details[0]!.message).toContain('credentials');
    refusal(() => assertSafeUrl('https://user@hooks.example.com/', lenient));
  });

  it('answers with the caller’s error', () => {
    const mine = (reason: string, path: string) => new AppError('MY_CODE', 422, `no: ${reason}`, [{ path, message: reason }]);
    const e = refusal(() => assertSafeUrl('http://metadata.goog/', lenient, 'body.base_url', mine));
    expect(e).toMatchObject({ code: 'MY_CODE', status: 422, message: 'no: metadata.goog is a cloud metadata host', details: [{ path: 'body.base_url' }] });
  });
});

describe('assertSafeDestination (call time, after DNS)', () => {
  it('refuses a name that resolves to a forbidden address (any of them), allows one that resolves to public ones', async () => {
    const { resolve } = resolver({
      'rebound.example': ['93.184.216.34', '169.254.169.254'],
      'mapped.example': ['::ffff:169.254.169.254'],
      'intranet.example': ['10.0.0.5'],
      'public.example': ['93.184.216.34', '2606:4700::1111'],
    });
    const e = await refusedAsync(assertSafeDestination('http://rebound.example/hook', lenient, { resolve, path: 'webhook.url' }));
    expect(e).toMatchObject({ code: 'UNSAFE_URL', details: [{ path: 'webhook.url', message: 'rebound.example resolves to a link-local or metadata address' }] });
    await refusedAsync(assertSafeDestination('http://mapped.example/', lenient, { resolve }));
    await refusedAsync(assertSafeDestination('http://intranet.example/', strict, { resolve }));
    expect((await assertSafeDestination('http://intranet.example/', lenient, { resolve })).hostname).toBe('intranet.example');
    expect((await assertSafeDestination(new URL('https://public.example/x'), strict, { resolve })).href).toBe('https://public.example/x');
  });

  it('checks the URL itself first, and does not resolve IP literals', async () => {
    const { resolve, asked } = resolver({});
    await refusedAsync(assertSafeDestination('http://metadata.goog/', lenient, { resolve }));
    await refusedAsync(assertSafeDestination('http://169.254.169.254/', lenient, { resolve }));
    expect((await assertSafeDestination('http://93.184.216.34/', strict, { resolve })).hostname).toBe('93.184.216.34');
    expect(asked).toEqual([]);
  });

  it('a name that does not resolve fails with the resolver’s error', async () => {
    const { resolve } = resolver({});
    await expect(assertSafeDestination('http://nowhere.example/', strict, { resolve })).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });

  it('caches resolutions for ttlMs on the injected clock, then asks again', async () => {
    let t = 1_000_000;
    const table: Record<string, string[]> = { 'llm.example': ['93.184.216.34'] };
    const { resolve, asked } = resolver(table);
    const cache: DnsCache = { ttlMs: 60_000, clock: () => new Date(t) };
    await assertSafeDestination('https://llm.example/v1', strict, { resolve, cache });
    table['llm.example'] = ['169.254.169.254']; // DNS changes
    t += 59_999;
    await assertSafeDestination('https://llm.example/v1', strict, { resolve, cache });
    expect(asked).toEqual(['llm.example']);
    t += 1;
    await refusedAsync(assertSafeDestination('https://llm.example/v1', strict, { resolve, cache }));
    expect(asked).toEqual(['llm.example', 'llm.example']);
  });
});

describe('guardedFetch', () => {
  it('calls out only to allowed destinations, never following redirects', async () => {
    const calls: { url: string; redirect: RequestRedirect | undefined }[] = [];
    const inner = (async (input: string | URL | Request, init?: RequestInit) => {
      calls.push({ url: String(input instanceof Request ? input.url : input), redirect: init?.redirect });
      return new Response('ok');
    }) as typeof fetch;
    const { resolve } = resolver({ 'llm.example': ['93.184.216.34'], 'evil.example': ['fe80::1'] });
    const f = guardedFetch({ policy: lenient, inner, resolve, path: 'provider.base_url' });
    expect(await (await f('https://llm.example/v1/chat', { method: 'POST', redirect: 'follow' })).text()).toBe('ok');
    expect(calls).toEqual([{ url: 'https://llm.example/v1/chat', redirect: 'manual' }]);
    const e = await refusedAsync(f(new URL('https://evil.example/v1')));
    expect(e.details[0]).toMatchObject({ path: 'provider.base_url', message: 'evil.example resolves to a link-local or metadata address' });
    await refusedAsync(f(new Request('http://metadata.goog/v1')));
    expect(calls).toHaveLength(1);
  });
});
