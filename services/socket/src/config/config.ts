import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { DEFAULT_ADAPTER_STREAM_MAX_LEN, DEFAULT_INTENT_STREAM_MAX_LEN } from '@gamesocket/protocol';

/** Thrown by `loadConfig` with a one-line message that names the variable. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable} ${message}`);
    this.name = 'ConfigError';
  }
}

/** The validated configuration of one socket service process. */
export interface Config {
  /**
   * True unless NODE_ENV is unset, `development` or `test` (fail closed: `prod`, `staging`, `production `
   * all count): dev auth is impossible, JWT config and ALLOWED_ORIGINS are required.
   */
  production: boolean;
  /** Listen port; 0 picks a free one (tests). */
  port: number;
  host: string;
  /** Redis node URLs; one = standalone, several = Redis Cluster; empty = single node in memory. */
  redisUrls: string[];
  /** How pods share broadcasts: see `AdapterMode`. */
  adapter: AdapterMode;
  /** Bearer token of the HTTP API for backend services; undefined = API off. */
  publishApiToken: string | undefined;
  /** Basic-auth credentials of the read-only admin view; undefined = the view does not exist. */
  admin: { user: string; password: string } | undefined;
  /** HS256 secret of the auth API (>= 32 bytes), or undefined. */
  jwtSecret: string | undefined;
  /** JWKS URL of the auth API for asymmetric tokens, or undefined. */
  jwksUrl: URL | undefined;
  jwtIssuer: string | undefined;
  jwtAudience: string | undefined;
  /** Seconds of clock skew accepted on `exp`/`nbf`. */
  jwtClockToleranceSec: number;
  /** Cookie that holds the access token. */
  authCookie: string;
  /** Page origins allowed to connect (websocket and polling). */
  allowedOrigins: string[];
  /** This pod's id in presence, logs and metrics. */
  nodeId: string;
  /** HS256 key of room tickets; defaults to jwtSecret (required with a JWKS; dev auth uses its own). */
  roomTicketSecret: string | undefined;
  /** Seconds before `exp` at which `system:token_expiring` is sent; 0 = never. */
  tokenExpiryWarningSec: number;
  /** Client events per second a socket may send on average (token bucket refill). */
  rateLimitPerSec: number;
  /** Events a socket may send in a burst (bucket size); a socket that keeps flooding is disconnected. */
  rateLimitBurst: number;
  /** Approximate cap of each intent stream (`XADD MAXLEN ~`). */
  intentStreamMaxLen: number;
  /** Sockets one user may hold across the whole cluster; one more is refused with CONNECTION_LIMIT. */
  maxConnectionsPerUser: number;
  /**
   * A pod not heard from for this long is dead: live pods reap its sockets. Pods heartbeat every
   * third of it and look for dead pods every fifth (plus jitter), so a killed pod's users go offline
   * within 1.25 x this (12.5 s by default).
   */
  presenceTtlMs: number;
  /**
   * How long a dropped client can come back and recover its rooms and missed events (memory and
   * redis-streams modes only); 0 = recovery off.
   */
  recoveryWindowMs: number;
  /** Entries kept in the redis-streams adapter's stream (the replay window in events). */
  recoveryStreamMaxLen: number;
  /** SIGTERM closes this pod's sockets in batches spread over this window; 0 = all at once. */
  drainWindowMs: number;
  /** Largest Socket.IO message accepted, in bytes; a bigger frame closes that connection. */
  maxPayloadBytes: number;
  /**
   * Bytes that may wait to be written to one connection (queued packets plus the websocket's send
   * buffer); a connection over it is a slow consumer and is closed. Never off: it bounds the pod's memory.
   */
  maxBufferedBytes: number;
  /** Engine.IO sessions one client address may hold on this pod; one more is refused with CONNECTION_LIMIT. */
  maxConnectionsPerIp: number;
  /** New sessions per second one client address may open on average (token bucket refill). */
  handshakeRatePerIp: number;
  /** New sessions one client address may open in a burst (bucket size); over it: RATE_LIMITED. */
  handshakeBurstPerIp: number;
  /**
   * Access tokens verified at once on this pod (JWT/JWKS); more wait their turn, and while that many
   * are in flight or waiting, new handshakes carrying the auth cookie are refused with UNAVAILABLE.
   */
  handshakeConcurrency: number;
  /** Verified access tokens remembered per pod (LRU); 0 = every handshake verifies the signature. */
  tokenCacheSize: number;
  /** Longest a verified token is remembered, seconds (a removed JWKS key is honoured within this). */
  tokenCacheMaxAgeSec: number;
  /**
   * Load balancers / proxies (IPs or CIDRs) whose `X-Forwarded-For` names the client; empty = the
   * header is ignored and the TCP peer is the client.
   */
  trustedProxies: string[];
  /**
   * Most time a client may take to send one whole HTTP request (a long-polling POST, an API call):
   * a slower one gets 408 and its connection is closed, so trickled bodies cannot hold sockets.
   */
  requestBodyTimeoutMs: number;
  pingIntervalMs: number;
  pingTimeoutMs: number;
  logLevel: string;
  /**
   * Dev auth: a random per-boot secret, `/dev/login` and the demo page. Only when no JWT
   * config is given and NODE_ENV is not production.
   */
  devAuth: boolean;
  /**
   * `/dev/login` (sign in as any name), `/dev/logout` and the demo page at `/`: always with dev auth, and with
   * `DEV_LOGIN=true` beside a `JWT_SECRET` (tokens signed with it), for demos and browser tests. Never in production.
   */
  devLogin: boolean;
}

