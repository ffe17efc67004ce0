import type { Presence, SocketEntry } from '@gamesocket/presence';
import type { Logger } from '../core/logger.js';
import type { GameSocket } from '../core/socket-types.js';
import type { Announcements } from './announcements.js';
import type { DrainHandoff } from './drain-handoff.js';
import type { PodSockets } from './pod-sockets.js';

/** What socket tracking needs besides the store. */
export interface SocketLifecycleDeps {
  presence: Presence;
  sockets: PodSockets;
  announce: Announcements;
  drain: Pick<DrainHandoff, 'draining' | 'release'>;
  /** False while the presence store is known to be unreachable: removals are recorded as missed instead. */
  storeUp(): boolean;
  log: Logger;
}

/**
 * Holds a registered socket until the socket or its transport closes, then removes it from the
 * store and announces `player:offline` when it was its user's last. A removal the store does not
 * get is recorded for the next resync; during a drain the drain hand-off releases the socket.
 */
export class SocketLifecycle {
  /** Engine.IO connection -> the id of its socket tracked here (for a close before `connection`). */
  private readonly tracked = new WeakMap<object, string>();
  // One listener for every connection (called with the connection as `this`), not a closure per socket.
  private readonly onConnClose = ((lifecycle: SocketLifecycle) =>
    function (this: object): void {
      const socketId = lifecycle.tracked.get(this);
      if (socketId !== undefined) lifecycle.release(socketId);
    })(this);

  constructor(private readonly deps: SocketLifecycleDeps) {}

  /** Keeps `entry` as one of this pod's sockets until the socket or its transport closes. */
  track(socket: GameSocket, entry: SocketEntry): void {
    this.deps.sockets.add(entry);
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
    const { sockets, presence, drain, log } = this.deps;
    const entry = sockets.take(socketId);
    if (entry === undefined) return;
    if (drain.draining) {
      drain.release(entry);
      return;
    }
    const missed = (err?: unknown): void => {
      sockets.missedRemoval(entry);
      if (err !== undefined) log.warn({ err, socketId }, 'presence remove failed; will resync');
    };
    if (!this.deps.storeUp()) {
      missed();
      return;
    }
    presence.removeSocket(entry).then((result) => {
      // connections 0 without `last`: the store had lost this socket (Redis came back empty), and the user none left.
      if (result.last || result.connections === 0) {
        this.deps.announce.offline(
          [{ userId: entry.userId, username: result.username ?? entry.username ?? entry.userId }],
          result.watched ?? true,
        );
      }
    }, missed);
  }
}
