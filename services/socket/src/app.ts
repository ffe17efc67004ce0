import { createSecretKey, randomBytes } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import { createVerificationGate } from './auth/verification-gate.js';
import { createTokenVerifier, type KeySource } from './auth/token-verifier.js';
import { cacheVerifiedTokens } from './auth/verified-token-cache.js';
import {
  MemoryDenyList,
  MemoryIntents,
  MemoryLifecycle,
  MemoryMemberships,
  MemoryPresence,
  RedisDenyList,
  RedisMemberships,
  RedisPresence,
  type DenyList,
  type LifecycleListener,
  type Memberships,
  type Presence,
} from '@gamesocket/presence';
import { createRoomTicketVerifier } from './auth/room-tickets.js';
import { memoryIntentWriter, redisIntentWriter, type IntentWriter } from './intents/intent-stream.js';
import { createClusterLayer, type ClusterLayer } from './cluster/adapter.js';
import type { Config } from './config/config.js';
import { registerAdminRoutes } from './http/admin/routes.js';
import { API_BODY_LIMIT, registerBackendApi } from './http/backend-api.js';
import { registerDevRoutes } from './http/dev-routes.js';
import { registerHealthRoutes, registerMetricsRoute } from './http/health-routes.js';
import { createOpsServer } from './http/ops-server.js';
import { trustedProxies } from './handshake/client-address.js';
import { checkInternals } from './core/internals.js';
import { createMetrics, type Metrics } from './core/metrics.js';
import { createLogger, type Logger } from './core/logger.js';
import { startTracing, type FlushableTracerProvider } from './core/tracing.js';
import type { PresenceTracker } from './presence/presence-tracker.js';
import { drainSockets } from './lifetime/drain.js';
import { initializeSocket, type SocketServerDeps } from './socket-server.js';
import { memorySessionOwners, redisSessionOwners, sessionAdmissions } from './handshake/session-recovery.js';
import type { GameServer } from './core/socket-types.js';
import type { LocalNode } from '@gamesocket/emitter';

/** A built, not yet listening, socket service. */
export interface App {
  config: Config;
  fastify: FastifyInstance;
  /** The METRICS_PORT listener (`/metrics`, `/admin`), not yet listening; undefined = they are on `fastify`. */
  ops: FastifyInstance | undefined;
  io: GameServer;
  metrics: Metrics;
  log: Logger;
  cluster: ClusterLayer;
  presence: PresenceTracker;
  /**
   * `memory` mode only (no Redis stream to read): calls `listener` with every presence and membership
   * transition of this process, as backends read them from the lifecycle streams in Redis modes.
   * Returns the function that stops it.
   */
  onLifecycle: ((listener: LifecycleListener) => () => void) | undefined;
  /** `memory` mode only: the node's in-process cluster state, for a backend in this process (`createMemoryEmitter`). */
  local: LocalNode | undefined;
  /** Closes Socket.IO (clients may reconnect elsewhere) and the HTTP servers. */
  close(): Promise<void>;
}

/** Options of `buildApp`. */
export interface BuildOptions {
  /** Logger to use; default: pino to stdout at `config.logLevel`. */
  log?: Logger;
  /**
   * Turns tracing on with this OpenTelemetry provider (tests, the bench), whatever `OTEL_EXPORTER_OTLP_ENDPOINT`
   * says; it stays the caller's: `close()` flushes it, never shuts it down.
   */
  tracerProvider?: FlushableTracerProvider;
  /**
   * Dev auth only (`config.devAuth`): the key `/dev/login` signs with and tokens and room tickets are verified with,
   * >= 32 bytes, for a backend in the same process that must read them. Default: random per boot.
   */
  devSecret?: Uint8Array;
}

// Socket.IO recovers sessions only with the in-memory and the Redis Streams adapters.
function recoveryOf(config: Config, cluster: ClusterLayer): SocketServerDeps['recovery'] {
  if (config.recoveryWindowMs === 0) return undefined;
  if (config.adapter === 'memory')
    return { owners: memorySessionOwners(), streamOffsets: false, admissions: sessionAdmissions() };
  if (config.adapter === 'redis-streams' && cluster.redis !== undefined)
    return { owners: redisSessionOwners(cluster.redis), streamOffsets: true, admissions: sessionAdmissions() };
  return undefined;
}

