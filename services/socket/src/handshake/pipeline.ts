import type { IncomingMessage } from 'node:http';
import type { ServerOptions } from 'socket.io';
import type { GameServer, GameSocket } from '../core/socket-types.js';
import { toHandshakeError } from './handshake-error.js';
import type { OneSocketPerConnection } from './one-socket-per-connection.js';

type AllowRequest = NonNullable<ServerOptions['allowRequest']>;
type Next = (err?: Error) => void;

/** A Socket.IO namespace middleware. */
export type Middleware = (socket: GameSocket, next: Next) => unknown;

/** An `allowRequest` stage: answers why the request is refused, or `undefined` to let it through. */
export type RequestStage = (req: IncomingMessage) => string | undefined;

/**
 * Stages 1-4, Engine.IO's `allowRequest`, cheapest first. Engine.IO runs it for new sessions only (not
 * for each polling request), before any handshake work.
 */
export interface RequestStages {
  /** 1. A draining pod takes no new session: the client's retry lands on another pod (`draining.ts`). */
  draining: RequestStage;
  /**
   * 2. Per-address handshake rate (`admission.ts`): before the Origin, so refused attempts count too and
   * a flood of foreign Origins is rate limited like any other handshake flood.
   */
  rate: RequestStage;
  /** 3. The page's Origin against `ALLOWED_ORIGINS`, or the request's own origin (`origin.ts`). */
  origin: RequestStage;
  /** 4. Per-address connections and the verification cap (`admission.ts`). */
  admission: RequestStage;
}

/** Stages 5-9, once Engine.IO has a session and the client sends CONNECT. */
export interface ConnectStages {
  /**
   * 5. Before Socket.IO creates the socket (and would restore a session): recovery re-authenticates
   * first (`session-recovery.ts`). Undefined when the mode has no recovery.
   */
  recovery: ((io: GameServer) => void) | undefined;
  /** 6. Wraps the connection's writer: slow consumers and volatile drops (`delivery/backpressure.ts`). */
  backpressure: Middleware;
  /** 7. One socket per connection (`one-socket-per-connection.ts`); a later refusal reopens it. */
  oneSocket: OneSocketPerConnection;
  /**
   * 8. Access token (the cookie, else `auth.token`) → `socket.data.user`, anonymous when missing or bad
   * (`auth/socket-auth.ts`).
   */
  authenticate: Middleware;
  /** 9. Deny-list, presence registration, the per-user cap and the memberships, one script (`presence/handshake-cap.ts`). */
  presence: Middleware;
}

/** Stages 1-4 in order, as Engine.IO's `allowRequest`. */
export function allowRequest(stages: RequestStages): AllowRequest {
  const ordered = [stages.draining, stages.rate, stages.origin, stages.admission];
  return (req, callback) => {
    for (const stage of ordered) {
      const refusal = stage(req);
      if (refusal !== undefined) {
        callback(refusal, false);
        return;
      }
    }
    callback(null, true);
  };
}

/**
 * Installs stages 5-9 in order: the recovery guard, then the namespace middlewares (backpressure →
 * one socket per connection → authenticate → presence). A middleware refusal is a `ServiceError`,
 * mapped here to what the client's `connect_error` shows.
 */
export function installConnectStages(io: GameServer, stages: ConnectStages): void {
  stages.recovery?.(io);
  const { oneSocket } = stages;
  const ordered: Middleware[] = [
    stages.backpressure,
    oneSocket.enter,
    oneSocket.guard(stages.authenticate),
    oneSocket.guard(stages.presence),
  ];
  for (const middleware of ordered) {
    io.use((socket, next) => middleware(socket, (err) => next(err === undefined ? err : toHandshakeError(err))));
  }
}
