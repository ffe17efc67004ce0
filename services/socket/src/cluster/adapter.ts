import { createAdapter as createClassicAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { createAdapter as createStreamsAdapter } from '@socket.io/redis-streams-adapter';
import type { ServerOptions } from 'socket.io';
import { ADAPTER_CHANNEL_PREFIX as CHANNEL_PREFIX, ADAPTER_STREAM } from '@gamesocket/protocol';
import { closeClient, createRedisClient } from '@gamesocket/redis';
import type { AdapterMode, Config } from '../config/config.js';
import type { Logger } from '../core/logger.js';
import { guardClient, type RedisClient } from './redis-clients.js';

/** The pods' shared broadcast layer, built from config in this one place. */
export interface ClusterLayer {
  mode: AdapterMode;
  /** The Socket.IO adapter factory; undefined = the default in-memory adapter. */
  adapter: ServerOptions['adapter'] | undefined;
  /** True when every Redis connection is ready (always true in memory mode). */
  isUp(): boolean;
  /** The client for this pod's own commands (presence, intents); undefined in memory mode. */
  redis: RedisClient | undefined;
  /** Quits the Redis connections. Call after Socket.IO is closed. */
  close(): Promise<void>;
}

/** Builds the adapter for `config.adapter`; Redis errors are logged and counted, never thrown. */
export function createClusterLayer(config: Config, log: Logger, onRedisError: () => void): ClusterLayer {
  const mode = config.adapter;
  if (mode === 'memory') {
    return { mode, adapter: undefined, isUp: () => true, redis: undefined, close: async () => undefined };
  }
  const clusterLog = log.child({ component: 'redis', mode });
  const make = (name: string): RedisClient =>
    guardClient(
      createRedisClient(config.redisUrls, {
        name: `${config.nodeId}:${name}`,
        shardedSubscribers: mode === 'redis-sharded',
        subscriber: name === 'sub',
        // The streams adapter subscribes through a duplicate of its client when a namespace is built.
        subscribingDuplicates: mode === 'redis-streams',
        // The pod's command client, shared by every socket's presence calls and the adapter's publishes.
        coalesceWrites: name === 'pub',
        flushDelayMs: config.redisFlushDelayMs,
      }),
      clusterLog,
      onRedisError,
    );

  const pub = make('pub');
  const clients: RedisClient[] = [pub];
  let adapter: ServerOptions['adapter'];
  if (mode === 'redis-streams') {
    // The streams adapter publishes with this client and reads through duplicates of it.
    adapter = createStreamsAdapter(pub, {
      streamName: ADAPTER_STREAM,
      channelPrefix: CHANNEL_PREFIX,
      maxLen: config.recoveryStreamMaxLen,
    });
  } else {
    const sub = make('sub');
    clients.push(sub);
    adapter =
      mode === 'redis'
        ? createClassicAdapter(pub, sub, { key: CHANNEL_PREFIX })
        : createShardedAdapter(pub, sub, { channelPrefix: CHANNEL_PREFIX, subscriptionMode: 'dynamic' });
  }

  return {
    mode,
    adapter,
    redis: pub,
    isUp: () => clients.every((client) => client.status === 'ready'),
    close: async () => {
      await Promise.all(clients.map(closeClient));
    },
  };
}
