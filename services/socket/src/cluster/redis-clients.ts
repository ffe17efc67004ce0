import type { RedisClient } from '@gamesocket/redis';
import type { Logger } from '../core/logger.js';

/** A standalone or cluster ioredis client (made by `createRedisClient` of `@gamesocket/redis`). */
export type { RedisClient } from '@gamesocket/redis';

// Commands whose promises the adapters drop (classic publish, streams SET/PUBLISH, sharded
// SSUBSCRIBE per room...): a rejection there would be unhandled and kill the process (upstream
// socket.io-redis-emitter#139).
const FIRE_AND_FORGET_COMMANDS = [
  'publish',
  'spublish',
  'xadd',
  'set',
  'subscribe',
  'psubscribe',
  'ssubscribe',
  'unsubscribe',
  'punsubscribe',
  'sunsubscribe',
] as const;

/**
 * Makes `client` safe to hand to an adapter: logs connection errors (ioredis emits `error` events
 * that would otherwise be thrown) and attaches a handler to every publish-like promise, so a Redis
 * outage is logged, never an unhandled rejection. The caller still sees the rejection. Clients
 * the adapters `duplicate()` from it (the streams adapter's readers) are guarded too.
 */
export function guardClient<C extends RedisClient>(client: C, log: Logger, onCommandError: () => void): C {
  let lastLogged = 0;
  client.on('error', (err: Error) => {
    // ioredis repeats the same connection error on every retry: log at most once per 5 s.
    const now = Date.now();
    if (now - lastLogged > 5000) {
      lastLogged = now;
      log.warn({ err: { message: err.message } }, 'redis connection error');
    }
  });
  const target = client as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const command of FIRE_AND_FORGET_COMMANDS) {
    const original = target[command];
    if (typeof original !== 'function') continue;
    target[command] = function guarded(this: unknown, ...args: unknown[]) {
      const result = original.apply(this, args);
      if (result instanceof Promise) {
        result.catch((err: unknown) => {
          onCommandError();
          log.debug({ err, command }, 'redis command failed');
        });
      }
      return result;
    };
  }
  const duplicate = target.duplicate;
  if (typeof duplicate === 'function') {
    target.duplicate = function guardedDuplicate(this: unknown, ...args: unknown[]) {
      // The streams adapter's readers keep the fail-fast retries: its poll loop must see errors to stop.
      return guardClient(duplicate.apply(this, args) as RedisClient, log, onCommandError);
    };
  }
  return client;
}
