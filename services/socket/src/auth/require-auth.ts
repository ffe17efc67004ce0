import type { User } from '@gamesocket/protocol';
import { ServiceError } from '../core/errors.js';
import type { GameSocket } from '../core/socket-types.js';

/**
 * Guards a protected event: returns the socket's user, or throws `AUTH_REQUIRED` (which the
 * event router answers to the client).
 */
export function requireAuth(socket: GameSocket): User {
  const user = socket.data.user;
  if (user === null || user === undefined) {
    throw new ServiceError('AUTH_REQUIRED', 'this event needs a signed-in user');
  }
  return user;
}
