import type { Stage } from './inbound.js';
import { notify } from '../delivery/notify.js';

/**
 * The rate-limit stage: each socket's token bucket (`RATE_LIMIT_PER_SEC`, `RATE_LIMIT_BURST`). An event
 * over it is refused with `RATE_LIMITED` — every ack is answered, without an ack only the first refusal
 * of a streak is reported — and a socket refused `5 x burst` times in a row is disconnected.
 */
export function floodGuard(burst: number): Stage {
  const floodLimit = burst * 5;
  return ({ ctx, ack, limiter }) => {
    if (limiter.take()) return undefined;
    const refused = limiter.refusedInARow;
    if (refused >= floodLimit) {
      if (refused === floodLimit) {
        ctx.log.info({ socketId: ctx.socket.id, userId: ctx.socket.data.user?.userId }, 'flooding socket disconnected');
        notify(ctx.socket, 'system:error', { code: 'RATE_LIMITED', message: 'too many events: disconnected' });
        ctx.socket.disconnect(true);
      }
      return { refuse: { code: 'RATE_LIMITED', message: 'too many events: disconnected' }, silent: true };
    }
    return {
      refuse: { code: 'RATE_LIMITED', message: 'too many events, slow down' },
      silent: ack === undefined && refused !== 1,
    };
  };
}
