import { LOBBY_ROOM } from '@gamesocket/protocol';
import { requireAuth } from '../../auth/require-auth.js';
import type { EventHandlers } from '../event-router.js';

/** `player:*` client events. */
export const playerHandlers: EventHandlers = {
  'player:status_change': {
    auth: true,
    handle: ({ io, socket }, { status }) => {
      const { userId } = requireAuth(socket);
      io.to(LOBBY_ROOM).emit('player:status_change', { userId, status, timestamp: Date.now() });
    },
  },
};
