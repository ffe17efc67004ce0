import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import { parseCidr } from '../config/cidr.js';

/** Which peers are trusted proxies (built once from `TRUSTED_PROXIES`). */
export interface TrustedProxies {
  has(address: string): boolean;
}

/** Normalises `::ffff:1.2.3.4` (an IPv4 peer on a dual-stack socket) to `1.2.3.4`. */
export function normalizeAddress(address: string): string {
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(address) ? address.slice(7) : address;
}

/**
 * Builds the trusted-proxy set from IPs and CIDRs (see `parseCidr`); empty = trust nobody.
 * @throws Error on an entry that is neither (the config refuses those at boot).
 */
export function trustedProxies(entries: readonly string[]): TrustedProxies {
  if (entries.length === 0) return { has: () => false };
  const list = new BlockList();
  for (const entry of entries) {
    const cidr = parseCidr(entry);
    if (cidr === undefined) throw new Error(`not an IP or CIDR: ${JSON.stringify(entry)}`);
    if (cidr.prefix === undefined) list.addAddress(cidr.address, cidr.type);
    else list.addSubnet(cidr.address, cidr.prefix, cidr.type);
  }
  return {
    has(address) {
      const normalized = normalizeAddress(address);
      const family = isIP(normalized);
      return family !== 0 && list.check(normalized, family === 6 ? 'ipv6' : 'ipv4');
    },
  };
}

const IPV4_PORT = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/;
const BRACKETED = /^\[([^\]]*)\](?::(\d{1,5}))?$/;

/**
 * The address of one `X-Forwarded-For` entry: an IP, `ipv4:port`, `[ipv6]` or `[ipv6]:port` (some
 * balancers append the client's port); undefined for anything else. A bare IPv6 address is never
 * read as `address:port`.
 */
export function forwardedAddress(entry: string): string | undefined {
  const text = entry.trim();
  const bracketed = BRACKETED.exec(text);
  const withPort = bracketed ?? IPV4_PORT.exec(text);
  if (withPort !== null && Number(withPort[2] ?? 0) > 65535) return undefined;
  const address = withPort?.[1] ?? text;
  const family = isIP(address);
  if (family === 0 || (bracketed !== null && family !== 6)) return undefined;
  return normalizeAddress(address);
}

/**
 * The client's address: the TCP peer, unless the peer is a trusted proxy; then the right-most
 * address of `X-Forwarded-For` that is not itself a trusted proxy (entries left of it are whatever
 * the client wrote, so they are never believed). A header from an untrusted peer is ignored. A
 * malformed entry met on the way is refused: the peer is the client, and `onMalformed` hears of it
 * (every client behind that proxy then shares its address: the operator must know).
 */
export function clientAddress(
  req: IncomingMessage,
  trusted: TrustedProxies,
  onMalformed?: (entry: string) => void,
): string {
  const peer = normalizeAddress(req.socket.remoteAddress ?? '');
  if (!trusted.has(peer)) return peer;
  const header = req.headers['x-forwarded-for'];
  if (header === undefined) return peer;
  const hops = (Array.isArray(header) ? header.join(',') : header).split(',');
  let client = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = forwardedAddress(hops[i] ?? '');
    if (hop === undefined) {
      onMalformed?.((hops[i] ?? '').trim());
      return peer;
    }
    client = hop;
    if (!trusted.has(hop)) break;
  }
  return client;
}

/**
 * The key limits are counted under: the IPv4 address, or the /64 of an IPv6 address (one subscriber
 * usually holds a whole /64, so per-address limits would be free to bypass).
 */
export function addressKey(address: string): string {
  if (isIP(address) !== 6) return address;
  const [head = '', tail = ''] = address.toLowerCase().split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::')
    ? [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups]
    : headGroups;
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
