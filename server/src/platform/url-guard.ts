// The one guard for outbound requests to URLs that tenants or operators chose (webhooks, AI
// provider base URLs). Such a URL could turn the server into a proxy into its own network:
// cloud metadata services (169.254.169.254, metadata.google.internal, fd00:ec2::254…) hand out
// instance credentials, and loopback/private ranges hold the database, admin panels, other
// services. So:
//   - at save time, `assertSafeUrl` checks the form (http/https, no credentials) and the host
//     literally: metadata names, and addresses in any spelling the URL parser accepts
//     (decimal/hex IPv4, IPv4-mapped/compatible/translated IPv6, NAT64, 6to4);
//   - at call time, `assertSafeDestination` (or `guardedFetch`) checks every address the name
//     resolves to, because DNS may say something else than it did when the URL was saved.
// Link-local, metadata, unspecified, multicast and reserved addresses are refused always;
// loopback and private ranges unless the policy allows them (`allowPrivate`: an intranet
// webhook receiver, a local model server, tests). The caller chooses the error it answers
// (`refuse`), so each module keeps its documented code.
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { setBounded } from './bounded-map.js';
import { systemClock, type Clock } from './clock.js';
import { errors, type AppError } from './errors.js';

export type UrlPolicy = { allowPrivate: boolean };

/** Builds the error for a refused URL: `reason` is a phrase ("a cloud metadata host"), `path` the input field. */
export type Refusal = (reason: string, path: string) => AppError;

export const unsafeUrlRefusal: Refusal = (reason, path) =>
  errors.badRequest('UNSAFE_URL', `This URL cannot be used: ${reason}.`, [{ path, message: reason }]);

/** Resolves a name to all its addresses (node:dns by default; tests inject their own). */
export type Resolve = (host: string) => Promise<readonly { address: string }[]>;
const systemResolve: Resolve = (host) => dnsLookup(host, { all: true, verbatim: true });

/** Names of cloud metadata services (compared without a trailing dot, case-insensitively). */
const METADATA_HOSTS = new Set([
  'metadata', 'metadata.google.internal', 'metadata.goog', 'metadata.azure.internal',
  'instance-data', 'instance-data.ec2.internal', 'metadata.tencentyun.com', 'metadata.platformequinix.com',
]);
/** Names that mean this machine. */
const LOOPBACK_HOSTS = new Set(['localhost', 'localhost.localdomain', 'ip6-localhost', 'ip6-loopback']);

const NEVER = 'a link-local or metadata address';
const NOT_UNICAST = 'an unspecified, multicast or reserved address';
const PRIVATE = 'a loopback or private address';

type V4Range = readonly [base: number, bits: number, problem: string];
const v4 = (dotted: string): number => dotted.split('.').reduce((n, part) => n * 256 + Number(part), 0);
const V4_RANGES: V4Range[] = ([
  ['0.0.0.0', 8, NOT_UNICAST], // "this network": 0.0.0.0 reaches the local host
  ['169.254.0.0', 16, NEVER], // link-local: AWS/GCP/Azure/OCI metadata at 169.254.169.254, ECS at 169.254.170.2
  ['100.100.100.200', 32, NEVER], // Alibaba Cloud metadata
  ['168.63.129.16', 32, NEVER], // Azure host services (WireServer)
  ['224.0.0.0', 4, NOT_UNICAST], // multicast
  ['240.0.0.0', 4, NOT_UNICAST], // reserved, and the broadcast address
  ['127.0.0.0', 8, PRIVATE],
  ['10.0.0.0', 8, PRIVATE],
  ['172.16.0.0', 12, PRIVATE],
  ['192.168.0.0', 16, PRIVATE],
  ['100.64.0.0', 10, PRIVATE], // carrier-grade NAT
  ['192.0.0.0', 24, PRIVATE], // IETF protocol assignments
  ['198.18.0.0', 15, PRIVATE], // benchmarking
] as const).map(([base, bits, problem]) => [v4(base), bits, problem] as const);

function v4Problem(n: number, policy: UrlPolicy): string | null {
  // Refusals that hold whatever the policy come first (100.100.100.200 is inside 100.64/10).
  let privateHit = false;
  for (const [base, bits, problem] of V4_RANGES) {
    const size = 2 ** (32 - bits);
    if (n - (n % size) !== base) continue;
    if (problem !== PRIVATE) return problem;
    privateHit = true;
  }
  return privateHit && !policy.allowPrivate ? PRIVATE : null;
}

