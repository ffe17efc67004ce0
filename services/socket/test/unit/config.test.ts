import { hostname } from 'node:os';
import t from 'tap';
import { ConfigError, loadConfig, type Env } from '../../src/config/config.js';

// Pure: loadConfig(env) only, no process, no Redis. The built entry is spawned in ../config.test.ts.

const SECRET_40 = 'production-secret-of-forty-characters-00';
// Production's room ticket key: a key of its own.
const TICKET_SECRET_40 = 'production-ticket-key-of-forty-chars-000';
const DEV_ORIGINS = ['http://localhost:5173', 'http://localhost:3000'];
const ORIGIN = 'https://game.example.com';

t.test('loadConfig defaults outside production', async (t) => {
  const config = loadConfig({});
  t.equal(config.production, false, 'production');
  t.equal(config.port, 3000, 'port');
  t.equal(config.host, '0.0.0.0', 'host');
  t.equal(config.authCookie, 'accessToken', 'authCookie');
  t.same(config.allowedOrigins, DEV_ORIGINS, 'allowedOrigins');
  t.equal(config.maxPayloadBytes, 16384, 'maxPayloadBytes');
  t.equal(config.pingIntervalMs, 25000, 'pingIntervalMs');
  t.equal(config.pingTimeoutMs, 60000, 'pingTimeoutMs');
  t.equal(config.logLevel, 'info', 'logLevel');
  t.equal(config.jwtClockToleranceSec, 5, 'jwtClockToleranceSec');
  t.equal(config.nodeId, `${hostname()}-${process.pid}`, 'nodeId');
  t.equal(config.jwtSecret, undefined, 'jwtSecret');
  t.equal(config.jwksUrl, undefined, 'jwksUrl');
  t.equal(config.jwtIssuer, undefined, 'jwtIssuer');
  t.equal(config.jwtAudience, undefined, 'jwtAudience');
  t.equal(config.devAuth, true, 'dev auth with no JWT config outside production');
  t.equal(config.maxBufferedBytes, 1024 * 1024, 'maxBufferedBytes');
  t.equal(config.maxConnectionsPerIp, 100, 'maxConnectionsPerIp');
  t.equal(config.handshakeRatePerIp, 10, 'handshakeRatePerIp');
  t.equal(config.handshakeBurstPerIp, 20, 'handshakeBurstPerIp');
  t.equal(config.handshakeConcurrency, 64, 'handshakeConcurrency');
  t.same(config.trustedProxies, [], 'no trusted proxy: X-Forwarded-For is ignored');
  t.equal(config.presenceDiffMs, 250, 'presenceDiffMs');
});

t.test('OpenTelemetry: off by default; the endpoint must be an http(s) URL; the service name defaults', async (t) => {
  const off = loadConfig({});
  t.equal(off.otelEndpoint, undefined, 'no endpoint: tracing off');
  t.equal(off.otelServiceName, 'gamesocket');
  const on = loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SERVICE_NAME: 'socket-eu' });
  t.equal(on.otelEndpoint?.href, 'http://collector:4318/');
  t.equal(on.otelServiceName, 'socket-eu');
  for (const bad of ['collector:4318', 'not a url', 'grpc://collector:4317']) {
    t.throws(
      () => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: bad }),
      { name: 'ConfigError', message: /OTEL_EXPORTER_OTLP_ENDPOINT/ },
      bad,
    );
  }
});

t.test('PRESENCE_DIFF_MS: 0 (no wait) up to a minute', async (t) => {
  t.equal(loadConfig({ PRESENCE_DIFF_MS: '0' }).presenceDiffMs, 0);
  t.equal(loadConfig({ PRESENCE_DIFF_MS: '60000' }).presenceDiffMs, 60_000);
});

t.test('METRICS_PORT: unset by default; 0 (a free port) also beside PORT=0', async (t) => {
  t.equal(loadConfig({}).metricsPort, undefined, 'unset: /metrics and /admin stay on PORT');
  t.equal(loadConfig({ METRICS_PORT: '9464' }).metricsPort, 9464);
  t.equal(loadConfig({ PORT: '0', METRICS_PORT: '0' }).metricsPort, 0, 'two free ports');
  t.equal(loadConfig({}).connectTimeoutMs, 5000, 'CONNECT_TIMEOUT_MS defaults to 5 s');
});

