import { ERROR_CODES } from '@gamesocket/protocol';
import { ServiceError } from '../core/errors.js';
import type { GameSocket } from '../core/socket-types.js';
import type { Middleware } from './pipeline.js';

/** The handshake stage of `oneSocketPerConnection`. */
export interface OneSocketPerConnection {
  /** The first middleware: refuses a CONNECT while the connection has a socket pending or connected. */
  enter: Middleware;
  /** Wraps each later middleware: a refusal reopens the gate (the client may send CONNECT again). */
  guard(middleware: Middleware): Middleware;
  /** Call on the socket's `disconnect` (e.g. a client `41`): the gate reopens. */
  disconnected(socket: GameSocket): void;
}

/**
 * One socket per connection (we serve one namespace). Socket.IO refuses a CONNECT for a namespace
 * the connection has already joined — but checks when the packet is decoded, so CONNECTs decoded
 * while the first was still in the (async) middlewares all went through: one 16 KiB polling POST
 * of `40` packets made thousands of sockets. The extra ones are refused with `INVALID_PAYLOAD`;
 * `onRefused` counts them.
 */
export function oneSocketPerConnection(onRefused: () => void): OneSocketPerConnection {
  // Connections with a socket in the middlewares or connected, keyed by Socket.IO's per-connection
  // Client object (entries go with it).
  const occupied = new WeakSet<object>();
  return {
    enter(socket, next) {
      const connection = socket.client;
      if (occupied.has(connection)) {
        onRefused();
        next(
          new ServiceError(
            ERROR_CODES.INVALID_PAYLOAD,
            'this connection already has a socket, connected or connecting',
            'one socket per connection',
          ),
        );
        return;
      }
      occupied.add(connection);
      next();
    },
    guard(middleware) {
      return (socket, next) =>
        middleware(socket, (err) => {
          if (err !== undefined) occupied.delete(socket.client);
          next(err);
        });
    },
    disconnected(socket) {
      occupied.delete(socket.client);
    },
  };
}
