import type { LobbyStats, UserPresence } from '@gamesocket/protocol';
import type { Presence } from '@gamesocket/presence';
import { ServiceError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { GameSocket } from '../core/socket-types.js';
import type { Announcements } from './announcements.js';
import { cachedPromise } from './cached-promise.js';
import { STATUS_BURST, STATUS_PER_SEC, StatusRateLimit } from './status-rate-limit.js';
import type { WatchRegistry } from './watch-registry.js';

const STATS_CACHE_MS = 1000;

/**
 * What sockets and backends ask of presence: set a status, read users, lobby stats. A store
 * failure is logged and rejects with `ServiceError('UNAVAILABLE')`.
 */
export class PresenceRequests {
  /** `{ online, connections, nodes }` from counters, cached for a second per pod (any socket may ask). */
  readonly stats: () => Promise<LobbyStats>;
  private readonly ownStatus = new StatusRateLimit();

  constructor(
    private readonly presence: Presence,
    private readonly watches: Pick<WatchRegistry, 'watch'>,
    private readonly announce: Announcements,
    private readonly log: Logger,
  ) {
    this.stats = cachedPromise(() => this.guard(() => presence.stats()), STATS_CACHE_MS);
  }

  /**
   * Stores an online user's status and announces a change (a status the user already had is not
   * announced); resolves false (and announces nothing) when the user is offline.
   */
  async setStatus(userId: string, status: string): Promise<boolean> {
    const result = await this.guard(() => this.presence.setStatus(userId, status));
    if (result === 'changed') this.announce.statusChanged(userId, status);
    return result !== 'offline';
  }

  /**
   * A user's own status change (from one of their sockets): as `setStatus`, within the user's budget
   * on this pod (`StatusRateLimit`); over it, rejects with `ServiceError('RATE_LIMITED')` and stores nothing.
   */
  setOwnStatus(userId: string, status: string): Promise<boolean> {
    if (!this.ownStatus.take(userId)) {
      return Promise.reject(
        new ServiceError(
          'RATE_LIMITED',
          `status changes too fast: ${STATUS_BURST} at once, then ${STATUS_PER_SEC} per second`,
        ),
      );
    }
    return this.setStatus(userId, status);
  }

  /** Current presence of these users. */
  getMany(userIds: readonly string[]): Promise<UserPresence[]> {
    return this.guard(() => this.presence.getMany(userIds));
  }

  /** Watches these users from `socket` and reads their presence (`WatchRegistry.watch`). */
  watch(socket: GameSocket, userIds: readonly string[]): Promise<UserPresence[]> {
    return this.guard(() => this.watches.watch(socket, userIds));
  }

  private async guard<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      this.log.warn({ err }, 'presence unavailable');
      throw new ServiceError('UNAVAILABLE', 'presence is unavailable, try again');
    }
  }
}