t.test('hostile-client limits are read', async (t) => {
  const config = loadConfig({
    MAX_BUFFERED_BYTES: '65536',
    MAX_CONNECTIONS_PER_IP: '5',
    HANDSHAKE_RATE_PER_IP: '2',
    HANDSHAKE_BURST_PER_IP: '4',
    HANDSHAKE_CONCURRENCY: '8',
    TRUSTED_PROXIES: '10.0.0.0/8, 127.0.0.1,fd00::/8, ::1',
  });
  t.equal(config.maxBufferedBytes, 65536);
  t.equal(config.maxConnectionsPerIp, 5);
  t.equal(config.handshakeRatePerIp, 2);
  t.equal(config.handshakeBurstPerIp, 4);
  t.equal(config.handshakeConcurrency, 8);
  t.same(config.trustedProxies, ['10.0.0.0/8', '127.0.0.1', 'fd00::/8', '::1']);
});

/** The variable a ConfigError names, or undefined when `env` loads. */
function configErrorOf(env: Env): string | undefined {
  try {
    loadConfig(env);
    return undefined;
  } catch (err) {
    if (err instanceof ConfigError) return err.variable;
    throw err;
  }
}

t.test('empty and blank values count as unset; values are trimmed, secrets are not', async (t) => {
  const config = loadConfig({ JWT_SECRET: '', PORT: ' 8080 ', HOST: '', LOG_LEVEL: ' debug ' });
  t.equal(config.jwtSecret, undefined, 'jwtSecret');
  t.equal(loadConfig({ JWT_SECRET: ` ${SECRET_40} ` }).jwtSecret, ` ${SECRET_40} `, 'a secret is used byte for byte');
  t.equal(configErrorOf({ JWT_SECRET: '   ' }), 'JWT_SECRET', 'a blank secret is refused, not ignored');
  t.equal(config.devAuth, true, 'devAuth');
  t.equal(config.port, 8080, 'port');
  t.equal(config.host, '0.0.0.0', 'host');
  t.equal(config.logLevel, 'debug', 'logLevel');
});

t.test('NODE_ENV fails closed: anything but unset, development or test is production', async (t) => {
  for (const value of ['production', 'production ', 'Production', 'prod', 'staging']) {
    t.equal(configErrorOf({ NODE_ENV: value }), 'JWT_SECRET', `${JSON.stringify(value)} needs JWT config`);
    const config = loadConfig({
      NODE_ENV: value,
      JWT_SECRET: SECRET_40,
      ROOM_TICKET_SECRET: TICKET_SECRET_40,
      ALLOWED_ORIGINS: 'https://game.example.com',
    });
    t.equal(config.devAuth, false, `${JSON.stringify(value)}: no dev auth`);
  }
  for (const value of ['development', 'test', 'Development']) {
    t.equal(loadConfig({ NODE_ENV: value }).devAuth, true, `${value}: dev auth`);
  }
});

t.test('HOST must look like a host', async (t) => {
  t.equal(configErrorOf({ HOST: 'a b' }), 'HOST');
  t.equal(configErrorOf({ HOST: 'http://x' }), 'HOST');
  t.equal(loadConfig({ HOST: '::' }).host, '::');
});

