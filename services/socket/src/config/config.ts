import { ConfigError } from './config-error.js';
import type { Env } from './variable.js';
import { VARIABLES, type AdapterMode, type Settings } from './variables.js';

export { ConfigError } from './config-error.js';
export type { ConfigVariable, Env } from './variable.js';
export { ADAPTER_MODES, CONFIG_VARIABLES, type AdapterMode } from './variables.js';

/**
 * The validated configuration of one socket service process. A field of `Settings` means what its
 * `VARIABLES` entry says; the fields declared here are decided across variables by `loadConfig`.
 */
export interface Config extends Omit<Settings, 'production' | 'adapter' | 'adminUser' | 'adminPassword'> {
  /** True unless NODE_ENV is unset, `development` or `test`: dev auth is impossible, JWT config required. */
  production: boolean;
  /** ADAPTER, by default `redis` with REDIS_URL and `memory` without. */
  adapter: AdapterMode;
  /**
   * ROOM_TICKET_SECRET; outside production by default JWT_SECRET (required with a JWKS, and in production, where it
   * must differ from JWT_SECRET; dev auth uses its own).
   */
  roomTicketSecret: string | undefined;
  /** Basic-auth credentials of the admin view; undefined = the view does not exist. */
  admin: { user: string; password: string } | undefined;
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

function readSettings(env: Env): Settings {
  const entries = Object.entries(VARIABLES).map(([field, variable]) => [field, variable.read(env)]);
  // Each value comes from its own field's entry: the per-field types of `Settings` hold.
  return Object.fromEntries(entries) as Settings;
}

/**
 * Reads and validates the configuration once, at boot: each variable on its own (`VARIABLES`), then
 * the rules across variables.
 * @throws ConfigError with a one-line message naming the variable.
 */
export function loadConfig(env: Env = process.env): Config {
  const {
    production: productionSetting,
    adapter: adapterSetting,
    adminUser,
    adminPassword,
    ...settings
  } = readSettings(env);
  const production = productionSetting === true;
  const { jwtSecret, jwksUrl, redisUrls } = settings;

  if (jwtSecret !== undefined && jwksUrl !== undefined) {
    throw new ConfigError('JWT_SECRET', 'and JWT_JWKS_URL are exclusive: set one of them');
  }
  if (production && jwtSecret === undefined && jwksUrl === undefined) {
    throw new ConfigError('JWT_SECRET', 'or JWT_JWKS_URL is required when NODE_ENV=production');
  }
  // Over plain http anyone on the path could hand the service signing keys of their own.
  if (production && jwksUrl !== undefined && jwksUrl.protocol !== 'https:') {
    throw new ConfigError('JWT_JWKS_URL', `must be an https: URL when NODE_ENV=production (got ${jwksUrl.protocol})`);
  }

  const adapter = adapterSetting ?? (redisUrls.length > 0 ? 'redis' : 'memory');
  if (adapter !== 'memory' && redisUrls.length === 0) {
    throw new ConfigError('ADAPTER', `${adapter} needs REDIS_URL`);
  }
  if (adapter === 'memory' && redisUrls.length > 0) {
    throw new ConfigError('ADAPTER', 'memory cannot be combined with REDIS_URL: pods would not see each other');
  }

  const roomTicketSecret = settings.roomTicketSecret ?? jwtSecret;
  if (jwksUrl !== undefined && roomTicketSecret === undefined) {
    throw new ConfigError('ROOM_TICKET_SECRET', 'is required with JWT_JWKS_URL');
  }

  const devAuth = !production && jwtSecret === undefined && jwksUrl === undefined;
  if (devAuth && redisUrls.length > 0) {
    // Each pod would sign with its own random secret: a cookie from one pod is invalid on the others.
    throw new ConfigError('JWT_SECRET', 'or JWT_JWKS_URL is required with REDIS_URL (dev auth is single-node only)');
  }
  if (settings.devLogin && production) {
    // Anyone could sign in as anyone: never next to real users.
    throw new ConfigError('DEV_LOGIN', 'cannot be true when NODE_ENV is production');
  }
  if (settings.devLogin && jwksUrl !== undefined) {
    throw new ConfigError('DEV_LOGIN', 'needs JWT_SECRET to sign with (not JWT_JWKS_URL)');
  }

  if (settings.metricsPort !== undefined && settings.metricsPort !== 0 && settings.metricsPort === settings.port) {
    throw new ConfigError('METRICS_PORT', `must differ from PORT (both ${settings.port})`);
  }

  if ((adminUser === undefined) !== (adminPassword === undefined)) {
    throw new ConfigError('ADMIN_PASSWORD', 'and ADMIN_USER go together: set both or neither');
  }

  for (const variable of Object.values(VARIABLES)) {
    if (production && variable.requiredInProduction !== undefined && !variable.isSet(env)) {
      throw new ConfigError(variable.name, `is required in production (${variable.requiredInProduction})`);
    }
  }
  // Else every backend that mints room tickets could mint access tokens for any user.
  if (production && jwtSecret !== undefined && roomTicketSecret === jwtSecret) {
    throw new ConfigError('ROOM_TICKET_SECRET', 'must differ from JWT_SECRET when NODE_ENV=production');
  }

  return {
    ...settings,
    production,
    adapter,
    roomTicketSecret,
    admin:
      adminUser !== undefined && adminPassword !== undefined ? { user: adminUser, password: adminPassword } : undefined,
    devAuth,
    devLogin: devAuth || settings.devLogin,
  };
}
