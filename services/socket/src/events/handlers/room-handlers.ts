import { rooms, type RoomName } from '@gamesocket/protocol';
import { requireAuth } from '../../auth/require-auth.js';
import { ServiceError } from '../../core/errors.js';
import type { EventHandlers, HandlerContext } from '../handler.js';

async function joinWithTicket({ socket, tickets }: HandlerContext, room: RoomName, ticket: string): Promise<void> {
  const { userId } = requireAuth(socket);
  if (!(await tickets.verify(ticket, userId, room))) {
    throw new ServiceError('FORBIDDEN', `no valid ticket for ${room}`);
  }
  await socket.join(room);
}

/**
 * Joining `room:<id>` / `match:<id>` needs a room ticket from a backend service (or a backend
 * `joinRoom`); a client can never join a room by naming it alone, nor any `user:` room.
 */
export const roomHandlers: EventHandlers = {
  'room:join': { auth: true, handle: (ctx, { roomId, ticket }) => joinWithTicket(ctx, rooms.room(roomId), ticket) },
  'match:join': {
    auth: true,
    handle: (ctx, { matchId, ticket }) => joinWithTicket(ctx, rooms.match(matchId), ticket),
  },
  'room:leave': {
    auth: true,
    handle: async ({ socket }, { roomId }) => {
      await socket.leave(rooms.room(roomId));
    },
  },
  'match:leave': {
    auth: true,
    handle: async ({ socket }, { matchId }) => {
      await socket.leave(rooms.match(matchId));
    },
  },
};