t.test('explicit values are read', async (t) => {
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    JWT_SECRET: SECRET_40,
    JWT_ISSUER: 'auth-api',
    JWT_AUDIENCE: 'game',
    JWT_CLOCK_TOLERANCE_SEC: '30',
    AUTH_COOKIE: 'sid',
    ALLOWED_ORIGINS: 'https://game.example.com, http://localhost:8080',
    NODE_ID: 'pod-a.1_x',
    MAX_PAYLOAD_BYTES: '1024',
    PING_INTERVAL_MS: '100',
    PING_TIMEOUT_MS: '600000',
    LOG_LEVEL: 'silent',
  });
  t.equal(config.port, 0, 'PORT=0 picks a free port');
  t.equal(config.host, '127.0.0.1', 'host');
  t.equal(config.jwtSecret, SECRET_40, 'jwtSecret');
  t.equal(config.jwtIssuer, 'auth-api', 'jwtIssuer');
  t.equal(config.jwtAudience, 'game', 'jwtAudience');
  t.equal(config.jwtClockToleranceSec, 30, 'jwtClockToleranceSec');
  t.equal(config.authCookie, 'sid', 'authCookie');
  t.same(config.allowedOrigins, ['https://game.example.com', 'http://localhost:8080'], 'allowedOrigins');
  t.equal(config.nodeId, 'pod-a.1_x', 'nodeId');
  t.equal(config.maxPayloadBytes, 1024, 'maxPayloadBytes');
  t.equal(config.pingIntervalMs, 100, 'pingIntervalMs');
  t.equal(config.pingTimeoutMs, 600000, 'pingTimeoutMs');
  t.equal(config.logLevel, 'silent', 'logLevel');
  t.equal(config.devAuth, false, 'JWT_SECRET turns dev auth off');
});

t.test('dev auth is off with any JWT config and in production', async (t) => {
  t.equal(loadConfig({ JWT_SECRET: SECRET_40 }).devAuth, false, 'JWT_SECRET');
  const jwks = loadConfig({
    JWT_JWKS_URL: 'https://auth.example.com/.well-known/jwks.json',
    ROOM_TICKET_SECRET: SECRET_40,
  });
  t.equal(jwks.devAuth, false, 'JWT_JWKS_URL');
  t.equal(jwks.jwksUrl?.href, 'https://auth.example.com/.well-known/jwks.json');

  const production = loadConfig({
    NODE_ENV: 'production',
    JWT_SECRET: SECRET_40,
    ROOM_TICKET_SECRET: TICKET_SECRET_40,
    ALLOWED_ORIGINS: 'https://game.example.com',
  });
  t.equal(production.production, true, 'production');
  t.equal(production.roomTicketSecret, TICKET_SECRET_40, 'the room ticket key of its own');
  t.equal(production.devAuth, false, 'production');
  t.same(production.allowedOrigins, ['https://game.example.com'], 'no dev origins in production');

  const productionJwks = loadConfig({
    NODE_ENV: 'production',
    JWT_JWKS_URL: 'https://auth:8443/jwks.json',
    ROOM_TICKET_SECRET: SECRET_40,
    ALLOWED_ORIGINS: 'https://game.example.com',
  });
  t.equal(productionJwks.devAuth, false, 'devAuth');
  t.equal(productionJwks.jwtSecret, undefined, 'jwtSecret');
});

t.test('DEV_LOGIN: dev login beside a JWT_SECRET outside production only', async (t) => {
  t.equal(loadConfig({}).devLogin, true, 'dev auth always has the dev login');
  t.equal(loadConfig({ JWT_SECRET: SECRET_40 }).devLogin, false, 'off by default with a JWT_SECRET');
  t.equal(loadConfig({ JWT_SECRET: SECRET_40, DEV_LOGIN: 'false' }).devLogin, false, 'false');
  const on = loadConfig({ JWT_SECRET: SECRET_40, DEV_LOGIN: 'true', NODE_ENV: 'development' });
  t.equal(on.devLogin, true, 'true with JWT_SECRET in development');
  t.equal(on.devAuth, false, 'dev auth stays off: tokens are signed with JWT_SECRET');
  t.throws(
    () => loadConfig({ JWT_SECRET: SECRET_40, DEV_LOGIN: 'true', NODE_ENV: 'production', ALLOWED_ORIGINS: ORIGIN }),
    { name: 'ConfigError', message: /^DEV_LOGIN cannot be true when NODE_ENV is production/ },
    'refused in production',
  );
  t.throws(
    () =>
      loadConfig({
        JWT_JWKS_URL: 'https://auth.example.com/.well-known/jwks.json',
        ROOM_TICKET_SECRET: SECRET_40,
        DEV_LOGIN: 'true',
      }),
    { name: 'ConfigError', message: /^DEV_LOGIN needs JWT_SECRET/ },
    'refused with a JWKS (nothing to sign with)',
  );
  t.throws(() => loadConfig({ JWT_SECRET: SECRET_40, DEV_LOGIN: 'yes' }), {
    name: 'ConfigError',
    message: /^DEV_LOGIN must be true or false/,
  });
});

