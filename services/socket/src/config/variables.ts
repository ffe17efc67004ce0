import { hostname } from 'node:os';
import {
  DEFAULT_ADAPTER_STREAM_MAX_LEN,
  DEFAULT_INTENT_STREAM_MAX_LEN,
  DEFAULT_LIFECYCLE_STREAM_MAX_LEN,
} from '@gamesocket/protocol';
import {
  cidrList,
  flag,
  httpUrl,
  integer,
  matching,
  oneOf,
  originList,
  redisUrlList,
  secret,
  text,
  type Kind,
} from './kinds.js';
import { variable, type ConfigVariable, type ValueOf } from './variable.js';

/**
 * Cluster modes: `memory` (one node), `redis` (classic pub/sub; the stock @socket.io/redis-emitter works),
 * `redis-streams` (Redis Streams; connection state recovery across pods), `redis-sharded` (Redis 7 sharded
 * pub/sub, for Redis Cluster).
 */
export const ADAPTER_MODES = ['memory', 'redis', 'redis-streams', 'redis-sharded'] as const;
/** One of `ADAPTER_MODES`. */
export type AdapterMode = (typeof ADAPTER_MODES)[number];

/** pino's levels, most severe first. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

// Fail closed: `prod`, `staging`, `production ` all count as production.
const production: Kind<boolean> = {
  parse: (value) => !['development', 'test'].includes(value.toLowerCase()),
  values: '`development`, `test` (any case); anything else is production',
  format: (isProduction) => (isProduction ? 'production' : 'development'),
};

/**
 * Every variable the service reads, one entry each, keyed by the `Config` field it fills: its name,
 * kind (parser and bounds), default and meaning. Loading (`loadConfig`), `CONFIG_VARIABLES` and the
 * README's table (`npm run docs:config`) all come from here; rules across variables live in `loadConfig`.
 */
