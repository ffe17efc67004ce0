import { LOBBY_ROOM, rooms, type LobbyStats, type UserPresence } from '@gamesocket/protocol';
import type { Presence, SocketEntry, UserRef } from '@gamesocket/presence';
import type { Metrics } from '../core/metrics.js';
import type { Logger } from '../core/logger.js';
import { ServiceError } from '../core/errors.js';
import type { GameServer, GameSocket } from '../core/socket-types.js';

/** Options of the tracker. */
export interface PresenceTrackerOptions {
  nodeId: string;
  /** Sockets one user may hold across the cluster. */
  maxConnectionsPerUser: number;
  /** Node heartbeat TTL; heartbeats every third of it, reaping every fifth. */
  ttlMs: number;
  /** False while the presence store is known to be unreachable: handshakes skip it instead of waiting. */
  storeUp(): boolean;
}

const RESUBSCRIBE_SETTLE_MS = 2500;
const BOOT_WAIT_MS = 5000;
const STATS_CACHE_MS = 1000;
/** At shutdown, how long drained sockets' removals may still take (a slow Redis must not hold the exit). */
const DRAIN_REMOVALS_WAIT_MS = 2000;

/**
 * Connects Socket.IO to a `Presence`: registers every authenticated socket (refusing one over the
 * per-user cap in the handshake), announces `player:online` / `player:offline` /
 * `player:status_change` to the lobby and to watchers, heartbeats this pod, reaps dead pods, and
 * resyncs this pod's sockets after a Redis outage. Presence failures never refuse a connection:
 * the pod marks itself dirty and converges once Redis answers again.
 */
export class PresenceTracker {
  /** socketId -> entry, for this pod's authenticated sockets */
  private readonly local = new Map<string, SocketEntry>();
  /** Sockets that closed while presence was unreachable: their users may be offline after the resync. */
  private readonly missedRemovals = new Map<string, SocketEntry>();
  private readonly timers: NodeJS.Timeout[] = [];
  /** Engine.IO connection -> the id of its socket tracked here (for a close before `connection`). */
  private readonly tracked = new WeakMap<object, string>();
  // One listener for every connection (called with the connection as `this`), not a closure per socket.
  private readonly onConnClose = ((tracker: PresenceTracker) =>
    function (this: object): void {
      const socketId = tracker.tracked.get(this);
      if (socketId !== undefined) tracker.release(socketId);
    })(this);
  private dirty = true;
  /** Bumped on every local add/remove: a sync that overlapped one must run again. */
  private generation = 0;
  private statsCache: { at: number; value: Promise<LobbyStats> } | undefined;
  private closing = false;
  /** Removals of drained sockets still running: awaited (bounded) before the store is released. */
  private readonly drainRemovals = new Set<Promise<void>>();
  /** Set when `shutdown` left this pod's sockets to the cluster's reaper. */
  private handedOff = false;
  private sawOutage = false;
  /** When the store came back after an outage (heartbeat view); cleared once settled. */
  private backSince: number | undefined;

  constructor(
    private readonly io: GameServer,
    private readonly presence: Presence,
    private readonly options: PresenceTrackerOptions,
    private readonly log: Logger,
    private readonly metrics: Metrics,
  ) {}

  /** Socket.IO middleware (after auth): registers the socket or refuses it with CONNECTION_LIMIT. */
  readonly middleware = async (socket: GameSocket, next: (err?: Error) => void): Promise<void> => {
    const user = socket.data.user;
    if (user === null) {
      next();
      return;
    }
    const entry: SocketEntry = {
      userId: user.userId,
      socketId: socket.id,
      nodeId: this.options.nodeId,
      username: user.username,
    };
    if (socket.recovered) {
      // A recovered socket is already in its rooms, but Socket.IO's adapter skips sockets that
      // are still in middlewares: awaiting Redis here would drop the broadcasts of that window.
      // It was accepted under the cap before; register it without waiting.
      this.track(socket, entry);
      if (this.options.storeUp()) {
        this.presence.addSocket(entry).then(
          (result) => {
            if (result.first) this.announceOnline({ userId: user.userId, username: user.username });
          },
          () => (this.dirty = true),
        );
      } else {
        this.dirty = true;
      }
      next();
      return;
    }
    try {
      if (!this.options.storeUp()) throw new Error('presence store is down');
      const result = await this.presence.addSocket(entry, this.options.maxConnectionsPerUser);
      if (!result.accepted) {
        this.metrics.handshakes.inc({ result: 'connection_limit' });
        next(
          new ServiceError(
            'CONNECTION_LIMIT',
            `at most ${this.options.maxConnectionsPerUser} connections per user`,
            'connection limit reached',
          ),
        );
        return;
      }
      if (result.first) this.announceOnline({ userId: user.userId, username: user.username });
    } catch (err) {
      // Presence is down: let the player in, converge later.
      this.dirty = true;
      this.log.warn({ err, socketId: socket.id }, 'presence add failed; will resync');
    }
    this.track(socket, entry);
    next();
  };