/** Where a mode keeps presence, memberships, the deny list and client intents. */
interface ClusterState {
  presence: Presence;
  memberships: Memberships;
  denyList: DenyList;
  /** `memory` mode: the in-process feeds that stand in for the Redis streams. */
  memory: { lifecycle: MemoryLifecycle; intents: MemoryIntents } | undefined;
  intents: IntentWriter;
}

/** The cluster state of the mode: in this process (`memory`), or in Redis beside the adapter. */
function clusterState(
  config: Config,
  cluster: ClusterLayer,
  log: Logger,
  onIntentFailure: (err: unknown, event: string) => void,
): ClusterState {
  if (cluster.redis === undefined) {
    const lifecycle = new MemoryLifecycle((err) => log.error({ err }, 'a lifecycle listener threw'));
    const memberships = new MemoryMemberships({ graceMs: config.membershipGraceMs, lifecycle });
    const denyList = new MemoryDenyList();
    const intents = new MemoryIntents(config.intentStreamMaxLen);
    return {
      presence: new MemoryPresence({ memberships, denyList, lifecycle }),
      memberships,
      denyList,
      memory: { lifecycle, intents },
      intents: memoryIntentWriter(intents),
    };
  }
  const redis = cluster.redis;
  const store = { membershipGraceMs: config.membershipGraceMs, lifecycleMaxLen: config.lifecycleStreamMaxLen };
  return {
    presence: new RedisPresence(cluster.redis, store),
    memberships: new RedisMemberships(cluster.redis, store),
    denyList: new RedisDenyList(cluster.redis, store),
    memory: undefined,
    intents: redisIntentWriter(redis, config.intentStreamMaxLen, onIntentFailure),
  };
}