/**
 * Cluster modes: `memory` (one node), `redis` (classic pub/sub; the stock @socket.io/redis-emitter works),
 * `redis-streams` (Redis Streams; connection state recovery across pods), `redis-sharded` (Redis 7 sharded
 * pub/sub, for Redis Cluster).
 */
export const ADAPTER_MODES = ['memory', 'redis', 'redis-streams', 'redis-sharded'] as const;
/** One of `ADAPTER_MODES`. */
export type AdapterMode = (typeof ADAPTER_MODES)[number];

/** Environment-like input: every value is a string or absent. */
export type Env = Record<string, string | undefined>;

/** One documented configuration variable. */
export interface ConfigVariable {
  name: string;
  /** What it means, as in the README's table. */
  doc: string;
  /** Default when unset, as text; undefined when there is none. */
  default: string | undefined;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const DEFAULT_DEV_ORIGINS = 'http://localhost:5173,http://localhost:3000';

/** Every variable the service reads; the README table is checked against this list. */
export const CONFIG_VARIABLES: readonly ConfigVariable[] = [
  {
    name: 'NODE_ENV',
    doc: 'anything but unset, `development` or `test` counts as production: dev auth off, JWT config and ALLOWED_ORIGINS required',
    default: undefined,
  },
  { name: 'PORT', doc: 'listen port', default: '3000' },
  { name: 'HOST', doc: 'listen address', default: '0.0.0.0' },
  {
    name: 'REDIS_URL',
    doc: 'Redis URL, or a comma list of Redis Cluster nodes; unset = single node in memory',
    default: undefined,
  },
  {
    name: 'ADAPTER',
    doc: `cluster mode: ${ADAPTER_MODES.join(', ')}`,
    default: '`memory` without REDIS_URL, `redis` with',
  },
  {
    name: 'PUBLISH_API_TOKEN',
    doc: 'bearer token of the HTTP API for backend services (at least 16 characters); unset = API off',
    default: undefined,
  },
  { name: 'JWT_SECRET', doc: 'HS256 shared secret of the auth API (at least 32 bytes)', default: undefined },
  {
    name: 'JWT_JWKS_URL',
    doc: 'JWKS URL of the auth API for RS256/PS256/ES256/EdDSA tokens (instead of a secret)',
    default: undefined,
  },
  { name: 'JWT_ISSUER', doc: 'required `iss` claim, checked when set', default: undefined },
  { name: 'JWT_AUDIENCE', doc: 'required `aud` claim, checked when set', default: undefined },
  { name: 'JWT_CLOCK_TOLERANCE_SEC', doc: 'clock skew accepted on `exp`/`nbf`, seconds', default: '5' },
  { name: 'AUTH_COOKIE', doc: 'cookie holding the access token', default: 'accessToken' },
  {
    name: 'ALLOWED_ORIGINS',
    doc: 'comma list of page origins allowed to connect; required in production',
    default: DEFAULT_DEV_ORIGINS,
  },
  { name: 'NODE_ID', doc: "this pod's id in presence, logs and metrics", default: 'hostname-pid' },
  {
    name: 'ADMIN_USER',
    doc: 'user of the read-only admin view at /admin (with ADMIN_PASSWORD); unset = off',
    default: undefined,
  },
  { name: 'ADMIN_PASSWORD', doc: 'password of the admin view (at least 12 characters)', default: undefined },
  {
    name: 'ROOM_TICKET_SECRET',
    doc: 'HS256 key of room tickets issued by backend services (at least 32 bytes); required with JWT_JWKS_URL',
    default: 'JWT_SECRET',
  },
  {
    name: 'TOKEN_EXPIRY_WARNING_SEC',
    doc: 'seconds before the access token expires at which `system:token_expiring` is sent; 0 = never',
    default: '60',
  },
  { name: 'RATE_LIMIT_PER_SEC', doc: 'client events per second per socket (token bucket refill)', default: '20' },
  { name: 'RATE_LIMIT_BURST', doc: 'client events a socket may send in a burst', default: '40' },
  { name: 'INTENT_STREAM_MAX_LEN', doc: 'approximate length cap of each intent stream', default: '10000' },
  { name: 'MAX_CONNECTIONS_PER_USER', doc: 'sockets one user may hold across the whole cluster', default: '10' },
  {
    name: 'PRESENCE_TTL_MS',
    doc: 'a pod not heard from for this long is reaped (its users go offline within 1.25 x this)',
    default: '10000',
  },
  {
    name: 'DRAIN_WINDOW_MS',
    doc: 'on SIGTERM, sockets are closed in batches with jitter over this window (clients reconnect elsewhere); 0 = at once',
    default: '5000',
  },
  {
    name: 'RECOVERY_WINDOW_MS',
    doc: 'how long a dropped client may recover its rooms and missed events (memory and redis-streams modes); 0 = off',
    default: '120000',
  },
  {
    name: 'RECOVERY_STREAM_MAX_LEN',
    doc: 'redis-streams mode: entries kept in the `socket.io` stream, the other bound of recovery (give emitters the same `maxLen`)',
    default: '10000',
  },
  {
    name: 'MAX_PAYLOAD_BYTES',
    doc: 'largest Socket.IO message accepted (bigger frames close that connection)',
    default: '16384',
  },
  {
    name: 'MAX_BUFFERED_BYTES',
    doc: 'bytes that may wait to be written to one connection (a client that stops reading); over it the connection is closed as a slow consumer',
    default: '1048576',
  },
  {
    name: 'MAX_CONNECTIONS_PER_IP',
    doc: 'Engine.IO sessions one client address (IPv6: its /64) may hold on one pod; more are refused (`CONNECTION_LIMIT`)',
    default: '100',
  },
  {
    name: 'HANDSHAKE_RATE_PER_IP',
    doc: 'new sessions per second one client address may open on one pod (token bucket refill); more are refused (`RATE_LIMITED`)',
    default: '10',
  },
  { name: 'HANDSHAKE_BURST_PER_IP', doc: 'new sessions one client address may open in a burst', default: '20' },
  {
    name: 'HANDSHAKE_CONCURRENCY',
    doc: 'access tokens verified at once per pod; while saturated, handshakes with the auth cookie are refused (`UNAVAILABLE`)',
    default: '64',
  },
  {
    name: 'TOKEN_CACHE_SIZE',
    doc: 'verified access tokens remembered per pod, so a reconnect skips the signature check (`exp` and the deny-list are still checked); 0 = off',
    default: '1000',
  },
  {
    name: 'TOKEN_CACHE_MAX_AGE_SEC',
    doc: 'longest a verified token is remembered before its signature is checked again, seconds',
    default: '60',
  },
  {
    name: 'TRUSTED_PROXIES',
    doc: 'comma list of proxy IPs/CIDRs whose `X-Forwarded-For` names the client; unset = the header is ignored',
    default: undefined,
  },
  {
    name: 'REQUEST_BODY_TIMEOUT_MS',
    doc: 'most time one HTTP request (long-polling POST, API call) may take to arrive; slower ones get 408 and are closed',
    default: '10000',
  },
  { name: 'PING_INTERVAL_MS', doc: 'Engine.IO heartbeat interval', default: '25000' },
  { name: 'PING_TIMEOUT_MS', doc: 'Engine.IO heartbeat timeout', default: '60000' },
  {
    name: 'DEV_LOGIN',
    doc: '`true` serves `/dev/login` (signs in as any name with a token signed with JWT_SECRET) and the demo page at `/`, for demos and browser tests; refused in production and with JWT_JWKS_URL; dev auth has them anyway',
    default: 'false',
  },
  { name: 'LOG_LEVEL', doc: `pino level (${LOG_LEVELS.join(', ')})`, default: 'info' },
];

function raw(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

// Secrets are used byte for byte: never trimmed, only empty means unset.
function secret(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new ConfigError(name, `must be an integer from ${min} to ${max} (got ${JSON.stringify(value)})`);
  }
  return n;
}

function url(env: Env, name: string): URL | undefined {
  const value = raw(env, name);
  if (value === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(name, `must be an absolute URL (got ${JSON.stringify(value)})`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new ConfigError(name, `must be an http(s) URL (got ${JSON.stringify(value)})`);
  }
  return parsed;
}

function redisNodes(env: Env, name: string): string[] {
  const value = raw(env, name);
  if (value === undefined) return [];
  return value.split(',').map((entry) => {
    const node = entry.trim();
    let parsed: URL | undefined;
    try {
      parsed = new URL(node);
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || !/^rediss?:$/.test(parsed.protocol) || parsed.hostname === '') {
      throw new ConfigError(name, `must be redis:// or rediss:// URLs, comma separated (got ${JSON.stringify(node)})`);
    }
    return node;
  });
}

function origins(env: Env, name: string, fallback: string | undefined): string[] {
  const value = raw(env, name) ?? fallback;
  if (value === undefined) throw new ConfigError(name, 'is required in production (comma list of page origins)');
  return value.split(',').map((entry) => {
    const origin = entry.trim();
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || parsed.origin !== origin || !/^https?:$/.test(parsed.protocol)) {
      throw new ConfigError(name, `must list origins like https://game.example.com (got ${JSON.stringify(origin)})`);
    }
    return origin;
  });
}

function proxies(env: Env, name: string): string[] {
  const value = raw(env, name);
  if (value === undefined) return [];
  return value.split(',').map((entry) => {
    const proxy = entry.trim();
    const [address = '', bits, ...rest] = proxy.split('/');
    const family = isIP(address);
    const maxBits = family === 6 ? 128 : 32;
    const validBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= maxBits);
    if (family === 0 || !validBits || rest.length > 0) {
      throw new ConfigError(name, `must list IPs or CIDRs like 10.0.0.0/8 (got ${JSON.stringify(proxy)})`);
    }
    return proxy;
  });
}