  /** Keeps `entry` as one of this pod's sockets until the socket or its transport closes. */
  private track(socket: GameSocket, entry: SocketEntry): void {
    this.local.set(socket.id, entry);
    this.generation++;
    // The transport may have closed during the awaits before: then Socket.IO drops the socket and
    // neither `close` (already fired) nor `disconnect` (never connected) would release it.
    if (socket.conn.readyState !== 'open') {
      this.release(socket.id);
      return;
    }
    this.tracked.set(socket.conn, socket.id);
    socket.conn.on('close', this.onConnClose);
  }

  /** Call on the socket's `disconnect`: releases it (the transport's `close` does otherwise). */
  disconnected(socket: GameSocket): void {
    if (this.tracked.get(socket.conn) === socket.id) {
      this.tracked.delete(socket.conn);
      socket.conn.off('close', this.onConnClose);
    }
    this.release(socket.id);
  }

  private release(socketId: string): void {
    const entry = this.local.get(socketId);
    if (entry === undefined || !this.local.delete(socketId)) return;
    if (this.closing) {
      // Draining: the user is probably on their way to another pod. Their last socket stays for the
      // reaper (see `shutdown`); the others go, so their reconnects are not refused by the per-user cap.
      if (this.options.storeUp()) {
        const removal = this.presence.removeSocket(entry, { keepLast: true }).then(
          () => undefined,
          () => undefined,
        );
        this.drainRemovals.add(removal);
        void removal.finally(() => this.drainRemovals.delete(removal));
      }
      return;
    }
    this.generation++;
    const missed = (err?: unknown): void => {
      this.dirty = true;
      this.missedRemovals.set(socketId, entry);
      if (err !== undefined) this.log.warn({ err, socketId }, 'presence remove failed; will resync');
    };
    if (!this.options.storeUp()) {
      missed();
      return;
    }
    this.presence.removeSocket(entry).then((result) => {
      // connections 0 without `last`: the store had lost this socket (Redis came back empty), and the user none left.
      if (result.last || result.connections === 0) {
        this.announceOffline([{ userId: entry.userId, username: result.username ?? entry.username ?? entry.userId }]);
      }
    }, missed);
  }

  private announceOnline(user: UserRef): void {
    this.io
      .to([LOBBY_ROOM, rooms.watchers(user.userId)])
      .emit('player:online', { userId: user.userId, username: user.username, timestamp: Date.now() });
  }

  private announceOffline(users: UserRef[]): void {
    for (const user of users) {
      this.io
        .to([LOBBY_ROOM, rooms.watchers(user.userId)])
        .emit('player:offline', { userId: user.userId, username: user.username, timestamp: Date.now() });
    }
  }

  /**
   * Stores an online user's status and broadcasts it to the lobby and watchers; resolves false
   * (and broadcasts nothing) when the user is offline.
   */
  async setStatus(userId: string, status: string): Promise<boolean> {
    const stored = await this.guard(() => this.presence.setStatus(userId, status));
    if (stored) {
      this.io
        .to([LOBBY_ROOM, rooms.watchers(userId)])
        .emit('player:status_change', { userId, status, timestamp: Date.now() });
    }
    return stored;
  }

  /** `{ online, connections, nodes }` from counters, cached for a second per pod (any socket may ask). */
  stats(): Promise<LobbyStats> {
    const now = Date.now();
    if (this.statsCache === undefined || now - this.statsCache.at > STATS_CACHE_MS) {
      const value = this.guard(() => this.presence.stats());
      this.statsCache = { at: now, value };
      value.catch(() => (this.statsCache = undefined));
    }
    return this.statsCache.value;
  }

  /** Current presence of these users. */
  getMany(userIds: readonly string[]): Promise<UserPresence[]> {
    return this.guard(() => this.presence.getMany(userIds));
  }