/** The 8 groups of an IPv6 address (with an embedded dotted quad, a zone id), or null. */
function v6Groups(address: string): number[] | null {
  let a = address.replace(/%.*$/, '');
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (quad) {
    const n = v4(quad[1]!);
    a = `${a.slice(0, quad.index)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const halves = a.split('::');
  if (halves.length > 2) return null;
  const part = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const head = part(halves[0]);
  const tail = part(halves[1]);
  const groups = halves.length === 2 ? [...head, ...Array<number>(8 - head.length - tail.length).fill(0), ...tail] : head;
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}

const v4Of = (hi: number, lo: number): number => hi * 65536 + lo;

function v6Problem(g: number[], policy: UrlPolicy): string | null {
  const [g0, g1, g2, g3, g4, g5, g6, g7] = g as [number, number, number, number, number, number, number, number];
  const zeroTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroTo(8)) return NOT_UNICAST; // ::
  if (zeroTo(7) && g7 === 1) return policy.allowPrivate ? null : PRIVATE; // ::1
  // IPv4 addresses written as IPv6: mapped ::ffff:a.b.c.d, translated ::ffff:0:a.b.c.d,
  // compatible ::a.b.c.d, NAT64 64:ff9b::a.b.c.d. They reach the IPv4 address, so its rules apply.
  if (zeroTo(5) && g5 === 0xffff) return v4Problem(v4Of(g6, g7), policy);
  if (zeroTo(4) && g4 === 0xffff && g5 === 0) return v4Problem(v4Of(g6, g7), policy);
  if (zeroTo(6)) return v4Problem(v4Of(g6, g7), policy);
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return v4Problem(v4Of(g6, g7), policy);
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 1) return v4Problem(v4Of(g6, g7), policy) ?? (policy.allowPrivate ? null : PRIVATE); // local-use NAT64
  if (g0 === 0x2002) return v4Problem(v4Of(g1, g2), policy); // 6to4 carries an IPv4 address in bits 16–47
  if (g0 === 0xfd00 && g1 === 0x0ec2 && g.slice(2, 7).every((x) => x === 0) && g7 === 0x254) return NEVER; // AWS metadata (IPv6)
  if ((g0 & 0xffc0) === 0xfe80) return NEVER; // link-local fe80::/10
  if ((g0 & 0xff00) === 0xff00) return NOT_UNICAST; // multicast
  if ((g0 & 0xffc0) === 0xfec0 || (g0 & 0xfe00) === 0xfc00) return policy.allowPrivate ? null : PRIVATE; // site-local, unique local
  return null;
}

/** Why the server must not connect to this IP address under `policy`, or null when it may. Not an IP: null. */
export function addressProblem(address: string, policy: UrlPolicy): string | null {
  const a = address.toLowerCase().replace(/^\[|\]$/g, '');
  const family = isIP(a.replace(/%.*$/, ''));
  if (family === 4) return v4Problem(v4(a), policy);
  if (family === 6) {
    const groups = v6Groups(a);
    return groups ? v6Problem(groups, policy) : NOT_UNICAST;
  }
  return null;
}

/** The host as compared: no brackets, no trailing dot, lower case. */
const bareHost = (url: URL): string => url.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();

/** Form and literal host checks, no DNS (at save time; also the first step at call time). */
export function assertSafeUrl(raw: string, policy: UrlPolicy, path = 'url', refuse: Refusal = unsafeUrlRefusal): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse('it is not a URL', path);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refuse('only http and https are allowed', path);
  if (url.username || url.password) throw refuse('credentials in the URL are not allowed', path);
  // The URL parser already turned 2852039166, 0xA9FEA9FE and 169.254.169.254. into 169.254.169.254.
  const host = bareHost(url);
  if (METADATA_HOSTS.has(host)) throw refuse(`${host} is a cloud metadata host`, path);
  if (isIP(host)) {
    const problem = addressProblem(host, policy);
    if (problem) throw refuse(`${host} is ${problem}`, path);
  } else if (!policy.allowPrivate && (LOOPBACK_HOSTS.has(host) || host.endsWith('.localhost'))) {
    throw refuse(`${host} is ${PRIVATE}`, path);
  }
  return url;
}

/** A cache of name → addresses shared by the guarded fetches that opt in (the AI gateway's hot path). */
export type DnsCache = { ttlMs: number; clock?: Clock; max?: number; entries?: Map<string, { addresses: readonly string[]; until: number }> };

export type DestinationOptions = { path?: string; refuse?: Refusal; resolve?: Resolve; cache?: DnsCache };

async function addressesOf(host: string, resolve: Resolve, cache: DnsCache | undefined): Promise<readonly string[]> {
  if (!cache) return (await resolve(host)).map((a) => a.address);
  const now = (cache.clock ?? systemClock)().getTime();
  const entries = (cache.entries ??= new Map());
  const hit = entries.get(host);
  if (hit && hit.until > now) return hit.addresses;
  const addresses = (await resolve(host)).map((a) => a.address);
  setBounded(entries, host, { addresses, until: now + cache.ttlMs }, cache.max ?? 1000);
  return addresses;
}

/** At call time: the URL passes `assertSafeUrl`, and every address its host resolves to is allowed. */
export async function assertSafeDestination(url: URL | string, policy: UrlPolicy, opts: DestinationOptions = {}): Promise<URL> {
  const path = opts.path ?? 'url';
  const refuse = opts.refuse ?? unsafeUrlRefusal;
  const target = assertSafeUrl(typeof url === 'string' ? url : url.href, policy, path, refuse);
  const host = bareHost(target);
  if (isIP(host)) return target; // checked literally above
  const addresses = await addressesOf(host, opts.resolve ?? systemResolve, opts.cache);
  for (const a of addresses) {
    const problem = addressProblem(a, policy);
    if (problem) throw refuse(`${host} resolves to ${problem}`, path);
  }
  return target;
}

/**
 * A fetch that checks each request's URL and resolved addresses first, and never follows a
 * redirect (a 3xx comes back as the answer): a redirect to a metadata address would otherwise
 * skip the check.
 */
export function guardedFetch(opts: DestinationOptions & { policy: UrlPolicy; inner?: typeof fetch }): typeof fetch {
  const inner = opts.inner ?? fetch;
  return async (input, init) => {
    const raw = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    await assertSafeDestination(raw, opts.policy, opts);
    return inner(input, { ...init, redirect: 'manual' });
  };
}
