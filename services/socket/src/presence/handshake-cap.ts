import { LOBBY_ROOM } from '@gamesocket/protocol';
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
 * The handshake stage of presence (after auth), one store call for a signed-in socket: the
 * deny-list (a revoked user or token continues as anonymous, `auth: 'invalid'`), the registration
 * under the per-user cap (one over it is refused with a `CONNECTION_LIMIT` `ServiceError`, which the
 * handshake pipeline maps; recovered sockets too), and the user's memberships, which the socket
 * joins before it connects. `player:online` for a user's first socket. Presence failures never
 * refuse: the socket gets in (in no membership room), the pod is marked dirty and converges once the
 * store answers again. Anonymous sockets pass untouched.
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
    try {
      if (!deps.storeUp()) throw new Error('presence store is down');
      // A recovered socket is already in its rooms; broadcasts meanwhile reach it (recovering-delivery.ts).
      const result = await presence.addSocket(entry, deps.maxConnectionsPerUser, { jti: socket.data.jti });
      if (result.denied) {
        deps.metrics.handshakes.inc({ result: 'revoked' });
        deps.log.info({ userId: user.userId }, 'handshake token revoked');
        leaveUserRooms(socket);
        socket.data.user = null;
        socket.data.auth = 'invalid';
        socket.data.tokenExp = undefined;
        next();
        return;
      }
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
      if (result.rooms.length > 0) void socket.join(result.rooms);
      if (result.first) announce.online({ userId: user.userId, username: user.username }, result.watched);
    } catch (err) {
      // Presence is down: let the player in, converge later.
      sockets.dirty = true;
      deps.log.warn({ err, socketId: socket.id }, 'presence add failed; will resync');
    }
    lifecycle.track(socket, entry);
    next();
  };
}

/** Takes a socket that turned anonymous out of every room but its own and the lobby (a restored session's). */
function leaveUserRooms(socket: GameSocket): void {
  for (const room of [...socket.rooms]) {
    if (room !== socket.id && room !== LOBBY_ROOM) void socket.leave(room);
  }
}
