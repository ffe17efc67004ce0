import type { RedisClient } from '@gamesocket/redis';
import { catchDroppedRejections } from '../core/internals.js';
import type { Logger } from '../core/logger.js';

/** A standalone or cluster ioredis client (made by `createRedisClient` of `@gamesocket/redis`). */
export type { RedisClient } from '@gamesocket/redis';

/**
 * Makes `client` safe to hand to an adapter: logs connection errors (ioredis emits `error` events
 * that would otherwise be thrown) and attaches a handler to every publish-like promise the adapters
 * drop (`catchDroppedRejections`, core/internals.ts), so a Redis outage is logged, never an unhandled
 * rejection. The caller still sees the rejection. Clients the adapters `duplicate()` from it (the
 * streams adapter's readers) are guarded too.
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
  return catchDroppedRejections(
    client,
    (err, command) => {
      onCommandError();
      log.debug({ err, command }, 'redis command failed');
    },
    // The streams adapter's readers keep the fail-fast retries: its poll loop must see errors to stop.
    (duplicate) => guardClient(duplicate, log, onCommandError),
  );
}
