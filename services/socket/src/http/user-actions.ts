import { rooms as roomNames, type RoomName, type UserId } from '@gamesocket/protocol';
import type { DenyList, DenyTarget } from '@gamesocket/presence';
import type { GameServer } from '../core/socket-types.js';
import type { PresenceTracker } from '../presence/presence-tracker.js';

/** What the actions act through. */
export interface UserActionsDeps {
  io: GameServer;
  presence: PresenceTracker;
  denyList: DenyList;
}

/**
 * The operations on a user that both the backend API (`POST /v1/leave`, `/v1/disconnect`,
 * `/v1/revoke`) and the admin view's forms perform: one implementation, so an operator's kick is
 * exactly a backend's.
 */
export interface UserActions {
  /** Ends the user's memberships of `rooms` (`room:player_left`, reason `kicked`); resolves those they held. */
  kick(userId: UserId, rooms: readonly RoomName[]): Promise<RoomName[]>;
  /** Closes every socket of the user on every pod; the client may reconnect. */
  disconnect(userId: UserId): void;
  /**
   * Denies a user's tokens (or one token by `jti`) until `until` (epoch ms);
   * revoking a user also ends their memberships (`revoked`) and closes their sockets on every pod.
   * Resolves the rooms a revoked user held.
   */
  revoke(target: DenyTarget, until: number): Promise<RoomName[]>;
}

/** The user actions of a pod. */
export function userActions(deps: UserActionsDeps): UserActions {
  const disconnect = (userId: UserId): void => {
    deps.io.in(roomNames.user(userId)).disconnectSockets(true);
  };
  return {
    kick: (userId, rooms) => deps.presence.memberships.leave(userId, rooms, 'kicked'),
    disconnect,
    async revoke(target, until) {
      await deps.denyList.deny(target, until);
      if (!('userId' in target)) return [];
      const ended = await deps.presence.memberships.revoke(target.userId);
      disconnect(target.userId);
      return ended;
    },
  };
}
