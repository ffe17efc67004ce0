import type { IncomingMessage } from 'node:http';
import { normalizeAddress, type TrustedProxies } from './client-address.js';

/**
 * The scheme a request reached us with, as a browser saw it: `https` when this socket is TLS, or when
 * the peer is a trusted proxy whose `X-Forwarded-Proto` (its right-most entry: the one that proxy
 * wrote) says `https` or `wss`; `http` otherwise. A header from an untrusted peer is ignored.
 */
export function requestScheme(req: IncomingMessage, trusted: TrustedProxies): 'http' | 'https' {
  if ((req.socket as { encrypted?: boolean }).encrypted === true) return 'https';
  const header = req.headers['x-forwarded-proto'];
  if (header === undefined || !trusted.has(normalizeAddress(req.socket.remoteAddress ?? ''))) return 'http';
  const proto = (Array.isArray(header) ? header.join(',') : header).split(',').at(-1)?.trim().toLowerCase();
  return proto === 'https' || proto === 'wss' ? 'https' : 'http';
}

// Characters that would make the Host header more than `host[:port]` inside a URL.
const NOT_A_HOST = /[/?#@\\\s]/;

/**
 * The origin a request was addressed to: `<scheme>://<Host header>` (see `requestScheme`), serialised
 * as a browser serialises an `Origin` (host in lower case, the scheme's default port dropped).
 * Undefined without a Host header, or when it is more than `host[:port]` (user info, a path, a query).
 */
export function requestOrigin(req: IncomingMessage, trusted: TrustedProxies): string | undefined {
  const host = req.headers.host;
  if (host === undefined || host === '' || NOT_A_HOST.test(host)) return undefined;
  const scheme = requestScheme(req, trusted);
  try {
    return `${scheme}://${new URL(`${scheme}://${host}`).host}`;
  } catch {
    return undefined;
  }
}
