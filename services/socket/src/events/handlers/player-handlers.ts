import { MAX_WATCHED_USERS, rooms } from '@gamesocket/protocol';
import { requireAuth } from '../../auth/require-auth.js';
import { ServiceError } from '../../core/errors.js';
import type { EventHandlers } from '../handler.js';
import type { GameSocket } from '../../core/socket-types.js';
import { WATCH_PREFIX } from '../../presence/watch-registry.js';

const watchedCount = (socket: GameSocket): number =>
  [...socket.rooms].filter((room) => room.startsWith(WATCH_PREFIX)).length;

/** `player:*` client events. */
export const playerHandlers: EventHandlers = {
  'player:status_change': {
    auth: true,
    handle: async ({ socket, presence }, { status }) => {
      const { userId } = requireAuth(socket);
      await presence.setOwnStatus(userId, status);
    },
  },
  'player:watch': {
    auth: true,
    // The ack lists the newly watched users' presence only: the others' changes already reach the socket.
    handle: async ({ socket, presence }, { userIds }) => {
      const added = userIds.filter((userId) => !socket.rooms.has(rooms.watchers(userId)));
      if (watchedCount(socket) + added.length > MAX_WATCHED_USERS) {
        throw new ServiceError('INVALID_PAYLOAD', `a socket watches at most ${MAX_WATCHED_USERS} users`);
      }
      if (added.length === 0) return [];
      return presence.watch(socket, added);
    },
  },
  'player:unwatch': {
    auth: true,
    handle: ({ socket }, { userIds }) => {
      for (const userId of userIds) void socket.leave(rooms.watchers(userId));
    },
  },
};
