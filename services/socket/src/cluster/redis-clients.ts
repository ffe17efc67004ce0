import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { catchDroppedRejections } from '../core/internals.js';
import type { Logger } from '../core/logger.js';

/** A standalone or cluster ioredis client. */
export type RedisClient = Redis | Cluster;

/** Options of `createRedisClient`. */
export interface RedisClientOptions {
  /** Shown in CLIENT LIST and in logs. */
  name: string;
  /** Redis Cluster only: route SSUBSCRIBE to the shard that owns each channel (sharded pub/sub). */
  shardedSubscribers?: boolean;
  /**
   * A subscriber: its (UN)SUBSCRIBE commands wait for the connection however long an outage
   * lasts (ioredis only resubscribes what the server confirmed; a failed SSUBSCRIBE of a room
   * created during an outage would be lost for good).
   */
  subscriber?: boolean;
}

// Commands queued while Redis is down fail after this many reconnect attempts instead of piling up.
const MAX_RETRIES_PER_REQUEST = 2;
const retryStrategy = (attempt: number): number => Math.min(attempt * 100, 2000);

const hostPort = (url: URL): { host: string; port: number } => ({
  host: url.hostname,
  port: url.port === '' ? 6379 : Number(url.port),
});

/** Credentials, TLS and database of a Redis URL (everything but the address). */
function connectionOptions(url: URL): RedisOptions {
  return {
    ...(url.username !== '' && { username: decodeURIComponent(url.username) }),
    ...(url.password !== '' && { password: decodeURIComponent(url.password) }),
    ...(url.protocol === 'rediss:' && { tls: {} }),
    ...(url.pathname.length > 1 && { db: Number(url.pathname.slice(1)) }),
  };
}

/**
 * One URL gives a standalone client, several a Redis Cluster client. Clients reconnect forever
 * with a capped backoff; commands issued while disconnected fail fast after a few retries.
 */
export function createRedisClient(urls: readonly string[], options: RedisClientOptions): RedisClient {
  const parsed = urls.map((url) => new URL(url));
  const first = parsed[0];
  if (first === undefined) throw new Error('no Redis URL');
  const common: RedisOptions = {
    connectionName: options.name,
    maxRetriesPerRequest: options.subscriber === true ? null : MAX_RETRIES_PER_REQUEST,
    retryStrategy,
  };
  if (parsed.length === 1) return new Redis({ ...hostPort(first), ...connectionOptions(first), ...common });
  const clusterOptions: ClusterOptions = {
    redisOptions: { ...connectionOptions(first), ...common },
    clusterRetryStrategy: retryStrategy,
    shardedSubscribers: options.shardedSubscribers ?? false,
  };
  return new Cluster(parsed.map(hostPort), clusterOptions);
}

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

/** Quits a client, falling back to a hard disconnect when Redis does not answer. */
export async function closeClient(client: RedisClient): Promise<void> {
  if (client.status === 'end') return;
  try {
    await Promise.race([
      client.quit(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('quit timed out')), 1000).unref()),
    ]);
  } catch {
    client.disconnect();
  }
}
