// Outgoing requests to tenant-chosen URLs (webhooks): refuse what would reach the host's
// own network — link-local (cloud metadata lives at 169.254.169.254), metadata names, and,
// unless the operator allows it, loopback and private ranges. Checked at save time and
// again at delivery against the resolved addresses (DNS may change in between).
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { errors } from '../../platform/errors.js';

const LINK_LOCAL = new BlockList();
LINK_LOCAL.addSubnet('169.254.0.0', 16, 'ipv4');
LINK_LOCAL.addSubnet('fe80::', 10, 'ipv6');
LINK_LOCAL.addAddress('fd00:ec2::254', 'ipv6');
LINK_LOCAL.addSubnet('0.0.0.0', 8, 'ipv4');
LINK_LOCAL.addSubnet('100.100.100.200', 32, 'ipv4'); // Alibaba Cloud metadata

const PRIVATE = new BlockList();
for (const [net, bits] of [['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['127.0.0.0', 8], ['100.64.0.0', 10]] as const) PRIVATE.addSubnet(net, bits, 'ipv4');
PRIVATE.addAddress('::1', 'ipv6');
PRIVATE.addSubnet('fc00::', 7, 'ipv6');

const METADATA_HOSTS = new Set(['metadata.google.internal', 'metadata', 'metadata.azure.internal', 'instance-data', 'instance-data.ec2.internal']);

export type UrlPolicy = { allowPrivate: boolean };

function addressProblem(address: string, policy: UrlPolicy): string | null {
  const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return addressProblem(mapped[1]!, policy);
  if (LINK_LOCAL.check(address, family)) return 'a link-local or metadata address';
  if (!policy.allowPrivate && PRIVATE.check(address, family)) return 'a loopback or private address';
  return null;
}

/** Syntax and literal-address checks (at save time). */
export function assertSafeUrl(raw: string, policy: UrlPolicy, path = 'url'): URL {
  const refuse = (why: string) => errors.badRequest('UNSAFE_URL', `This URL cannot be used: ${why}.`, [{ path, message: why }]);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse('it is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refuse('only http and https are allowed');
  if (url.username || url.password) throw refuse('credentials in the URL are not allowed');
  // A trailing dot names the same host (`metadata.google.internal.`).
  const host = url.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
  if (METADATA_HOSTS.has(host)) throw refuse('a cloud metadata host');
  if (isIP(host)) {
    const problem = addressProblem(host, policy);
    if (problem) throw refuse(problem);
  } else if (!policy.allowPrivate && (host === 'localhost' || host.endsWith('.localhost'))) throw refuse('a loopback address');
  return url;
}

/** At delivery: every address the name resolves to must be allowed. */
export async function assertSafeDestination(url: URL, policy: UrlPolicy): Promise<void> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
  for (const a of addresses) {
    const problem = addressProblem(a, policy);
    if (problem) throw errors.badRequest('UNSAFE_URL', `The webhook host resolves to ${problem}.`);
  }
}
