import { rooms } from '@gamesocket/protocol';
import type { UserRef } from '@gamesocket/presence';
import type { GameServer } from '../core/socket-types.js';
import type { LobbyFanout } from './lobby-fanout.js';

/**
 * The one place presence changes are announced: `player:online`, `player:offline` and
 * `player:status_change` at once to the user's watchers, and the same change to the lobby through
 * this pod's `lobby:presence_diff` (never one lobby message per user). A change the store reports
 * unwatched (no socket anywhere watches the user, `Presence.watch`) goes to the lobby only: no
 * broadcast through the adapter, which every other pod would decode for nobody.
 */
export class Announcements {
  constructor(
    private readonly io: GameServer,
    private readonly lobby: Pick<LobbyFanout, 'online' | 'offline' | 'status'>,
  ) {}

  /**
   * A user whose first socket anywhere arrived (or whom the store had lost) is online; `watched`
   * false when the store said nobody watches them.
   */
  online(user: UserRef, watched = true): void {
    if (watched) {
      this.io
        .to(rooms.watchers(user.userId))
        .emit('player:online', { userId: user.userId, username: user.username, timestamp: Date.now() });
    }
    this.lobby.online(user);
  }

  /** Each of these users' last socket anywhere went; `watched` false when the store said nobody watches them. */
  offline(users: readonly UserRef[], watched = true): void {
    for (const user of users) {
      if (watched) {
        this.io
          .to(rooms.watchers(user.userId))
          .emit('player:offline', { userId: user.userId, username: user.username, timestamp: Date.now() });
      }
      this.lobby.offline(user);
    }
  }

  /** A status just stored (and different from the one before). */
  statusChanged(userId: string, status: string): void {
    this.io.to(rooms.watchers(userId)).emit('player:status_change', { userId, status, timestamp: Date.now() });
    this.lobby.status(userId, status);
  }
}
