import { rooms, type UserPresence } from '@gamesocket/protocol';
import type { Presence } from '@gamesocket/presence';
import type { Logger } from '../core/logger.js';
import type { GameServer, GameSocket } from '../core/socket-types.js';

/** What every watch room's name starts with (`watch:<userId>`). */
export const WATCH_PREFIX = rooms.watchers('x').slice(0, -1);

/** Options of the registry. */
export interface WatchRegistryOptions {
  nodeId: string;
  /**
   * How long a registration outlives the pod's last socket watching the user: the recovery window
   * when sessions recover (a watcher away that long must find what it missed in the replay), else 0.
   */
  lingerMs: number;
  /** A registration failed: the pod's next resync registers every watch again (`restore`). */
  onFailure(): void;
}

/**
 * This pod's watcher registrations in the store (`Presence.watch`), kept equal to its watch rooms
 * (`watch:<userId>`), so a pod with nobody watching a user never publishes that user's online and
 * offline. `player:watch` registers before it answers; a watch room that appears otherwise (a
 * recovered session comes back in its rooms) is registered after the current tick, and one whose
 * last socket left is unregistered `lingerMs` later if it is still gone. A registration left behind
 * (the store was down, the pod died) costs only a broadcast nobody gets; reaping the pod, or its
 * next resync, removes it.
 */
export class WatchRegistry {
  /** Users whose watch room appeared or vanished on this pod since the last flush. */
  private readonly pending = new Set<string>();
  private flushing = false;
  /** True while `watch` joins rooms it registers itself. */
  private joining = false;
  /** Users whose watch room vanished -> when they are unregistered; in that order (one linger for all). */
  private readonly lingering = new Map<string, number>();
  private lingerTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly io: GameServer,
    private readonly presence: Presence,
    private readonly options: WatchRegistryOptions,
    private readonly log: Logger,
  ) {
    const adapter = io.of('/').adapter;
    adapter.on('create-room', (room: string) => {
      if (!this.joining) this.changed(room);
    });
    adapter.on('delete-room', (room: string) => this.changed(room));
  }

  /**
   * Joins `socket` to the watch rooms of `userIds`, registers this pod as their watcher and reads
   * their presence. Rejects, with the socket out of those rooms again, when the store does.
   */
  async watch(socket: GameSocket, userIds: readonly string[]): Promise<UserPresence[]> {
    const watchRooms = userIds.map((userId) => rooms.watchers(userId));
    let joined: Promise<void> | void;
    this.joining = true;
    try {
      // Join first, then register and read: a change between the two still reaches the watcher as an event.
      joined = socket.join(watchRooms);
    } finally {
      this.joining = false;
    }
    try {
      await joined;
      return await this.presence.watch(this.options.nodeId, userIds);
    } catch (err) {
      // Not registered: other pods may not publish these users, so the socket does not pretend to watch them.
      for (const room of watchRooms) void socket.leave(room);
      throw err;
    }
  }

  /**
   * Makes the store's registrations of this pod exactly its watch rooms and its lingering ones (the
   * store lost them, reaped this pod, or missed a change).
   */
  async restore(): Promise<void> {
    const userIds = new Set(this.lingering.keys());
    for (const room of this.io.of('/').adapter.rooms.keys()) {
      if (room.startsWith(WATCH_PREFIX)) userIds.add(room.slice(WATCH_PREFIX.length));
    }
    await this.presence.syncWatches(this.options.nodeId, [...userIds]);
  }

  /** Stops the linger timer (at shutdown: reaping this pod removes its registrations). */
  stop(): void {
    clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
  }

  private changed(room: string): void {
    if (!room.startsWith(WATCH_PREFIX)) return;
    this.pending.add(room.slice(WATCH_PREFIX.length));
    if (!this.flushing) {
      this.flushing = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushing = false;
    const added: string[] = [];
    const removed: string[] = [];
    // What the pod holds now decides: a room that vanished and came back within the tick stays registered.
    for (const userId of this.pending) (this.holds(userId) ? added : removed).push(userId);
    this.pending.clear();
    for (const userId of added) this.lingering.delete(userId);
    if (added.length > 0) this.register(added);
    if (removed.length === 0) return;
    if (this.options.lingerMs <= 0) {
      this.unregister(removed);
      return;
    }
    const at = Date.now() + this.options.lingerMs;
    for (const userId of removed) {
      // Deleted first, so the map stays in the order of its deadlines.
      this.lingering.delete(userId);
      this.lingering.set(userId, at);
    }
    if (this.lingerTimer === undefined) this.scheduleLinger();
  }

  private scheduleLinger(): void {
    const head = this.lingering.values().next();
    if (head.done === true) {
      this.lingerTimer = undefined;
      return;
    }
    this.lingerTimer = setTimeout(
      () => {
        const now = Date.now();
        const due: string[] = [];
        for (const [userId, at] of this.lingering) {
          if (at > now) break;
          this.lingering.delete(userId);
          // Watched again meanwhile by `player:watch` (which registers by itself): it stays.
          if (!this.holds(userId)) due.push(userId);
        }
        this.unregister(due);
        this.scheduleLinger();
      },
      Math.max(0, head.value - Date.now()),
    );
    this.lingerTimer.unref();
  }

  private holds(userId: string): boolean {
    return this.io.of('/').adapter.rooms.has(WATCH_PREFIX + userId);
  }

  private register(userIds: string[]): void {
    this.presence.watch(this.options.nodeId, userIds).catch((err: unknown) => {
      this.log.warn({ err, users: userIds.length }, 'watcher registration failed; will resync');
      this.options.onFailure();
    });
  }

  private unregister(userIds: string[]): void {
    if (userIds.length === 0) return;
    this.presence.unwatch(this.options.nodeId, userIds).then(
      () => {
        // A registration sent meanwhile may have reached Redis first (a script reloaded, a cluster
        // redirection): a room held again by now is registered again, after the removal.
        const back = userIds.filter((userId) => this.holds(userId));
        if (back.length > 0) this.register(back);
      },
      (err: unknown) => {
        this.log.debug({ err, users: userIds.length }, 'watcher unregistration failed; left to the reaper');
      },
    );
  }
}