export const VARIABLES = {
  production: variable({
    name: 'NODE_ENV',
    kind: production,
    doc: 'production (dev auth off; JWT config, `ROOM_TICKET_SECRET` and `ALLOWED_ORIGINS` required) unless unset, `development` or `test`: a typo fails closed',
  }),
  port: variable({ name: 'PORT', kind: integer(0, 65535), default: 3000, doc: 'listen port; 0 picks a free one' }),
  metricsPort: variable({
    name: 'METRICS_PORT',
    kind: integer(0, 65535),
    doc: 'a second listen port (on `HOST`) for `/metrics` and `/admin`, which then leave `PORT` (`/healthz`, `/readyz` stay); 0 picks a free one; unset = all on `PORT`',
  }),
  host: variable({
    name: 'HOST',
    kind: matching(/^[A-Za-z0-9.:-]{1,253}$/, 'a host name or IP address'),
    default: '0.0.0.0',
    doc: 'listen address',
  }),
  redisUrls: variable({
    name: 'REDIS_URL',
    kind: redisUrlList,
    defaultDoc: 'unset',
    default: [],
    doc: 'Redis URL, or several Redis Cluster nodes (`redis://a:7000,redis://b:7001`); unset = memory',
  }),
  adapter: variable({
    name: 'ADAPTER',
    kind: oneOf(ADAPTER_MODES),
    defaultDoc: '`memory` without `REDIS_URL`, `redis` with',
    doc: 'how pods share broadcasts: cluster mode (see below)',
  }),
  redisFlushDelayMs: variable({
    name: 'REDIS_FLUSH_DELAY_MS',
    kind: integer(0, 100),
    default: 1,
    doc: "while a reply from Redis is awaited, the pod's next commands leave together at most once per this many ms (fewer system calls under load, up to this much added latency); 0 = at the end of each event-loop turn",
  }),
  publishApiToken: variable({
    name: 'PUBLISH_API_TOKEN',
    kind: secret(16, 'characters'),
    doc: 'bearer token of the HTTP API for backend services; unset = API off',
  }),
  jwtSecret: variable({
    name: 'JWT_SECRET',
    kind: secret(32, 'bytes'),
    doc: 'HS256 shared secret of the auth API',
  }),
  jwksUrl: variable({
    name: 'JWT_JWKS_URL',
    kind: httpUrl,
    doc: 'JWKS URL of the auth API for RS/PS/ES/EdDSA tokens (instead of a secret); `https:` in production',
  }),
  jwtIssuer: variable({ name: 'JWT_ISSUER', kind: text, doc: 'required `iss`, checked when set' }),
  jwtAudience: variable({ name: 'JWT_AUDIENCE', kind: text, doc: 'required `aud`, checked when set' }),
  jwtClockToleranceSec: variable({
    name: 'JWT_CLOCK_TOLERANCE_SEC',
    kind: integer(0, 300),
    default: 5,
    doc: 'clock skew accepted on `exp`/`nbf`, seconds',
  }),
  authCookie: variable({
    name: 'AUTH_COOKIE',
    kind: matching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$/, 'a cookie name'),
    default: 'accessToken',
    doc: 'cookie holding the access token',
  }),
  allowedOrigins: variable({
    name: 'ALLOWED_ORIGINS',
    kind: originList,
    default: ['http://localhost:5173', 'http://localhost:3000'],
    requiredInProduction: 'comma list of page origins',
    doc: 'page origins allowed to connect (websocket and polling)',
  }),
  nodeId: variable({
    name: 'NODE_ID',
    kind: matching(/^[A-Za-z0-9_.-]{1,64}$/, "1-64 letters, digits, '_', '.' or '-'"),
    default: `${hostname()}-${process.pid}`,
    defaultDoc: '`hostname-pid`',
    doc: "this pod's id in presence, logs and metrics",
  }),
  adminUser: variable({
    name: 'ADMIN_USER',
    kind: text,
    doc: 'user of the admin view at `/admin` (cluster state; kick, disconnect, revoke) with `ADMIN_PASSWORD`; unset = the view does not exist',
  }),
  adminPassword: variable({
    name: 'ADMIN_PASSWORD',
    kind: secret(12, 'characters'),
    doc: 'password of the admin view',
  }),
  roomTicketSecret: variable({
    name: 'ROOM_TICKET_SECRET',
    kind: secret(32, 'bytes'),
    defaultDoc: '`JWT_SECRET` outside production',
    requiredInProduction: 'a key of its own, not JWT_SECRET',
    doc: 'HS256 key of room tickets issued by backend services; required with `JWT_JWKS_URL`; must differ from `JWT_SECRET` in production',
  }),
  tokenExpiryWarningSec: variable({
    name: 'TOKEN_EXPIRY_WARNING_SEC',
    kind: integer(0, 86_400),
    default: 60,
    doc: "seconds before the access token's `exp` at which `system:token_expiring` is sent; 0 = never",
  }),
  rateLimitPerSec: variable({
    name: 'RATE_LIMIT_PER_SEC',
    kind: integer(1, 100_000),
    default: 20,
    doc: 'client events per second per socket (token bucket refill)',
  }),
  rateLimitBurst: variable({
    name: 'RATE_LIMIT_BURST',
    kind: integer(1, 100_000),
    default: 40,
    doc: 'client events a socket may send in a burst (bucket size); a socket that keeps flooding is disconnected',
  }),
  intentStreamMaxLen: variable({
    name: 'INTENT_STREAM_MAX_LEN',
    kind: integer(100, 10_000_000),
    default: DEFAULT_INTENT_STREAM_MAX_LEN,
    doc: 'approximate length cap of each intent stream (`XADD MAXLEN ~`)',
  }),
  membershipGraceMs: variable({
    name: 'MEMBERSHIP_GRACE_MS',
    kind: integer(1000, 86_400_000),
    default: 120_000,
    doc: 'how long a user with no socket anywhere keeps their room memberships; then they end as `expired`',
  }),
  lifecycleStreamMaxLen: variable({
    name: 'LIFECYCLE_STREAM_MAX_LEN',
    kind: integer(100, 10_000_000),
    default: DEFAULT_LIFECYCLE_STREAM_MAX_LEN,
    doc: 'approximate length cap of each lifecycle stream (one per presence shard, `XADD MAXLEN ~`)',
  }),
  maxConnectionsPerUser: variable({
    name: 'MAX_CONNECTIONS_PER_USER',
    kind: integer(1, 10_000),
    default: 10,
    doc: 'sockets one user may hold across the whole cluster; one more is refused with `CONNECTION_LIMIT`',
  }),
  presenceTtlMs: variable({
    name: 'PRESENCE_TTL_MS',
    kind: integer(1000, 600_000),
    default: 10_000,
    doc: 'a pod not heard from for this long is reaped; its users go offline within 1.25 × this',
  }),
  presenceDiffMs: variable({
    name: 'PRESENCE_DIFF_MS',
    kind: integer(0, 60_000),
    default: 250,
    doc: "the lobby gets each pod's presence changes as one `lobby:presence_diff` at most this often; 0 = no wait (a diff as soon as the previous one is out)",
  }),
  drainWindowMs: variable({
    name: 'DRAIN_WINDOW_MS',
    kind: integer(0, 600_000),
    default: 5000,
    doc: 'on SIGTERM sockets are closed in batches with jitter over this window (clients reconnect elsewhere); 0 = at once',
  }),
  recoveryWindowMs: variable({
    name: 'RECOVERY_WINDOW_MS',
    kind: integer(0, 3_600_000),
    default: 120_000,
    doc: 'how long a dropped client may recover its rooms and missed events (memory and redis-streams modes); 0 = off',
  }),
  recoveryStreamMaxLen: variable({
    name: 'RECOVERY_STREAM_MAX_LEN',
    kind: integer(100, 10_000_000),
    default: DEFAULT_ADAPTER_STREAM_MAX_LEN,
    doc: 'redis-streams mode: entries kept in the `socket.io` stream, the other bound of recovery (give emitters the same `maxLen`)',
  }),
  maxPayloadBytes: variable({
    name: 'MAX_PAYLOAD_BYTES',
    kind: integer(1024, 10 * 1024 * 1024),
    default: 16 * 1024,
    doc: 'largest Socket.IO message; a bigger frame closes that connection',
  }),
  maxBufferedBytes: variable({
    name: 'MAX_BUFFERED_BYTES',
    kind: integer(64 * 1024, 1024 * 1024 * 1024),
    default: 1024 * 1024,
    doc: "bytes that may wait to be written to one connection (queued packets and the websocket's buffer); over it, it is closed as a slow consumer; never off, it bounds the pod's memory",
  }),
  maxConnectionsPerIp: variable({
    name: 'MAX_CONNECTIONS_PER_IP',
    kind: integer(1, 1_000_000),
    default: 100,
    doc: 'sessions one client address (IPv6: its /64) may hold on one pod; more get `CONNECTION_LIMIT`',
  }),
  handshakeRatePerIp: variable({
    name: 'HANDSHAKE_RATE_PER_IP',
    kind: integer(1, 100_000),
    default: 10,
    doc: 'new sessions per second one client address may open on one pod (token bucket refill); more get `RATE_LIMITED`',
  }),
  handshakeBurstPerIp: variable({
    name: 'HANDSHAKE_BURST_PER_IP',
    kind: integer(1, 100_000),
    default: 20,
    doc: 'new sessions one client address may open in a burst (token bucket size)',
  }),
  handshakeConcurrency: variable({
    name: 'HANDSHAKE_CONCURRENCY',
    kind: integer(1, 100_000),
    default: 64,
    doc: 'access tokens verified at once per pod; as many more may wait, past that a CONNECT gets `UNAVAILABLE`; while any wait, new handshakes with the cookie get `UNAVAILABLE`',
  }),
  connectTimeoutMs: variable({
    name: 'CONNECT_TIMEOUT_MS',
    kind: integer(100, 60_000),
    default: 5000,
    doc: 'most time from a new Engine.IO session to its accepted Socket.IO CONNECT (token verification included); a session without one by then is closed',
  }),
  tokenCacheSize: variable({
    name: 'TOKEN_CACHE_SIZE',
    kind: integer(0, 1_000_000),
    default: 1000,
    doc: 'verified access tokens remembered per pod (LRU), so a reconnect skips the signature check; `exp` and the deny-list are still checked; 0 = off',
  }),
  tokenCacheMaxAgeSec: variable({
    name: 'TOKEN_CACHE_MAX_AGE_SEC',
    kind: integer(1, 3600),
    default: 60,
    doc: 'longest a verified token is remembered before its signature is checked again (a removed JWKS key is honoured within this), seconds',
  }),
  trustedProxies: variable({
    name: 'TRUSTED_PROXIES',
    kind: cidrList,
    default: [],
    defaultDoc: 'unset',
    doc: 'load balancers / proxies whose `X-Forwarded-For` names the client (only them: each can pose as any client); `ip:port` entries are read, a malformed one counts as the proxy; unset = header ignored',
  }),
  requestBodyTimeoutMs: variable({
    name: 'REQUEST_BODY_TIMEOUT_MS',
    kind: integer(100, 600_000),
    default: 10_000,
    doc: 'most time one HTTP request (long-polling POST, API call) may take to arrive; slower ones get 408 and are closed',
  }),
  pingIntervalMs: variable({
    name: 'PING_INTERVAL_MS',
    kind: integer(100, 600_000),
    default: 25_000,
    doc: 'Engine.IO heartbeat interval',
  }),
  pingTimeoutMs: variable({
    name: 'PING_TIMEOUT_MS',
    kind: integer(100, 600_000),
    default: 60_000,
    doc: 'Engine.IO heartbeat timeout',
  }),
  devLogin: variable({
    name: 'DEV_LOGIN',
    kind: flag,
    default: false,
    doc: '`true` serves `/dev/login` (sign in as any name; the token is signed with `JWT_SECRET`) and the demo at `/` beside a real JWT config, for demos and browser tests; refused in production and with `JWT_JWKS_URL`',
  }),
  otelEndpoint: variable({
    name: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    kind: httpUrl,
    doc: 'OpenTelemetry: base URL of an OTLP/HTTP collector; spans of handshakes, intents, publishes and deliveries go to `<url>/v1/traces` (protobuf); unset = tracing off, the SDK is not even loaded',
  }),
  otelServiceName: variable({
    name: 'OTEL_SERVICE_NAME',
    kind: text,
    default: 'gamesocket',
    doc: "OpenTelemetry `service.name` of this service's spans (`service.instance.id` is `NODE_ID`)",
  }),
  logLevel: variable({
    name: 'LOG_LEVEL',
    kind: oneOf(LOG_LEVELS),
    default: 'info',
    doc: 'pino level',
  }),
};

/** What each variable says on its own, by `Config` field (undefined: unset without a default). */
export type Settings = { [Field in keyof typeof VARIABLES]: ValueOf<(typeof VARIABLES)[Field]> };

/** Every variable the service reads, in README order; the deploy files and the README are checked against it. */
export const CONFIG_VARIABLES: readonly ConfigVariable[] = Object.values(VARIABLES);
