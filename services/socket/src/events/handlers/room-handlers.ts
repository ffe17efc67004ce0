import { rooms, type RoomJoinResult, type RoomName } from '@gamesocket/protocol';
import { requireAuth } from '../../auth/require-auth.js';
import { ServiceError } from '../../core/errors.js';
import type { EventHandlers, HandlerContext } from '../handler.js';

/** Runs a membership store call; a store that cannot answer is `UNAVAILABLE`, not `INTERNAL`. */
async function stored<T>({ log }: HandlerContext, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof ServiceError) throw err;
    log.warn({ err }, 'membership store call failed');
    throw new ServiceError('UNAVAILABLE', 'memberships are unavailable, try again');
  }
}

async function joinWithTicket(ctx: HandlerContext, room: RoomName, ticket: string): Promise<RoomJoinResult> {
  const user = requireAuth(ctx.socket);
  if (!(await ctx.tickets.verify(ticket, user.userId, room))) {
    throw new ServiceError('FORBIDDEN', `no valid ticket for ${room}`);
  }
  // The membership is the user's: every socket of theirs joins, now and on every later connection.
  await stored(ctx, () => ctx.presence.memberships.join(user, [room]));
  return { room, members: await stored(ctx, () => ctx.presence.members(room)) };
}

async function leave(ctx: HandlerContext, room: RoomName): Promise<void> {
  const { userId } = requireAuth(ctx.socket);
  await stored(ctx, () => ctx.presence.memberships.leave(userId, [room], 'left'));
}

/**
 * Joining `room:<id>` / `match:<id>` needs a room ticket from a backend service (or a backend
 * join); a client can never join a room by naming it alone, nor any `user:` room. A join or leave
 * is the user's, not the socket's: it holds for every tab and outlives the connection.
 */
export const roomHandlers: EventHandlers = {
  'room:join': { auth: true, handle: (ctx, { roomId, ticket }) => joinWithTicket(ctx, rooms.room(roomId), ticket) },
  'match:join': {
    auth: true,
    handle: (ctx, { matchId, ticket }) => joinWithTicket(ctx, rooms.match(matchId), ticket),
  },
  'room:leave': { auth: true, handle: (ctx, { roomId }) => leave(ctx, rooms.room(roomId)) },
  'match:leave': { auth: true, handle: (ctx, { matchId }) => leave(ctx, rooms.match(matchId)) },
};
