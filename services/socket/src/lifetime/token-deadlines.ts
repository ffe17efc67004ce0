import { notify } from '../delivery/notify.js';
import type { GameSocket } from '../core/socket-types.js';

// setTimeout takes at most 2^31-1 ms (~24.8 days): a later deadline is reached in steps.
const MAX_TIMER_MS = 2_147_483_647;

/** The token deadlines of a pod's sockets, on one shared timer. */
export interface TokenLifetimes {
  /** Arms `socket`'s warning and expiry (no-op for an anonymous socket or one without `exp`). */
  watch(socket: GameSocket): void;
  /** Forgets `socket` (call on `disconnect`): nothing fires for it afterwards. */
  forget(socket: GameSocket): void;
}

/**
 * Ends a socket's identity when its token stops verifying (`exp` + the clock tolerance the
 * handshake accepts, so a reconnect with the same token is refused rather than looping):
 * `system:error { AUTH_EXPIRED }`, then the transport is closed (not the namespace), so the client
 * reconnects with its refreshed cookie. Optionally warns `warningSec` before `exp` with
 * `system:token_expiring`.
 *
 * One timer per pod, not two per socket: sockets wait in sets keyed by their deadline (a whole
 * second when `exp` is, as JWTs have it), and the timer is armed for the earliest key. A deadline
 * is never served early; a fractional `exp` is served at most 1 s late.
 */
export function createTokenLifetimes(
  options: { warningSec: number; clockToleranceSec: number },
  now: () => number = Date.now,
): TokenLifetimes {
  const { warningSec, clockToleranceSec } = options;
  // Deadline (whole seconds since the epoch) -> sockets due then.
  const warnings = new Map<number, Set<GameSocket>>();
  const expiries = new Map<number, Set<GameSocket>>();
  let timer: NodeJS.Timeout | undefined;
  let armedFor = Infinity;

  const warnAt = (exp: number): number => Math.ceil(exp - warningSec);
  const expireAt = (exp: number): number => Math.ceil(exp + clockToleranceSec);

  const add = (due: Map<number, Set<GameSocket>>, sec: number, socket: GameSocket): void => {
    let set = due.get(sec);
    if (set === undefined) due.set(sec, (set = new Set()));
    set.add(socket);
    if (sec * 1000 < armedFor) arm(sec * 1000);
  };

  const remove = (due: Map<number, Set<GameSocket>>, sec: number, socket: GameSocket): void => {
    const set = due.get(sec);
    if (set?.delete(socket) === true && set.size === 0) due.delete(sec);
  };

  const arm = (atMs: number): void => {
    if (timer !== undefined) clearTimeout(timer);
    armedFor = atMs;
    timer = setTimeout(fire, Math.min(MAX_TIMER_MS, Math.max(0, atMs - now())));
    // The sockets keep the process alive, not their deadlines (a closed server leaves none to serve).
    timer.unref();
  };

  const warn = (socket: GameSocket): void => {
    if (socket.connected) notify(socket, 'system:token_expiring', { exp: socket.data.tokenExp! });
  };

  const expire = (socket: GameSocket): void => {
    if (!socket.connected) return;
    notify(socket, 'system:error', {
      code: 'AUTH_EXPIRED',
      message: 'the access token expired: refresh and reconnect',
    });
    // Let the error frame go out before the transport closes.
    setImmediate(() => socket.conn.close());
  };

  // Serves every deadline that has passed (warnings first), then re-arms for the next one.
  function fire(): void {
    timer = undefined;
    armedFor = Infinity;
    const nowSec = now() / 1000;
    let next = Infinity;
    for (const [due, act] of [
      [warnings, warn],
      [expiries, expire],
    ] as const) {
      for (const [sec, sockets] of due) {
        if (sec <= nowSec) {
          due.delete(sec);
          sockets.forEach(act);
        } else if (sec < next) {
          next = sec;
        }
      }
    }
    if (next !== Infinity && timer === undefined) arm(next * 1000);
  }

  return {
    watch(socket) {
      const exp = socket.data.tokenExp;
      if (socket.data.user === null || exp === undefined) return;
      if (warningSec > 0 && (exp - warningSec) * 1000 > now()) add(warnings, warnAt(exp), socket);
      add(expiries, expireAt(exp), socket);
    },
    forget(socket) {
      const exp = socket.data.tokenExp;
      if (socket.data.user === null || exp === undefined) return;
      remove(warnings, warnAt(exp), socket);
      remove(expiries, expireAt(exp), socket);
    },
  };
}
