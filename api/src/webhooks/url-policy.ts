import { type LookupAddress, type LookupOptions, lookup } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * Where webhooks may be sent. A store chooses the URL and our servers POST to it, so without a
 * rule a store could make them call anything they can reach (SSRF): the cloud metadata service,
 * a database on the private network, the api itself on loopback. Only public unicast addresses
 * are allowed by default; `WEBHOOK_ALLOW_PRIVATE_NETWORKS` opens more for local development and
 * tests. The rule is checked when the URL is set and again on every connection (DNS can change
 * between the two, or answer differently each time).
 */
export interface WebhookUrlPolicy {
  /** `true`: every loopback, private and link-local address (not metadata, never unspecified). */
  readonly allowAllPrivate: boolean;
  /** Networks allowed whatever their kind (except unspecified and multicast). */
  readonly allowed: BlockList;
  /** The setting as given, for logs and errors. */
  readonly setting: string;
}

function subnets(list: readonly string[]): BlockList {
  const blocks = new BlockList();
  for (const cidr of list) {
    const [address = '', bits = ''] = cidr.split('/');
    const family = isIP(address);
    const prefix = Number(bits);
    const max = family === 4 ? 32 : 128;
    if (family === 0 || !/^\d{1,3}$/.test(bits) || prefix > max)
      throw new Error(`not a CIDR network: ${JSON.stringify(cidr)}`);
    blocks.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
  }
  return blocks;
}

/** Never a destination, whatever the setting: 0.0.0.0 reaches this host on Linux. */
const NEVER = subnets(['0.0.0.0/8', '224.0.0.0/4', '240.0.0.0/4', '::/128', 'ff00::/8']);
/** Cloud instance metadata (AWS/GCP/Azure, AWS over IPv6, Alibaba): only an explicit CIDR opens it. */
const METADATA = subnets(['169.254.169.254/32', 'fd00:ec2::254/128', '100.100.100.200/32']);
/** Not on the public internet: loopback, RFC 1918, shared, link-local, benchmarking, documentation… */
const NON_PUBLIC = subnets([
  '127.0.0.0/8',
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '169.254.0.0/16',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '::1/128',
  'fc00::/7',
  'fe80::/10',
  '2001:db8::/32',
  '2002::/16',
  '100::/64',
]);

/**
 * Parses `WEBHOOK_ALLOW_PRIVATE_NETWORKS`: empty (the default: public addresses only), `true`
 * (every non-public address but metadata), or a comma-separated list of CIDR networks allowed on
 * top of the public ones (e.g. `127.0.0.0/8,::1/128` for receivers on this machine).
 */
export function webhookUrlPolicyFrom(setting: string): WebhookUrlPolicy {
  const trimmed = setting.trim();
  if (trimmed === 'true') return { allowAllPrivate: true, allowed: new BlockList(), setting: trimmed };
  const list = trimmed === '' || trimmed === 'false' ? [] : trimmed.split(',').map((s) => s.trim());
  return { allowAllPrivate: false, allowed: subnets(list), setting: trimmed };
}

/** The production default: public unicast addresses only. */
export const PUBLIC_ONLY: WebhookUrlPolicy = webhookUrlPolicyFrom('');

/** The IPv4 address an IPv6 one carries (IPv4-mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::/96`). */
function embeddedIPv4(address: string): string | null {
  const groups = expandIPv6(address);
  if (!groups) return null;
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  const nat64 = groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0);
  if (!mapped && !nat64) return null;
  const [hi = 0, lo = 0] = groups.slice(6);
  return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
}

function expandIPv6(address: string): number[] | null {
  let text = address.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return null;
  const groups = [...left, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...right].map((g) =>
    Number.parseInt(g, 16),
  );
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff)
    ? groups
    : null;
}

/** Why a webhook may not go to this IP address, or null when it may. */
export function refusedAddress(address: string, policy: WebhookUrlPolicy): string | null {
  const family = isIP(address);
  if (family === 0) return `${address} is not an IP address`;
  if (family === 6) {
    const v4 = embeddedIPv4(address);
    if (v4) return refusedAddress(v4, policy);
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (NEVER.check(address, type)) return `${address} is an unspecified, multicast or reserved address`;
  if (policy.allowed.check(address, type)) return null;
  if (METADATA.check(address, type)) return `${address} is a cloud metadata address`;
  if (NON_PUBLIC.check(address, type) && !policy.allowAllPrivate)
    return `${address} is a loopback, private or link-local address`;
  return null;
}

/** The URL's host as an address or name, without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/** Why a URL may not be a webhook by its form alone (scheme, credentials), or null. */
export function refusedUrlForm(url: URL): string | null {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'the URL must be http or https';
  if (url.username !== '' || url.password !== '') return 'the URL must not carry credentials';
  if (url.hostname === '') return 'the URL has no host';
  return null;
}

export type ResolveAll = (hostname: string) => Promise<LookupAddress[]>;

const resolveAll: ResolveAll = (hostname) =>
  new Promise((resolve, reject) =>
    lookup(hostname, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))),
  );

/**
 * Why a store may not set this webhook URL, or null. A name that does not resolve now is
 * accepted (its DNS may not be set up yet): every delivery checks the addresses it connects to.
 */
export async function webhookUrlRefusal(
  rawUrl: string,
  policy: WebhookUrlPolicy,
  resolve: ResolveAll = resolveAll,
): Promise<string | null> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return 'not a URL';
  }
  const form = refusedUrlForm(url);
  if (form) return form;
  const host = hostOf(url);
  if (isIP(host) !== 0) return refusedAddress(host, policy);
  let addresses: LookupAddress[];
  try {
    addresses = await resolve(host);
  } catch {
    return null;
  }
  for (const a of addresses) {
    const why = refusedAddress(a.address, policy);
    if (why) return `${host} resolves to ${why}`;
  }
  return null;
}

/**
 * A `lookup` for `http.request` that refuses to connect to an address the policy does not
 * allow: the check is on the very address the socket will use, so a DNS answer that changed
 * since the URL was set (or changes between two lookups) cannot slip through.
 */
export function guardedLookup(policy: WebhookUrlPolicy) {
  return (
    hostname: string,
    options: LookupOptions,
    callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '');
      for (const a of addresses) {
        const why = refusedAddress(a.address, policy);
        if (why) {
          const refused: NodeJS.ErrnoException = new Error(
            `webhook address not allowed: ${hostname} resolves to ${why}`,
          );
          refused.code = 'EWEBHOOKADDRESS';
          return callback(refused, '');
        }
      }
      const first = addresses[0];
      if (!first)
        return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '');
      if (options.all) return callback(null, addresses);
      callback(null, first.address, first.family);
    });
  };
}
