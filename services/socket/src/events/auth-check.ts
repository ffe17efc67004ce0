import type { Stage } from './inbound.js';

/** The auth stage: a protected event from an anonymous socket is refused with `AUTH_REQUIRED`. */
export function authCheck(): Stage {
  return ({ ctx, handler }) =>
    handler?.auth === true && !ctx.socket.data.user
      ? { refuse: { code: 'AUTH_REQUIRED', message: 'this event needs a signed-in user' } }
      : undefined;
}
