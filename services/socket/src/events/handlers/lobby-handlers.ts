import { LOBBY_ROOM } from '@gamesocket/protocol';
import type { EventHandlers } from '../handler.js';

/** `lobby:*` client events; the lobby is public, anonymous sockets included. */
export const lobbyHandlers: EventHandlers = {
  'lobby:join': {
    auth: false,
    handle: async ({ socket }) => {
      await socket.join(LOBBY_ROOM);
    },
  },
  'lobby:stats': {
    auth: false,
    handle: ({ presence }) => presence.stats(),
  },
  'lobby:leave': {
    auth: false,
    handle: async ({ socket }) => {
      await socket.leave(LOBBY_ROOM);
    },
  },
};
