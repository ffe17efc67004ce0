import type { User } from '@gamesocket/protocol';
import { EventError } from '../socket/event-error.js';
import type { GameSocket } from '../socket/types.js';

/**
 * Guards a protected event: returns the socket's user, or throws `AUTH_REQUIRED` (which the
 * event router answers to the client).
 */
export function requireAuth(socket: GameSocket): User {
  const user = socket.data.user;
  if (user === null || user === undefined) {
    throw new EventError('AUTH_REQUIRED', 'this event needs a signed-in user');
  }
  return user;
}
