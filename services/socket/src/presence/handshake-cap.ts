import type { Presence, SocketEntry } from '@gamesocket/presence';
import { ServiceError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import type { GameSocket } from '../core/socket-types.js';
import type { Announcements } from './announcements.js';
import type { PodSockets } from './pod-sockets.js';
import type { SocketLifecycle } from './socket-lifecycle.js';

/** What the handshake stage needs. */
export interface HandshakeCapDeps {
  presence: Presence;
  nodeId: string;
  /** Sockets one user may hold across the cluster. */
  maxConnectionsPerUser: number;
  /** False while the presence store is known to be unreachable: handshakes skip it instead of waiting. */
  storeUp(): boolean;
  sockets: PodSockets;
  lifecycle: Pick<SocketLifecycle, 'track'>;
  announce: Announcements;
  metrics: Metrics;
  log: Logger;
}

/** A Socket.IO middleware. */
export type PresenceMiddleware = (socket: GameSocket, next: (err?: Error) => void) => Promise<void>;

/**
 * The handshake stage of presence (after auth): registers a signed-in socket in the store under
 * the per-user cap, announces `player:online` for a user's first socket, and hands the socket to
 * the lifecycle. One over the cap is refused with a `CONNECTION_LIMIT` `ServiceError` (the
 * handshake pipeline maps it). Presence failures never refuse: the socket gets in, the pod is
 * marked dirty and converges once the store answers again. Anonymous sockets pass untouched.
 */
export function createHandshakeCap(deps: HandshakeCapDeps): PresenceMiddleware {
  const { presence, sockets, lifecycle, announce } = deps;
  return async (socket, next) => {
    const user = socket.data.user;
    if (user === null) {
      next();
      return;
    }
    const entry: SocketEntry = {
      userId: user.userId,
      socketId: socket.id,
      nodeId: deps.nodeId,
      username: user.username,
    };
    if (socket.recovered) {
      // A recovered socket is already in its rooms, but Socket.IO's adapter skips sockets that
      // are still in middlewares: awaiting Redis here would drop the broadcasts of that window.
      // It was accepted under the cap before; register it without waiting.
      lifecycle.track(socket, entry);
      if (deps.storeUp()) {
        presence.addSocket(entry).then(
          (result) => {
            if (result.first) announce.online({ userId: user.userId, username: user.username });
          },
          () => (sockets.dirty = true),
        );
      } else {
        sockets.dirty = true;
      }
      next();
      return;
    }
    try {
      if (!deps.storeUp()) throw new Error('presence store is down');
      const result = await presence.addSocket(entry, deps.maxConnectionsPerUser);
      if (!result.accepted) {
        deps.metrics.handshakes.inc({ result: 'connection_limit' });
        next(
          new ServiceError(
            'CONNECTION_LIMIT',
            `at most ${deps.maxConnectionsPerUser} connections per user`,
            'connection limit reached',
          ),
        );
        return;
      }
      if (result.first) announce.online({ userId: user.userId, username: user.username });
    } catch (err) {
      // Presence is down: let the player in, converge later.
      sockets.dirty = true;
      deps.log.warn({ err, socketId: socket.id }, 'presence add failed; will resync');
    }
    lifecycle.track(socket, entry);
    next();
  };
}
