import type { EmitterMode } from '@gamesocket/emitter';
import type { LobbySettings, RedisConnection } from './app.js';

/** A configuration error; its message is one line that names the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const MODES: readonly EmitterMode[] = ['redis', 'redis-streams', 'redis-sharded'];
/**
 * The socket service's development default, so its demo page can call this API out of the box; 127.0.0.1:3000 too,
 * for a second demo tab with its own cookie (cookies are per host).
 */
const DEFAULT_ORIGINS = 'http://localhost:5173,http://localhost:3000,http://127.0.0.1:3000';

/**
 * Reads the example's options from environment variables: `REDIS_URL`, `ADAPTER` (default `redis`),
 * `JWT_SECRET`, `ROOM_TICKET_SECRET` (default `JWT_SECRET`), `PORT` (3100), `HOST` (0.0.0.0),
 * `ALLOWED_ORIGINS` (comma list). Throws `ConfigError` on a missing or bad value.
 */
export function loadOptions(env: NodeJS.ProcessEnv): RedisConnection & LobbySettings {
  const value = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    return raw === undefined || raw === '' ? undefined : raw;
  };
  const redisUrl = value('REDIS_URL');
  if (redisUrl === undefined) throw new ConfigError('REDIS_URL is required (the socket service’s Redis)');
  const mode = (value('ADAPTER') ?? 'redis') as EmitterMode;
  if (!MODES.includes(mode)) throw new ConfigError(`ADAPTER must be one of ${MODES.join(', ')}`);
  const jwtSecret = value('JWT_SECRET');
  if (jwtSecret === undefined || Buffer.byteLength(jwtSecret) < 32) {
    throw new ConfigError('JWT_SECRET is required and must be at least 32 bytes');
  }
  const ticketSecret = value('ROOM_TICKET_SECRET') ?? jwtSecret;
  if (Buffer.byteLength(ticketSecret) < 32) throw new ConfigError('ROOM_TICKET_SECRET must be at least 32 bytes');
  const port = Number(value('PORT') ?? '3100');
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new ConfigError('PORT must be a port number');
  const allowedOrigins = (value('ALLOWED_ORIGINS') ?? DEFAULT_ORIGINS)
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  return { redisUrl, mode, jwtSecret, ticketSecret, port, host: value('HOST') ?? '0.0.0.0', allowedOrigins };
}