/**
 * Builds the socket service from a validated config: fastify, routes and Socket.IO. Throws
 * `InternalsMismatch` first when the installed Socket.IO packages are not the ones the internals
 * seam was written for (core/internals.ts).
 */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<App> {
  checkInternals();
  const log = options.log ?? createLogger({ level: config.logLevel, nodeId: config.nodeId });
  // Widen pino's Logger to fastify's logger type so routes and plugins type as the defaults.
  const loggerInstance: FastifyBaseLogger = log;
  const fastify: FastifyInstance = Fastify({
    loggerInstance,
    bodyLimit: API_BODY_LIMIT,
    // A request (headers and body) slower than this gets 408 and is closed: no slowloris socket hoarding.
    requestTimeout: config.requestBodyTimeoutMs,
    http: {
      // Node ignores a requestTimeout set after creation (fastify does) while headersTimeout is larger,
      // and checks at an interval (30 s by default): check often enough for the bound to mean something.
      headersTimeout: Math.min(60_000, config.requestBodyTimeoutMs),
      connectionsCheckingInterval: Math.min(30_000, Math.max(250, Math.floor(config.requestBodyTimeoutMs / 2))),
    },
    // Schemas mean what they say: no silently dropped properties, no type coercion.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
    // Room names in paths (`/v1/rooms/room%3A<128-char id>`) fit; longer or malformed URLs get the API's envelope.
    routerOptions: { maxParamLength: 512 },
    frameworkErrors: (err, _request, reply) => {
      const status = err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 414 : 400;
      void (reply as FastifyReply)
        .code(status)
        .send({ ok: false, error: { code: 'INVALID_PAYLOAD', message: err.message } });
    },
  });
  let redisErrors = (): void => undefined;
  const cluster = createClusterLayer(config, log, () => redisErrors());
  let closing = false;
  // The presence tracker is built with the socket server below; the gauges read it when scraped.
  let presenceStats: () => Promise<{ online: number; connections: number }> = async () => ({
    online: 0,
    connections: 0,
  });
  const gate = createVerificationGate(config.handshakeConcurrency);
  const metrics = createMetrics(config.nodeId, {
    adapterMode: cluster.mode,
    redisUp: cluster.isUp,
    draining: () => closing,
    presence: () => presenceStats(),
    verifications: () => ({ active: gate.active, waiting: gate.waiting }),
  });
  redisErrors = () => metrics.redisErrors.inc();

  const devSecret = config.devAuth ? (options.devSecret ?? randomBytes(32)) : undefined;
  if (devSecret !== undefined && devSecret.byteLength < 32) throw new RangeError('devSecret must be at least 32 bytes');
  const key: KeySource =
    devSecret !== undefined
      ? { kind: 'secret', secret: devSecret }
      : config.jwtSecret !== undefined
        ? { kind: 'secret', secret: config.jwtSecret }
        : { kind: 'jwks', url: config.jwksUrl as URL };
  const verifier = cacheVerifiedTokens(
    createTokenVerifier({
      key,
      issuer: config.jwtIssuer,
      audience: config.jwtAudience,
      clockToleranceSec: config.jwtClockToleranceSec,
    }),
    {
      maxEntries: config.tokenCacheSize,
      maxAgeMs: config.tokenCacheMaxAgeSec * 1000,
      clockToleranceSec: config.jwtClockToleranceSec,
    },
  );

  const state = clusterState(config, cluster, log, (err, event) => {
    metrics.intentFailures.inc();
    log.warn({ err, event }, 'intent append failed');
  });
  const tracing = await startTracing({
    endpoint: config.otelEndpoint,
    serviceName: config.otelServiceName,
    nodeId: config.nodeId,
    provider: options.tracerProvider,
    log,
  });
  const { io, presence } = initializeSocket(fastify.server, {
    config,
    verifier,
    metrics,
    log,
    adapter: cluster.adapter,
    presence: state.presence,
    memberships: state.memberships,
    presenceStoreUp: cluster.isUp,
    isDraining: () => closing,
    gate,
    recovery: recoveryOf(config, cluster),
    denyList: state.denyList,
    tickets: createRoomTicketVerifier(devSecret ?? (config.roomTicketSecret as string), config.jwtClockToleranceSec),
    intents: state.intents,
    tracing,
  });
  presenceStats = () => presence.stats();
  registerHealthRoutes(fastify, {
    readiness: {
      notReadyReason: () => (closing ? 'draining' : cluster.isUp() ? undefined : 'redis unavailable'),
    },
  });
  const ops =
    config.metricsPort === undefined ? undefined : createOpsServer(loggerInstance, config.requestBodyTimeoutMs);
  registerMetricsRoute(ops ?? fastify, metrics);
  const loginSecret = devSecret ?? (config.devLogin ? config.jwtSecret : undefined);
  if (loginSecret !== undefined) {
    await fastify.register(fastifyCookie);
    registerDevRoutes(fastify, {
      key: createSecretKey(typeof loginSecret === 'string' ? Buffer.from(loginSecret) : loginSecret),
      cookieName: config.authCookie,
      issuer: config.jwtIssuer,
      audience: config.jwtAudience,
    });
    log.warn(
      devSecret !== undefined
        ? 'dev auth is on: random per-boot secret, /dev/login and the demo page at / (never in production)'
        : 'DEV_LOGIN is on: anyone can sign in as any name at /dev/login (demo only, never in production)',
    );
  }

  if (config.admin !== undefined) {
    await registerAdminRoutes(ops ?? fastify, {
      io,
      trusted: trustedProxies(config.trustedProxies),
      nodeId: config.nodeId,
      adapterMode: cluster.mode,
      redisUp: cluster.isUp,
      draining: () => closing,
      tracker: presence,
      stores: state,
      log,
      ...config.admin,
    });
  }

  if (config.publishApiToken !== undefined) {
    await registerBackendApi(fastify, {
      io,
      presence,
      denyList: state.denyList,
      token: config.publishApiToken,
      unavailableReason: () => (cluster.isUp() ? undefined : 'redis unavailable'),
      tracing,
    });
  }

  // fastify.close() waits for open websockets: close Socket.IO first so clients reconnect elsewhere.
  fastify.addHook('preClose', async () => {
    closing = true;
    // Readiness is 503 and handshakes are refused from here; presence keeps each user's last socket
    // through the drain and hands it to the other pods' reaper, so users who move never look offline.
    presence.beginDrain();
    const drained = await drainSockets(io, config.drainWindowMs);
    if (drained > 0) log.info({ sockets: drained, windowMs: config.drainWindowMs }, 'drained');
    await presence.shutdown();
    await io.close();
    await presence.close();
    await cluster.close();
    // The spans of the drain too: exported before the process exits.
    await tracing?.shutdown();
  });

  await fastify.ready();
  await ops?.ready();
  await presence.start();
  const { memory } = state;
  return {
    config,
    fastify,
    io,
    metrics,
    log,
    cluster,
    presence,
    onLifecycle: memory === undefined ? undefined : (listener) => memory.lifecycle.subscribe(listener),
    local:
      memory === undefined
        ? undefined
        : {
            adapter: io.of('/').adapter,
            presence: state.presence,
            memberships: state.memberships,
            actions: presence.memberships,
            denyList: state.denyList,
            ...memory,
          },
    ops,
    close: async () => {
      await fastify.close();
      await ops?.close();
    },
  };
}