/**
 * Reads and validates the configuration once, at boot.
 * @throws ConfigError with a one-line message naming the variable.
 */
export function loadConfig(env: Env = process.env): Config {
  const nodeEnv = raw(env, 'NODE_ENV')?.toLowerCase();
  const production = nodeEnv !== undefined && nodeEnv !== 'development' && nodeEnv !== 'test';

  const jwtSecret = secret(env, 'JWT_SECRET');
  if (jwtSecret !== undefined && Buffer.byteLength(jwtSecret, 'utf8') < 32) {
    throw new ConfigError('JWT_SECRET', 'must be at least 32 bytes');
  }
  const jwksUrl = url(env, 'JWT_JWKS_URL');
  if (jwtSecret !== undefined && jwksUrl !== undefined) {
    throw new ConfigError('JWT_SECRET', 'and JWT_JWKS_URL are exclusive: set one of them');
  }
  if (production && jwtSecret === undefined && jwksUrl === undefined) {
    throw new ConfigError('JWT_SECRET', 'or JWT_JWKS_URL is required when NODE_ENV=production');
  }

  const authCookie = raw(env, 'AUTH_COOKIE') ?? 'accessToken';
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$/.test(authCookie)) {
    throw new ConfigError('AUTH_COOKIE', `must be a cookie name (got ${JSON.stringify(authCookie)})`);
  }

  const nodeId = raw(env, 'NODE_ID') ?? `${hostname()}-${process.pid}`;
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(nodeId)) {
    throw new ConfigError('NODE_ID', `must be 1-64 letters, digits, '_', '.' or '-' (got ${JSON.stringify(nodeId)})`);
  }

  const logLevel = raw(env, 'LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')} (got ${JSON.stringify(logLevel)})`);
  }

  const host = raw(env, 'HOST') ?? '0.0.0.0';
  if (!/^[A-Za-z0-9.:-]{1,253}$/.test(host)) {
    throw new ConfigError('HOST', `must be a host name or IP address (got ${JSON.stringify(host)})`);
  }

  const redisUrls = redisNodes(env, 'REDIS_URL');
  const adapterValue = raw(env, 'ADAPTER') ?? (redisUrls.length > 0 ? 'redis' : 'memory');
  const adapter = ADAPTER_MODES.find((mode) => mode === adapterValue);
  if (adapter === undefined) {
    throw new ConfigError(
      'ADAPTER',
      `must be one of ${ADAPTER_MODES.join(', ')} (got ${JSON.stringify(adapterValue)})`,
    );
  }
  if (adapter !== 'memory' && redisUrls.length === 0) {
    throw new ConfigError('ADAPTER', `${adapter} needs REDIS_URL`);
  }
  if (adapter === 'memory' && redisUrls.length > 0) {
    throw new ConfigError('ADAPTER', 'memory cannot be combined with REDIS_URL: pods would not see each other');
  }

  const roomTicketSecret = secret(env, 'ROOM_TICKET_SECRET') ?? jwtSecret;
  if (roomTicketSecret !== undefined && Buffer.byteLength(roomTicketSecret, 'utf8') < 32) {
    throw new ConfigError('ROOM_TICKET_SECRET', 'must be at least 32 bytes');
  }
  if (jwksUrl !== undefined && roomTicketSecret === undefined) {
    throw new ConfigError('ROOM_TICKET_SECRET', 'is required with JWT_JWKS_URL');
  }

  const devAuth = !production && jwtSecret === undefined && jwksUrl === undefined;
  if (devAuth && redisUrls.length > 0) {
    // Each pod would sign with its own random secret: a cookie from one pod is invalid on the others.
    throw new ConfigError('JWT_SECRET', 'or JWT_JWKS_URL is required with REDIS_URL (dev auth is single-node only)');
  }

  const devLoginValue = raw(env, 'DEV_LOGIN') ?? 'false';
  if (devLoginValue !== 'true' && devLoginValue !== 'false') {
    throw new ConfigError('DEV_LOGIN', `must be true or false (got ${JSON.stringify(devLoginValue)})`);
  }
  if (devLoginValue === 'true' && production) {
    // Anyone could sign in as anyone: never next to real users.
    throw new ConfigError('DEV_LOGIN', 'cannot be true when NODE_ENV is production');
  }
  if (devLoginValue === 'true' && jwksUrl !== undefined) {
    throw new ConfigError('DEV_LOGIN', 'needs JWT_SECRET to sign with (not JWT_JWKS_URL)');
  }

  const adminUser = raw(env, 'ADMIN_USER');
  const adminPassword = secret(env, 'ADMIN_PASSWORD');
  if ((adminUser === undefined) !== (adminPassword === undefined)) {
    throw new ConfigError('ADMIN_PASSWORD', 'and ADMIN_USER go together: set both or neither');
  }
  if (adminPassword !== undefined && adminPassword.length < 12) {
    throw new ConfigError('ADMIN_PASSWORD', 'must be at least 12 characters');
  }

  const publishApiToken = secret(env, 'PUBLISH_API_TOKEN');
  if (publishApiToken !== undefined && publishApiToken.length < 16) {
    throw new ConfigError('PUBLISH_API_TOKEN', 'must be at least 16 characters');
  }

  return {
    production,
    port: integer(env, 'PORT', 3000, 0, 65535),
    host,
    redisUrls,
    adapter,
    publishApiToken,
    admin:
      adminUser !== undefined && adminPassword !== undefined ? { user: adminUser, password: adminPassword } : undefined,
    jwtSecret,
    jwksUrl,
    jwtIssuer: raw(env, 'JWT_ISSUER'),
    jwtAudience: raw(env, 'JWT_AUDIENCE'),
    jwtClockToleranceSec: integer(env, 'JWT_CLOCK_TOLERANCE_SEC', 5, 0, 300),
    authCookie,
    allowedOrigins: origins(env, 'ALLOWED_ORIGINS', production ? undefined : DEFAULT_DEV_ORIGINS),
    nodeId,
    roomTicketSecret,
    tokenExpiryWarningSec: integer(env, 'TOKEN_EXPIRY_WARNING_SEC', 60, 0, 86_400),
    rateLimitPerSec: integer(env, 'RATE_LIMIT_PER_SEC', 20, 1, 100_000),
    rateLimitBurst: integer(env, 'RATE_LIMIT_BURST', 40, 1, 100_000),
    intentStreamMaxLen: integer(env, 'INTENT_STREAM_MAX_LEN', DEFAULT_INTENT_STREAM_MAX_LEN, 100, 10_000_000),
    maxConnectionsPerUser: integer(env, 'MAX_CONNECTIONS_PER_USER', 10, 1, 10_000),
    presenceTtlMs: integer(env, 'PRESENCE_TTL_MS', 10_000, 1000, 600_000),
    drainWindowMs: integer(env, 'DRAIN_WINDOW_MS', 5000, 0, 600_000),
    recoveryWindowMs: integer(env, 'RECOVERY_WINDOW_MS', 120_000, 0, 3_600_000),
    recoveryStreamMaxLen: integer(env, 'RECOVERY_STREAM_MAX_LEN', DEFAULT_ADAPTER_STREAM_MAX_LEN, 100, 10_000_000),
    maxPayloadBytes: integer(env, 'MAX_PAYLOAD_BYTES', 16 * 1024, 1024, 10 * 1024 * 1024),
    maxBufferedBytes: integer(env, 'MAX_BUFFERED_BYTES', 1024 * 1024, 64 * 1024, 1024 * 1024 * 1024),
    maxConnectionsPerIp: integer(env, 'MAX_CONNECTIONS_PER_IP', 100, 1, 1_000_000),
    handshakeRatePerIp: integer(env, 'HANDSHAKE_RATE_PER_IP', 10, 1, 100_000),
    handshakeBurstPerIp: integer(env, 'HANDSHAKE_BURST_PER_IP', 20, 1, 100_000),
    handshakeConcurrency: integer(env, 'HANDSHAKE_CONCURRENCY', 64, 1, 100_000),
    tokenCacheSize: integer(env, 'TOKEN_CACHE_SIZE', 1000, 0, 1_000_000),
    tokenCacheMaxAgeSec: integer(env, 'TOKEN_CACHE_MAX_AGE_SEC', 60, 1, 3600),
    trustedProxies: proxies(env, 'TRUSTED_PROXIES'),
    requestBodyTimeoutMs: integer(env, 'REQUEST_BODY_TIMEOUT_MS', 10_000, 100, 600_000),
    pingIntervalMs: integer(env, 'PING_INTERVAL_MS', 25_000, 100, 600_000),
    pingTimeoutMs: integer(env, 'PING_TIMEOUT_MS', 60_000, 100, 600_000),
    logLevel,
    devAuth,
    devLogin: devAuth || devLoginValue === 'true',
  };
}
