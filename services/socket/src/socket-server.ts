import type { Server as HttpServer, IncomingMessage } from 'node:http';
import { Server, type ServerOptions } from 'socket.io';
import { rooms } from '@gamesocket/protocol';
import { checkDenied, createAuthenticator, socketAuthMiddleware } from './auth/socket-auth.js';
import type { VerificationGate } from './auth/verification-gate.js';
import { createAdmission, type Refusal } from './handshake/admission.js';
import { guardBackpressure } from './delivery/backpressure.js';
import { trustedProxies } from './handshake/client-address.js';
import { guardRecovery, type SessionAdmissions, type SessionOwners } from './handshake/session-recovery.js';
import { recoveringAdapter } from './delivery/recovering-delivery.js';
import type { TokenVerifier } from './auth/token-verifier.js';
import type { Config } from './config/config.js';
import type { Metrics } from './core/metrics.js';
import type { Logger } from './core/logger.js';
import { createEventPipeline } from './events/pipeline.js';
import { handlers } from './events/handlers/index.js';
import { originCheck } from './handshake/origin.js';
import { createProtocolGuard, ProtocolViolation } from './events/packet-guard.js';
import { oneSocketPerConnection } from './handshake/one-socket-per-connection.js';
import {
  allowRequest,
  installConnectStages,
  type ConnectStages,
  type RequestStage,
  type RequestStages,
} from './handshake/pipeline.js';
import { refuseWhileDraining } from './handshake/draining.js';
import { createRefusalLogs } from './handshake/refusal-logs.js';
import { PresenceTracker } from './presence/presence-tracker.js';
import { isMembershipRoom, type DenyList, type Memberships, type Presence } from '@gamesocket/presence';
import type { RoomTicketVerifier } from './auth/room-tickets.js';
import type { IntentWriter } from './intents/intent-stream.js';
import { shareHeartbeats } from './lifetime/shared-heartbeat.js';
import { createTokenLifetimes } from './lifetime/token-deadlines.js';
import { notify, noticesBypassRecovery } from './delivery/notify.js';
import { createSentEventCounter } from './delivery/sent-events.js';
import type { GameServer, GameSocket } from './core/socket-types.js';
import { dropUpgradeResponses, releaseHandshake, withBroadcastObserver } from './core/internals.js';
import type { Tracing } from './core/tracing.js';
import { deliverySpans } from './delivery/delivery-tracing.js';
import { traceConnectStages, traceRequestStages } from './handshake/handshake-tracing.js';
import { traceIntents } from './intents/intent-tracing.js';

/** What the socket server is built from. */
export interface SocketServerDeps {
  config: Config;
  verifier: TokenVerifier;
  metrics: Metrics;
  log: Logger;
  /** Adapter factory from the cluster layer; undefined = in-memory. */
  adapter: ServerOptions['adapter'] | undefined;
  presence: Presence;
  /** False while the presence store (Redis) is unreachable. */
  presenceStoreUp(): boolean;
  /** True once the pod is shutting down: new handshakes are refused. */
  isDraining(): boolean;
  /** The cap on access-token verifications in flight (HANDSHAKE_CONCURRENCY). */
  gate: VerificationGate;
  /**
   * Connection state recovery (memory and redis-streams modes); undefined = off. `streamOffsets`:
   * packet offsets are Redis stream ids (redis-streams mode).
   */
  recovery: { owners: SessionOwners; streamOffsets: boolean; admissions: SessionAdmissions } | undefined;
  denyList: DenyList;
  memberships: Memberships;
  tickets: RoomTicketVerifier;
  intents: IntentWriter;
  /** OpenTelemetry spans of handshakes, intents and deliveries; undefined = off (nothing is hooked). */
  tracing?: Tracing | undefined;
}

/** The built Socket.IO side of the service. */
export interface SocketLayer {
  io: GameServer;
  presence: PresenceTracker;
}

/** Most network chunks one long-polling POST may arrive in (Engine.IO's default is 10 000). */
export const MAX_POLLING_CHUNKS = 256;

/**
 * Builds the Socket.IO server on `httpServer`: origin allowlist, payload limit, heartbeats,
 * token auth (cookie or CONNECT payload), presence (with the per-user cap), `system:connected`, the `user:<id>` room and the
 * event router.
 */
