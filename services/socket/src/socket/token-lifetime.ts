import { notify } from './notify.js';
import type { GameSocket } from './types.js';

// setTimeout takes at most 2^31-1 ms (~24.8 days); longer tokens are re-armed on reconnect anyway.
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Ends a socket's identity when its token stops verifying (`exp` + the clock tolerance the
 * handshake accepts, so a reconnect with the same token is refused rather than looping):
 * `system:error { AUTH_EXPIRED }`, then the transport is closed (not the namespace), so the client
 * reconnects with its refreshed cookie. Optionally warns `warningSec` before `exp` with
 * `system:token_expiring`.
 */
export function enforceTokenLifetime(
  socket: GameSocket,
  options: { warningSec: number; clockToleranceSec: number },
  now: () => number = Date.now,
): void {
  const exp = socket.data.tokenExp;
  if (socket.data.user === null || exp === undefined) return;
  const { warningSec, clockToleranceSec } = options;
  const timers: NodeJS.Timeout[] = [];
  const expiresInMs = (exp + clockToleranceSec) * 1000 - now();
  const warnInMs = (exp - warningSec) * 1000 - now();
  if (warningSec > 0 && warnInMs > 0) {
    timers.push(setTimeout(() => notify(socket, 'system:token_expiring', { exp }), Math.min(warnInMs, MAX_TIMER_MS)));
  }
  if (expiresInMs <= MAX_TIMER_MS) {
    timers.push(
      setTimeout(
        () => {
          notify(socket, 'system:error', {
            code: 'AUTH_EXPIRED',
            message: 'the access token expired: refresh and reconnect',
          });
          // Let the error frame go out before the transport closes.
          setImmediate(() => socket.conn.close());
        },
        Math.max(0, expiresInMs),
      ),
    );
  }
  socket.once('disconnect', () => timers.forEach(clearTimeout));
}
