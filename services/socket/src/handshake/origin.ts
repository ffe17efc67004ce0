import type { RequestStage } from './pipeline.js';
import type { TrustedProxies } from './client-address.js';
import { requestOrigin } from './request-origin.js';

/** Options of `originCheck`. */
export interface OriginCheckOptions {
  /** Proxies whose `X-Forwarded-Proto` is believed for the request's own origin (`TRUSTED_PROXIES`). */
  trusted?: TrustedProxies;
  onRefused?: (origin: string) => void;
}

const TRUST_NOBODY: TrustedProxies = { has: () => false };

/**
 * The handshake's Origin stage: refuses a foreign Origin before any handshake, for websocket and
 * polling alike (CORS does not protect websockets). Passes a request without Origin (browsers always
 * send it cross-origin, so it is not a cross-site page), an Origin in `allowedOrigins`, and a
 * same-origin one: an Origin equal to the origin the request was addressed to (`requestOrigin`: the
 * scheme, then the Host header's host and port). A browser attaches cookies for the host it addresses,
 * so such a page can only ride its own site's cookie, never another's.
 */
export function originCheck(allowedOrigins: readonly string[], options: OriginCheckOptions = {}): RequestStage {
  const allowed = new Set(allowedOrigins);
  const { trusted = TRUST_NOBODY, onRefused } = options;
  return (req) => {
    const origin = req.headers.origin;
    if (origin === undefined || allowed.has(origin) || origin === requestOrigin(req, trusted)) return undefined;
    onRefused?.(origin);
    return 'origin not allowed';
  };
}
