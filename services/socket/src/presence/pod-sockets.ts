import type { SocketEntry } from '@gamesocket/presence';

/**
 * This pod's authenticated sockets, and whether the presence store may differ from them. Every
 * job of the tracker reads or changes it: registration and release keep it, the heartbeat resyncs
 * the store to it when it is dirty.
 */
export class PodSockets {
  /** socketId -> entry */
  private readonly held = new Map<string, SocketEntry>();
  /** Sockets that closed while presence was unreachable: their users may be offline after the resync. */
  private readonly missed = new Map<string, SocketEntry>();
  /** Bumped on every add or removal: a resync that overlapped one must run again. */
  private version = 0;
  /** True while the store may differ from these sockets; the next heartbeat that reaches it resyncs. True at start. */
  dirty = true;

  /** Holds `entry` as one of this pod's sockets. */
  add(entry: SocketEntry): void {
    this.held.set(entry.socketId, entry);
    this.version++;
  }

  /** Stops holding `socketId`; returns its entry, or undefined when it was not held (released once only). */
  take(socketId: string): SocketEntry | undefined {
    const entry = this.held.get(socketId);
    if (entry === undefined) return undefined;
    this.held.delete(socketId);
    this.version++;
    return entry;
  }

  /** Records a removal the store did not get: marks dirty, and the resync checks whether its user went offline. */
  missedRemoval(entry: SocketEntry): void {
    this.dirty = true;
    this.missed.set(entry.socketId, entry);
  }

  /** The sockets held now, and the version to pass to `synced` once the store equals them. */
  snapshot(): { entries: SocketEntry[]; version: number } {
    return { entries: [...this.held.values()], version: this.version };
  }

  /** After the store was made equal to the snapshot of `version`: still dirty if a socket came or went meanwhile. */
  synced(version: number): void {
    this.dirty = version !== this.version;
  }

  /** The missed removals recorded so far, forgotten here. */
  takeMissedRemovals(): SocketEntry[] {
    const missed = [...this.missed.values()];
    this.missed.clear();
    return missed;
  }
}
