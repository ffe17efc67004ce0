import { isIP } from 'node:net';

/** One IP address or CIDR block, as `node:net`'s `BlockList` takes it. */
export interface Cidr {
  address: string;
  type: 'ipv4' | 'ipv6';
  /** Prefix length; undefined for a single address. */
  prefix: number | undefined;
}

/** Parses `10.0.0.1`, `10.0.0.0/8`, `::1` or `fd00::/8`; undefined when it is none of these. */
export function parseCidr(text: string): Cidr | undefined {
  const [address = '', bits, ...rest] = text.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return undefined;
  const type = family === 6 ? 'ipv6' : 'ipv4';
  if (bits === undefined) return { address, type, prefix: undefined };
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > (family === 6 ? 128 : 32)) return undefined;
  return { address, type, prefix: Number(bits) };
}
