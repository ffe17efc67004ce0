import { INTENTS, intentRoom, type ClientPayload, type IntentEvent } from '@gamesocket/protocol';
import { requireAuth } from '../../auth/require-auth.js';
import { ServiceError } from '../../core/errors.js';
import type { EventHandler, EventHandlers } from '../handler.js';

function intentHandler<E extends IntentEvent>(event: E): EventHandler<E> {
  return {
    auth: true,
    handle: async ({ socket, intents, nodeId }, payload: ClientPayload<E>) => {
      const user = requireAuth(socket);
      const room = intentRoom(event, payload);
      if (room !== undefined && !socket.rooms.has(room)) {
        throw new ServiceError('FORBIDDEN', `not a member of ${room}`);
      }
      const id = await intents.append(event, payload, {
        userId: user.userId,
        username: user.username,
        socketId: socket.id,
        nodeId,
      });
      return { id };
    },
  };
}

/** Every intent of the catalogue: checked, stamped with the sender, appended to its domain's stream. */
export const intentHandlers: EventHandlers = Object.fromEntries(
  (Object.keys(INTENTS) as IntentEvent[]).map((event) => [event, intentHandler(event)]),
);