export function initializeSocket(httpServer: HttpServer, deps: SocketServerDeps): SocketLayer {
  const { config, verifier, metrics, log, recovery, tracing } = deps;
  const trusted = trustedProxies(config.trustedProxies);
  const refusalLogs = createRefusalLogs(log);
  httpServer.once('close', () => refusalLogs.flush());
  const admission = createAdmission({
    maxConnectionsPerIp: config.maxConnectionsPerIp,
    handshakeRatePerIp: config.handshakeRatePerIp,
    handshakeBurstPerIp: config.handshakeBurstPerIp,
    trusted,
    gate: deps.gate,
    authCookie: config.authCookie,
    onUntrustedForwardedFor: (peer) =>
      log.warn(
        { peer },
        'X-Forwarded-For from a peer not in TRUSTED_PROXIES is ignored: behind a load balancer, list it there, ' +
          'or every client counts as the balancer for the per-address limits',
      ),
    onMalformedForwardedFor: (entry) => refusalLogs.forwardedFor.note(entry),
  });
  const authenticate = createAuthenticator({
    gate: deps.gate,
    verifier,
    cookieName: config.authCookie,
    log,
  });
  const counted =
    (check: (req: IncomingMessage) => Refusal | undefined): RequestStage =>
    (req) => {
      const refusal = check(req);
      if (refusal === undefined) return undefined;
      metrics.handshakesRefused.inc({ code: refusal.code, limit: refusal.limit });
      // Debug only: a flood would otherwise flood the logs too (the counter is the signal).
      log.debug({ code: refusal.code, limit: refusal.limit }, 'handshake refused');
      return refusal.message;
    };
  const requestStageList: RequestStages = {
    draining: refuseWhileDraining(deps.isDraining),
    rate: counted((req) => admission.rate(req)),
    origin: originCheck(config.allowedOrigins, {
      // A page served from the socket's own host:port (the dev demo on any PORT, or a site routing /socket.io/ here).
      trusted,
      onRefused: (origin) => {
        metrics.handshakes.inc({ result: 'origin_refused' });
        // A client chooses its Origin header: logged once per interval, whatever it sends.
        refusalLogs.origin.note(origin);
      },
    }),
    admission: counted((req) => admission.check(req)),
  };
  const requestStages = allowRequest(
    tracing === undefined ? requestStageList : traceRequestStages(requestStageList, tracing, config.nodeId),
  );

  // With recovery, the mode's adapter closes the holes around recovered sockets (recovering-delivery.ts).
  const recovering =
    recovery === undefined
      ? deps.adapter
      : recoveringAdapter(deps.adapter, { streamOffsets: recovery.streamOffsets, admit: recovery.admissions.admit });
  // With tracing, broadcasts that carry a trace context get a delivery span (delivery/delivery-tracing.ts).
  const adapter =
    tracing === undefined ? recovering : withBroadcastObserver(recovering, () => deliverySpans(tracing, config.nodeId));
  const io: GameServer = new Server(httpServer, {
    transports: ['websocket', 'polling'],
    pingInterval: config.pingIntervalMs,
    pingTimeout: config.pingTimeoutMs,
    maxHttpBufferSize: config.maxPayloadBytes,
    // Long-polling POSTs: a trickled body is cut off (408), and so is one read in countless chunks (413).
    httpRequestBodyTimeout: config.requestBodyTimeoutMs,
    maxBufferedChunks: MAX_POLLING_CHUNKS,
    parser: createProtocolGuard((kind) => metrics.protocolRefusals.inc({ kind })),
    cors: { origin: config.allowedOrigins, credentials: true },
    allowRequest: requestStages,
    // A session that holds no namespace this long after its handshake is closed (Socket.IO's own timer).
    connectTimeout: config.connectTimeoutMs,
    serveClient: config.devAuth,
    cookie: false,
    ...(deps.recovery !== undefined && {
      // Middlewares always run: a recovered socket is authenticated again (see session-recovery.ts).
      connectionStateRecovery: { maxDisconnectionDuration: config.recoveryWindowMs, skipMiddlewares: false },
    }),
    ...(adapter !== undefined && { adapter }),
  });

  if (deps.recovery !== undefined) noticesBypassRecovery(io);
  admission.attach(io.engine);
  dropUpgradeResponses(io.engine);
  shareHeartbeats(io.engine, { pingIntervalMs: config.pingIntervalMs, pingTimeoutMs: config.pingTimeoutMs });
  const backpressure = guardBackpressure(io, {
    maxBufferedBytes: config.maxBufferedBytes,
    onSlowConsumer: ({ socketId, transport, bufferedBytes }) => {
      metrics.slowConsumers.inc({ transport });
      log.warn(
        { socketId, transport, bufferedBytes, maxBufferedBytes: config.maxBufferedBytes },
        'slow consumer disconnected: too much data waiting for it',
      );
    },
    onVolatileDropped: () => metrics.volatileDropped.inc(),
    onWrite: createSentEventCounter(metrics.sentSlot),
  });
  const presence = new PresenceTracker(
    io,
    deps.presence,
    deps.memberships,
    {
      nodeId: config.nodeId,
      maxConnectionsPerUser: config.maxConnectionsPerUser,
      ttlMs: config.presenceTtlMs,
      diffIntervalMs: config.presenceDiffMs,
      storeUp: deps.presenceStoreUp,
      membershipGraceMs: config.membershipGraceMs,
      // A watcher away within the recovery window gets the changes it missed from the replay: they must be published.
      watchLingerMs: recovery === undefined ? 0 : config.recoveryWindowMs,
    },
    log,
    metrics,
  );
  const oneSocket = oneSocketPerConnection(() => metrics.handshakes.inc({ result: 'connect_pending' }));
  const connectStages: ConnectStages = {
    recovery:
      recovery === undefined
        ? undefined
        : (server) =>
            guardRecovery(server, {
              authenticate,
              owners: recovery.owners,
              windowMs: config.recoveryWindowMs,
              log,
              denied: (identity) => checkDenied(deps.denyList, identity, { up: deps.presenceStoreUp, log }),
              roomsOf: (userId) => deps.memberships.roomsOf(userId),
              admissions: recovery.admissions,
            }),
    backpressure: backpressure.middleware,
    oneSocket,
    authenticate: socketAuthMiddleware(
      authenticate,
      (auth) => metrics.handshakes.inc({ result: auth }),
      (refusal) => metrics.handshakesRefused.inc({ code: refusal.code, limit: 'verification_queue' }),
    ),
    presence: presence.middleware,
  };
  installConnectStages(
    io,
    tracing === undefined ? connectStages : traceConnectStages(connectStages, tracing, config.nodeId),
  );

  const attachRouter = createEventPipeline(handlers, {
    metrics,
    rateLimit: { perSec: config.rateLimitPerSec, burst: config.rateLimitBurst },
    shared: {
      io,
      log,
      nodeId: config.nodeId,
      presence,
      tickets: deps.tickets,
      intents: tracing === undefined ? deps.intents : traceIntents(deps.intents, tracing, config.nodeId),
    },
  });
  const tokenLifetimes = createTokenLifetimes({
    warningSec: config.tokenExpiryWarningSec,
    clockToleranceSec: config.jwtClockToleranceSec,
  });

  // Shared by every socket (Socket.IO calls them with the socket as `this`): no closures per socket.
  function onSocketError(this: GameSocket, err: unknown): void {
    // Socket.IO emits the packet guard's refusal here, then closes the connection (flushing this first).
    // A client's own `emit('error', ...)` lands here too: the router already answered it.
    if (!(err instanceof Error)) return;
    const message = err instanceof ProtocolViolation ? err.message : 'malformed packet';
    notify(this, 'system:error', { code: 'INVALID_PAYLOAD', message: `${message}: connection closed` });
  }
  function onSocketDisconnect(this: GameSocket, reason: string): void {
    oneSocket.disconnected(this);
    presence.disconnected(this);
    tokenLifetimes.forget(this);
    metrics.connections.dec({ auth: this.data.auth });
    metrics.disconnects.inc({ reason: backpressure.closedAsSlow(this) ? 'slow consumer' : reason });
  }

  io.on('connection', (socket) => {
    const { user, auth } = socket.data;
    metrics.connections.inc({ auth });
    notify(socket, 'system:connected', {
      socketId: socket.id,
      nodeId: config.nodeId,
      user,
      auth,
      recovered: socket.recovered,
      rooms: membershipRooms(socket),
      recoveryWindowMs: deps.recovery === undefined ? 0 : config.recoveryWindowMs,
      timestamp: Date.now(),
    });
    if (user !== null) void socket.join(rooms.user(user.userId));
    // Authenticated: the headers, the cookie and the CONNECT payload are not needed for the socket's life.
    releaseHandshake(socket);
    tokenLifetimes.watch(socket);
    attachRouter(socket);
    socket.on('error', onSocketError);
    socket.on('disconnect', onSocketDisconnect);
  });

  io.engine.on('connection_error', (err: { code: number; message: string }) => {
    log.debug({ code: err.code, message: err.message }, 'engine connection error');
  });

  return { io, presence };
}

/** The membership rooms (`room:<id>`, `match:<id>`) a socket is in. */
function membershipRooms(socket: GameSocket): string[] {
  const held: string[] = [];
  for (const room of socket.rooms) if (isMembershipRoom(room)) held.push(room);
  return held;
}
