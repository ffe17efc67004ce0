import type { RequestStage } from './pipeline.js';

/** Options of `originCheck`. */
export interface OriginCheckOptions {
  /** Also allow pages served by this service itself (Origin = http://<Host>): dev mode's demo page. */
  allowSameOrigin?: boolean;
  onRefused?: (origin: string) => void;
}

/**
 * The handshake's Origin stage: refuses a foreign Origin before any handshake, for websocket and
 * polling alike (CORS does not protect websockets). A request without Origin is not from a
 * cross-site page (browsers always send it cross-origin), so it passes.
 */
export function originCheck(allowedOrigins: readonly string[], options: OriginCheckOptions = {}): RequestStage {
  const allowed = new Set(allowedOrigins);
  const { allowSameOrigin = false, onRefused } = options;
  return (req) => {
    const origin = req.headers.origin;
    const sameOrigin = allowSameOrigin && origin === `http://${req.headers.host ?? ''}`;
    if (origin === undefined || allowed.has(origin) || sameOrigin) return undefined;
    onRefused?.(origin);
    return 'origin not allowed';
  };
}
