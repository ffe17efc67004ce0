import { rooms, type UserPresence } from '@gamesocket/protocol';
import type { Presence } from '@gamesocket/presence';
import type { Logger } from '../core/logger.js';
import type { GameServer } from '../core/socket-types.js';

const WATCH_PREFIX = rooms.watchers('x').slice(0, -1);

/**
 * This pod's watcher registrations in the store (`Presence.watch`): a user some socket of the pod
 * watches is registered before the watch is answered, and unregistered once the pod's last watching
 * socket left (the room `watch:<userId>` is gone), so a pod with nobody watching a user never
 * publishes that user's online and offline. A registration left behind (the store was down, the pod
 * died) costs only a broadcast nobody gets; reaping the pod removes it.
 */
export class WatchRegistry {
  /** Users whose watch room this pod deleted, unregistered together after the current tick. */
  private readonly pending = new Set<string>();
  private flushing = false;

  constructor(
    private readonly io: GameServer,
    private readonly presence: Presence,
    private readonly nodeId: string,
    private readonly log: Logger,
  ) {
    io.of('/').adapter.on('delete-room', (room: string) => {
      if (!room.startsWith(WATCH_PREFIX)) return;
      this.pending.add(room.slice(WATCH_PREFIX.length));
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Registers this pod as a watcher of `userIds` (its sockets just joined their rooms) and reads their presence. */
  watch(userIds: readonly string[]): Promise<UserPresence[]> {
    return this.presence.watch(this.nodeId, userIds);
  }

  /** Registers again every user a socket of this pod watches (the store lost them, or reaped this pod). */
  async restore(): Promise<void> {
    const userIds: string[] = [];
    for (const room of this.io.of('/').adapter.rooms.keys()) {
      if (room.startsWith(WATCH_PREFIX)) userIds.push(room.slice(WATCH_PREFIX.length));
    }
    if (userIds.length > 0) await this.presence.watch(this.nodeId, userIds);
  }

  private flush(): void {
    this.flushing = false;
    const localRooms = this.io.of('/').adapter.rooms;
    // A room joined again since it was deleted was registered again by its watch: it stays.
    const userIds = [...this.pending].filter((userId) => !localRooms.has(WATCH_PREFIX + userId));
    this.pending.clear();
    if (userIds.length === 0) return;
    this.presence.unwatch(this.nodeId, userIds).catch((err: unknown) => {
      this.log.debug({ err, users: userIds.length }, 'watcher unregistration failed; left to the reaper');
    });
  }
}