  private async guard<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      this.log.warn({ err }, 'presence unavailable');
      throw new ServiceError('UNAVAILABLE', 'presence is unavailable, try again');
    }
  }

  /** Starts heartbeats and the reaper; the first beat removes what a previous life under this NODE_ID left. */
  async start(): Promise<void> {
    const { ttlMs } = this.options;
    // Give the Redis connections a moment at boot, so the first beat clears a previous life at once.
    const deadline = Date.now() + BOOT_WAIT_MS;
    while (!this.options.storeUp() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    await this.beat();
    this.timers.push(setInterval(() => void this.beat(), Math.max(100, Math.floor(ttlMs / 3))));
    // Jitter so pods do not all reap at once (only one holds the reaper lock anyway).
    const reapEvery = Math.max(100, Math.floor(ttlMs / 5));
    this.timers.push(setInterval(() => void this.reap(), reapEvery + Math.floor(Math.random() * (reapEvery / 4))));
    for (const timer of this.timers) timer.unref();
  }

  private async beat(): Promise<void> {
    // After an outage, wait until every pod has had time to resubscribe (ioredis retries at most
    // every 2 s), or the online/offline announcements of the resync would be lost on their way.
    if (!this.options.storeUp()) {
      this.backSince = undefined;
      this.sawOutage = true;
      this.dirty = true;
      return;
    }
    if (this.sawOutage) {
      this.sawOutage = false;
      this.backSince = Date.now();
    }
    if (this.backSince !== undefined && Date.now() - this.backSince < RESUBSCRIBE_SETTLE_MS) return;
    this.backSince = undefined;
    try {
      const unknown = await this.presence.heartbeat(this.options.nodeId, this.options.ttlMs);
      // While draining, the store keeps the drained sockets on purpose (see `shutdown`): no sync.
      if ((unknown || this.dirty) && !this.closing) await this.sync();
    } catch (err) {
      this.dirty = true;
      this.log.debug({ err }, 'presence heartbeat failed');
    }
  }

  private async sync(): Promise<void> {
    const generation = this.generation;
    const result = await this.presence.syncNode(this.options.nodeId, [...this.local.values()]);
    // A socket that came or went meanwhile may be stored wrongly: sync again on the next beat.
    this.dirty = generation !== this.generation;
    for (const user of result.online) this.announceOnline(user);
    this.announceOffline(result.offline);
    // A socket that closed during the outage may have been its user's last one (even if Redis lost it).
    const missed = [...this.missedRemovals.values()];
    this.missedRemovals.clear();
    const announced = new Set(result.offline.map((user) => user.userId));
    const candidates = [...new Map(missed.map((entry) => [entry.userId, entry])).values()].filter(
      (entry) => !announced.has(entry.userId),
    );
    const now = await this.presence.getMany(candidates.map((entry) => entry.userId));
    this.announceOffline(
      candidates
        .filter((_, i) => now[i]?.online === false)
        .map((entry) => ({ userId: entry.userId, username: entry.username ?? entry.userId })),
    );
    if (result.online.length + result.offline.length > 0) {
      this.log.info({ online: result.online.length, offline: result.offline.length }, 'presence resynced');
    }
  }

  private async reap(): Promise<void> {
    try {
      const gone = await this.presence.reapDeadNodes();
      if (gone.length > 0) this.log.info({ users: gone.length }, 'reaped the sockets of dead pods');
      this.announceOffline(gone);
    } catch (err) {
      this.log.debug({ err }, 'presence reap failed');
    }
  }

  /**
   * Start of a graceful shutdown: from now on a closing socket that is its user's last stays in the
   * store, so a user who moves to another pod never looks offline; heartbeats go on, so the drain
   * may outlast the TTL.
   */
  beginDrain(): void {
    this.closing = true;
  }

  /**
   * End of the drain. With another pod alive, this pod's remaining sockets are handed to the
   * cluster's reaper: the node expires one TTL from now, and whoever has not reconnected elsewhere
   * by then goes offline. Sweeping at once would announce every user still on their way to another
   * pod offline, then online again: two lobby broadcasts per user, in the middle of the reconnect
   * storm. Alone, the pod sweeps itself.
   */
  async shutdown(): Promise<void> {
    this.beginDrain();
    for (const timer of this.timers) clearInterval(timer);
    await this.settleDrainRemovals();
    try {
      if ((await this.presence.stats()).nodes > 1) {
        await this.presence.heartbeat(this.options.nodeId, this.options.ttlMs);
        this.handedOff = true;
        this.log.info({ ttlMs: this.options.ttlMs }, 'drained; sockets not back elsewhere are left to the reaper');
        return;
      }
    } catch (err) {
      this.log.warn({ err }, 'presence unavailable at shutdown; sweeping');
    }
    await this.sweep();
  }

  /**
   * After Socket.IO closed: removes what handshakes that were already past the drain check added
   * meanwhile (unless the reaper has it), then releases the store.
   */
  async close(): Promise<void> {
    await this.settleDrainRemovals();
    if (!this.handedOff) await this.sweep();
    await this.presence.close();
  }

  private async settleDrainRemovals(): Promise<void> {
    if (this.drainRemovals.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(this.drainRemovals),
      new Promise((resolve) => (timer = setTimeout(resolve, DRAIN_REMOVALS_WAIT_MS))),
    ]);
    clearTimeout(timer);
  }

  private async sweep(): Promise<void> {
    try {
      this.announceOffline(await this.presence.removeNode(this.options.nodeId));
    } catch (err) {
      this.log.warn({ err }, 'presence cleanup failed at shutdown; other pods will reap this one');
    }
  }
}
