// Provider URLs come from operators and workspace admins; the server fetches them. A URL
// that reaches link-local space (169.254.0.0/16, fe80::/10) or a cloud metadata service
// would turn the gateway into a way to read instance credentials, so those are refused —
// when the URL is saved and again, after DNS resolution, before every request. Loopback
// and private networks stay allowed: Ollama and test servers live there.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { AppError } from '../../platform/errors.js';

const METADATA_HOSTS = new Set(['metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal', 'metadata.azure.internal', 'metadata.tencentyun.com']);
const METADATA_IPS = new Set(['100.100.100.200', 'fd00:ec2::254']);

export function isForbiddenAddress(ip: string): boolean {
  let a = ip.toLowerCase().replace(/^\[|\]$/g, '');
  // IPv4-mapped/compatible IPv6 (URL parsing writes ::ffff:169.254.169.254 as ::ffff:a9fe:a9fe).
  const dotted = /^::(?:ffff:)?(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  const hex = /^::(?:ffff:)?([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(a);
  if (dotted) a = dotted[1]!;
  else if (hex) {
    const [hi, lo] = [parseInt(hex[1]!, 16), parseInt(hex[2]!, 16)];
    a = [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
  }
  if (METADATA_IPS.has(a)) return true;
  if (isIP(a) === 4) return a.startsWith('169.254.') || a === '0.0.0.0';
  if (isIP(a) === 6) return /^fe[89ab][0-9a-f]:/.test(a) || a === '::';
  return false;
}

export function unsafeUrl(path: string, reason: string): AppError {
  return new AppError('UNSAFE_PROVIDER_URL', 400, `The provider URL is refused: ${reason}.`, [{ path, message: reason }]);
}

/** Checks the URL's form and host literally (no DNS): for saving settings. */
export function assertSafeProviderUrl(raw: string, path: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw unsafeUrl(path, 'not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw unsafeUrl(path, 'only http and https are allowed');
  if (url.username || url.password) throw unsafeUrl(path, 'credentials in the URL are not allowed (use the key field)');
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  if (METADATA_HOSTS.has(host)) throw unsafeUrl(path, `${host} is a cloud metadata host`);
  if (isForbiddenAddress(host)) throw unsafeUrl(path, `${host} is a link-local or metadata address`);
  return url;
}

const resolved = new Map<string, { ok: boolean; until: number }>();

/** fetch that refuses hosts resolving to link-local/metadata addresses (results cached for 60 s). */
export function guardedFetch(inner: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    assertSafeProviderUrl(url.href, 'provider.base_url');
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (!isIP(host)) {
      const cached = resolved.get(host);
      let ok = cached && cached.until > Date.now() ? cached.ok : undefined;
      if (ok === undefined) {
        const addrs = await lookup(host, { all: true });
        ok = !addrs.some((a) => isForbiddenAddress(a.address));
        resolved.set(host, { ok, until: Date.now() + 60_000 });
      }
      if (!ok) throw unsafeUrl('provider.base_url', `${host} resolves to a link-local or metadata address`);
    }
    return inner(input, init);
  };
}
