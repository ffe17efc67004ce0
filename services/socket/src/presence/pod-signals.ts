import { rooms as roomNames, type RoomName } from '@gamesocket/protocol';
import type { MembershipSignals } from '@gamesocket/presence';
import type { BroadcastOperator } from 'socket.io';
import type { GameServer } from '../core/socket-types.js';

type Mover = (sockets: BroadcastOperator<never, unknown>) => void;

/**
 * Moves the sockets in `target` on this pod now, then on every other pod through the adapter. The
 * adapters apply a non-local move to this pod's sockets only after a Redis round trip (the classic
 * one on its own message's echo), so a client acting on its ack could still be in a room it left.
 * The adapter's move leaves out the sockets moved here, so a late echo cannot undo a later change.
 */
function moveEverywhere(io: GameServer, target: RoomName, move: Mover): void {
  // Copied first: emptying `target` (a room's close) empties the adapter's own set.
  const here = [...(io.of('/').adapter.rooms.get(target) ?? [])];
  move(io.local.in(target));
  move(here.length === 0 ? io.in(target) : io.in(target).except(here));
}

/** Membership changes through this pod's Socket.IO server: its adapter carries them to every pod. */
export function podSignals(io: GameServer): MembershipSignals {
  return {
    join: (userId, rooms) => moveEverywhere(io, roomNames.user(userId), (sockets) => sockets.socketsJoin(rooms)),
    leave: (userId, rooms) => moveEverywhere(io, roomNames.user(userId), (sockets) => sockets.socketsLeave(rooms)),
    clear: (room) => moveEverywhere(io, room, (sockets) => sockets.socketsLeave(room)),
    emit: (to, ...[event, payload]) => {
      // One overload per event keeps the catalogue's typing at the call.
      if (event === 'room:player_joined') io.to(to).emit(event, payload);
      else io.to(to).emit(event, payload);
    },
  };
}
