import { rooms as roomNames } from '@gamesocket/protocol';
import type { MembershipSignals } from '@gamesocket/presence';
import type { GameServer } from '../core/socket-types.js';

/** Membership changes through this pod's Socket.IO server: its adapter carries them to every pod. */
export function podSignals(io: GameServer): MembershipSignals {
  return {
    join: (userId, rooms) => io.in(roomNames.user(userId)).socketsJoin(rooms),
    leave: (userId, rooms) => io.in(roomNames.user(userId)).socketsLeave(rooms),
    clear: (room) => io.in(room).socketsLeave(room),
    emit: (to, ...[event, payload]) => {
      // One overload per event keeps the catalogue's typing at the call.
      if (event === 'room:player_joined') io.to(to).emit(event, payload);
      else io.to(to).emit(event, payload);
    },
  };
}