t.test('JWT_SECRET length is counted in bytes: 32 bytes is enough', async (t) => {
  t.equal(loadConfig({ JWT_SECRET: 'x'.repeat(32) }).jwtSecret, 'x'.repeat(32));
  t.equal(loadConfig({ JWT_SECRET: 'é'.repeat(16) }).jwtSecret, 'é'.repeat(16), '16 two-byte characters');
  t.throws(() => loadConfig({ JWT_SECRET: 'x'.repeat(31) }), ConfigError);
});

t.test('PORT bounds: 0 and 65535 are valid', async (t) => {
  t.equal(loadConfig({ PORT: '0' }).port, 0);
  t.equal(loadConfig({ PORT: '65535' }).port, 65535);
});

const invalidCases: [string, Env, string][] = [
  ['PORT=abc', { PORT: 'abc' }, 'PORT'],
  ['PORT=70000', { PORT: '70000' }, 'PORT'],
  ['PORT=65536', { PORT: '65536' }, 'PORT'],
  ['PORT=-1', { PORT: '-1' }, 'PORT'],
  ['PORT=3.5', { PORT: '3.5' }, 'PORT'],
  ['PORT=1e3', { PORT: '1e3' }, 'PORT'],
  ['JWT_SECRET shorter than 32 bytes', { JWT_SECRET: 'short' }, 'JWT_SECRET'],
  ['JWT_SECRET of 31 bytes', { JWT_SECRET: 'x'.repeat(31) }, 'JWT_SECRET'],
  [
    'JWT_SECRET and JWT_JWKS_URL both set',
    { JWT_SECRET: SECRET_40, JWT_JWKS_URL: 'https://auth.example.com/jwks.json' },
    'JWT_SECRET',
  ],
  ['JWT_JWKS_URL not a URL', { JWT_JWKS_URL: 'not a url' }, 'JWT_JWKS_URL'],
  [
    'JWT_JWKS_URL without ROOM_TICKET_SECRET',
    { JWT_JWKS_URL: 'https://auth.example.com/jwks.json' },
    'ROOM_TICKET_SECRET',
  ],
  [
    'ROOM_TICKET_SECRET shorter than 32 bytes',
    { JWT_SECRET: SECRET_40, ROOM_TICKET_SECRET: 'short' },
    'ROOM_TICKET_SECRET',
  ],
  ['RATE_LIMIT_BURST=0', { RATE_LIMIT_BURST: '0' }, 'RATE_LIMIT_BURST'],
  ['METRICS_PORT equal to PORT', { PORT: '3000', METRICS_PORT: '3000' }, 'METRICS_PORT'],
  ['METRICS_PORT=abc', { METRICS_PORT: 'abc' }, 'METRICS_PORT'],
  ['CONNECT_TIMEOUT_MS=50', { CONNECT_TIMEOUT_MS: '50' }, 'CONNECT_TIMEOUT_MS'],
  [
    'dev auth with REDIS_URL (pods cannot share a per-boot secret)',
    { REDIS_URL: 'redis://127.0.0.1:6379' },
    'JWT_SECRET',
  ],
  ['MAX_CONNECTIONS_PER_USER=0', { MAX_CONNECTIONS_PER_USER: '0' }, 'MAX_CONNECTIONS_PER_USER'],
  ['PRESENCE_TTL_MS=5', { PRESENCE_TTL_MS: '5' }, 'PRESENCE_TTL_MS'],
  ['PRESENCE_DIFF_MS=-1', { PRESENCE_DIFF_MS: '-1' }, 'PRESENCE_DIFF_MS'],
  ['PRESENCE_DIFF_MS=60001', { PRESENCE_DIFF_MS: '60001' }, 'PRESENCE_DIFF_MS'],
  ['JWT_JWKS_URL ftp://', { JWT_JWKS_URL: 'ftp://auth.example.com/jwks.json' }, 'JWT_JWKS_URL'],
  [
    'NODE_ENV=production with a plain http: JWT_JWKS_URL (keys injectable on the path)',
    {
      NODE_ENV: 'production',
      JWT_JWKS_URL: 'http://auth:8080/jwks.json',
      ROOM_TICKET_SECRET: SECRET_40,
      ALLOWED_ORIGINS: 'https://game.example.com',
    },
    'JWT_JWKS_URL',
  ],
  [
    'NODE_ENV=production without JWT config',
    { NODE_ENV: 'production', ALLOWED_ORIGINS: 'https://game.example.com' },
    'JWT_SECRET',
  ],
  ['NODE_ENV=production without ALLOWED_ORIGINS', { NODE_ENV: 'production', JWT_SECRET: SECRET_40 }, 'ALLOWED_ORIGINS'],
  [
    'NODE_ENV=production without ROOM_TICKET_SECRET (it would default to JWT_SECRET)',
    { NODE_ENV: 'production', JWT_SECRET: SECRET_40, ALLOWED_ORIGINS: 'https://game.example.com' },
    'ROOM_TICKET_SECRET',
  ],
  [
    'NODE_ENV=production with ROOM_TICKET_SECRET equal to JWT_SECRET',
    {
      NODE_ENV: 'production',
      JWT_SECRET: SECRET_40,
      ROOM_TICKET_SECRET: SECRET_40,
      ALLOWED_ORIGINS: 'https://game.example.com',
    },
    'ROOM_TICKET_SECRET',
  ],
  ['ALLOWED_ORIGINS with a path', { ALLOWED_ORIGINS: 'https://game.example.com/play' }, 'ALLOWED_ORIGINS'],
  ['ALLOWED_ORIGINS with a trailing slash', { ALLOWED_ORIGINS: 'https://game.example.com/' }, 'ALLOWED_ORIGINS'],
  ['ALLOWED_ORIGINS garbage', { ALLOWED_ORIGINS: 'nope' }, 'ALLOWED_ORIGINS'],
  ['ALLOWED_ORIGINS=*', { ALLOWED_ORIGINS: '*' }, 'ALLOWED_ORIGINS'],
  ['ALLOWED_ORIGINS with an empty entry', { ALLOWED_ORIGINS: 'https://game.example.com,' }, 'ALLOWED_ORIGINS'],
  ['ALLOWED_ORIGINS not http(s)', { ALLOWED_ORIGINS: 'ws://game.example.com' }, 'ALLOWED_ORIGINS'],
  ['AUTH_COOKIE with a space', { AUTH_COOKIE: 'access token' }, 'AUTH_COOKIE'],
  ['AUTH_COOKIE with a semicolon', { AUTH_COOKIE: 'a;b' }, 'AUTH_COOKIE'],
  ['NODE_ID with a slash', { NODE_ID: 'pod/1' }, 'NODE_ID'],
  ['NODE_ID longer than 64', { NODE_ID: 'n'.repeat(65) }, 'NODE_ID'],
  ['LOG_LEVEL=loud', { LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
  ['MAX_PAYLOAD_BYTES=10', { MAX_PAYLOAD_BYTES: '10' }, 'MAX_PAYLOAD_BYTES'],
  ['PING_INTERVAL_MS=abc', { PING_INTERVAL_MS: 'abc' }, 'PING_INTERVAL_MS'],
  ['MAX_BUFFERED_BYTES below 64 KiB', { MAX_BUFFERED_BYTES: '1000' }, 'MAX_BUFFERED_BYTES'],
  ['MAX_CONNECTIONS_PER_IP=0', { MAX_CONNECTIONS_PER_IP: '0' }, 'MAX_CONNECTIONS_PER_IP'],
  ['HANDSHAKE_RATE_PER_IP=0', { HANDSHAKE_RATE_PER_IP: '0' }, 'HANDSHAKE_RATE_PER_IP'],
  ['HANDSHAKE_BURST_PER_IP=x', { HANDSHAKE_BURST_PER_IP: 'x' }, 'HANDSHAKE_BURST_PER_IP'],
  ['HANDSHAKE_CONCURRENCY=0', { HANDSHAKE_CONCURRENCY: '0' }, 'HANDSHAKE_CONCURRENCY'],
  ['TRUSTED_PROXIES with a host name', { TRUSTED_PROXIES: 'lb.internal' }, 'TRUSTED_PROXIES'],
  ['TRUSTED_PROXIES with a bad prefix', { TRUSTED_PROXIES: '10.0.0.0/33' }, 'TRUSTED_PROXIES'],
  ['TRUSTED_PROXIES with an empty entry', { TRUSTED_PROXIES: '10.0.0.1,' }, 'TRUSTED_PROXIES'],
  ['PING_TIMEOUT_MS=50', { PING_TIMEOUT_MS: '50' }, 'PING_TIMEOUT_MS'],
  ['JWT_CLOCK_TOLERANCE_SEC=301', { JWT_CLOCK_TOLERANCE_SEC: '301' }, 'JWT_CLOCK_TOLERANCE_SEC'],
];

t.test('each invalid variable throws a one-line ConfigError naming it', async (t) => {
  for (const [name, env, variable] of invalidCases) {
    let caught: unknown;
    try {
      loadConfig(env);
    } catch (err) {
      caught = err;
    }
    t.type(caught, ConfigError, `${name}: throws ConfigError`);
    if (!(caught instanceof ConfigError)) continue;
    t.equal(caught.name, 'ConfigError', `${name}: error name`);
    t.equal(caught.variable, variable, `${name}: names ${variable}`);
    t.ok(caught.message.startsWith(`${variable} `), `${name}: message starts with ${variable}: ${caught.message}`);
    t.notMatch(caught.message, /\n/, `${name}: one line`);
  }
});

t.test('the mutual-exclusion error names both JWT variables', async (t) => {
  t.throws(() => loadConfig({ JWT_SECRET: SECRET_40, JWT_JWKS_URL: 'https://auth.example.com/jwks.json' }), {
    message: /JWT_SECRET.*JWT_JWKS_URL/,
  });
  t.throws(() => loadConfig({ NODE_ENV: 'production', ALLOWED_ORIGINS: 'https://game.example.com' }), {
    message: /JWT_SECRET or JWT_JWKS_URL .*production/,
  });
});

t.test('room tickets have a key of their own in production; outside it, JWT_SECRET by default', async (t) => {
  const production = { NODE_ENV: 'production', JWT_SECRET: SECRET_40, ALLOWED_ORIGINS: 'https://game.example.com' };
  t.throws(() => loadConfig(production), {
    message: 'ROOM_TICKET_SECRET is required in production (a key of its own, not JWT_SECRET)',
  });
  t.throws(() => loadConfig({ ...production, ROOM_TICKET_SECRET: SECRET_40 }), {
    message: 'ROOM_TICKET_SECRET must differ from JWT_SECRET when NODE_ENV=production',
  });
  t.equal(loadConfig({ JWT_SECRET: SECRET_40 }).roomTicketSecret, SECRET_40, 'outside production: JWT_SECRET');
  t.equal(
    loadConfig({ JWT_SECRET: SECRET_40, ROOM_TICKET_SECRET: SECRET_40 }).roomTicketSecret,
    SECRET_40,
    'outside production the two may be equal (tickets and tokens are still told apart)',
  );
});

t.test('invalid values are echoed in the message so the operator sees what was wrong', async (t) => {
  t.throws(() => loadConfig({ PORT: 'abc' }), { message: /"abc"/ });
  t.throws(() => loadConfig({ LOG_LEVEL: 'loud' }), { message: /"loud"/ });
  t.throws(() => loadConfig({ ALLOWED_ORIGINS: 'https://a.example.com,nope' }), { message: /"nope"/ });
});
