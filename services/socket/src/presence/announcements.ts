import { LOBBY_ROOM, rooms } from '@gamesocket/protocol';
import type { UserRef } from '@gamesocket/presence';
import type { GameServer } from '../core/socket-types.js';

/**
 * The one place presence changes are announced: `player:online`, `player:offline` and
 * `player:status_change`, each to the lobby and to the user's watchers.
 */
export class Announcements {
  constructor(private readonly io: GameServer) {}

  /** `player:online` for a user whose first socket anywhere arrived (or whom the store had lost). */
  online(user: UserRef): void {
    this.io
      .to([LOBBY_ROOM, rooms.watchers(user.userId)])
      .emit('player:online', { userId: user.userId, username: user.username, timestamp: Date.now() });
  }

  /** `player:offline` for each user whose last socket anywhere went. */
  offline(users: readonly UserRef[]): void {
    for (const user of users) {
      this.io
        .to([LOBBY_ROOM, rooms.watchers(user.userId)])
        .emit('player:offline', { userId: user.userId, username: user.username, timestamp: Date.now() });
    }
  }

  /** `player:status_change` for a status just stored. */
  statusChanged(userId: string, status: string): void {
    this.io
      .to([LOBBY_ROOM, rooms.watchers(userId)])
      .emit('player:status_change', { userId, status, timestamp: Date.now() });
  }
}
