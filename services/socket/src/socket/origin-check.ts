import type { IncomingMessage } from 'node:http';

/**
 * Engine.IO `allowRequest`: refuses a foreign Origin before any handshake, for websocket and
 * polling alike (CORS does not protect websockets). A request without Origin is not from a
 * cross-site page (browsers always send it cross-origin), so it passes.
 */
export function originCheck(allowedOrigins: readonly string[], onRefused?: (origin: string) => void) {
  const allowed = new Set(allowedOrigins);
  return (req: IncomingMessage, callback: (err: string | null | undefined, success: boolean) => void): void => {
    const origin = req.headers.origin;
    if (origin === undefined || allowed.has(origin)) {
      callback(null, true);
      return;
    }
    onRefused?.(origin);
    callback('origin not allowed', false);
  };
}
