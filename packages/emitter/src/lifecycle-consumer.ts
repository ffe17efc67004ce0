import {
  DEFAULT_PRESENCE_SHARDS,
  KEY_PREFIX,
  decodeLifecycleEntry,
  presenceKeys,
  type LifecycleEntry,
} from '@gamesocket/protocol';
import { consumeStreams, type ConsumerGroupOptions, type StreamConsumer } from './stream-consumer.js';
import type { RedisClient } from './transport.js';

/** Where a lifecycle entry was read: its presence shard and that shard's stream. */
export interface LifecycleSource {
  /** The presence shard, 0 … shards-1. */
  shard: number;
  /** The shard's stream, `<prefix>:{p<shard>}:lifecycle`. */
  stream: string;
}

/** Options of `GameEmitter.consumeLifecycle`. */
export interface LifecycleConsumeOptions extends ConsumerGroupOptions {
  /**
   * Redis Cluster only: the shards' streams are polled (one non-blocking read each, concurrently), and a round
   * that found nothing is followed by this pause, the feed's added latency when idle. Default 100 ms.
   */
  pollMs?: number;
  /**
   * Called when a handler throws (with the entry and its source; it is left pending and retried), an entry is
   * malformed (a `LifecycleDecodeError` naming it by `entryId`, with its source; it is acknowledged and skipped)
   * or Redis fails (the error alone).
   */
  onError?: (err: unknown, entry?: LifecycleEntry, source?: LifecycleSource) => void;
}

/** Options of `consumeLifecycle`: also where the feed is, which must match the pods' presence options. */
export interface LifecycleFeedOptions extends LifecycleConsumeOptions {
  /** Presence key prefix. Default `gamesocket`. */
  prefix?: string;
  /** Presence shard count: one stream per shard. Default 16. */
  shards?: number;
}

/** A running lifecycle consumer. */
export type LifecycleConsumer = StreamConsumer;

/**
 * The handler of one lifecycle entry; resolve to acknowledge it, throw to have it delivered again. Entry ids are
 * unique within a shard's stream only: entries of two shards may share one, so key idempotency on the source too.
 */
export type LifecycleHandler = (entry: LifecycleEntry, source: LifecycleSource) => Promise<void> | void;

/**
 * Consumes the lifecycle feed (`player:online`, `player:offline`, `room:player_joined`, `room:player_left`,
 * `room:emptied`) with a Redis consumer group over every presence shard's stream: each entry is acknowledged only
 * after `handler` resolves, so one whose consumer crashed (or threw) stays pending and is claimed again after
 * `claimIdleMs` — at-least-once: make handlers idempotent. A malformed entry is reported to `onError` and
 * acknowledged, never handed to `handler`. A lone consumer gets a shard's entries in stream order (retries aside);
 * there is no order across shards. Reads use their own connection, duplicated from `redis`: one blocking read of every stream
 * on a standalone Redis, a poll of each (`pollMs`) on Redis Cluster. Rejects with `RangeError` when `shards` is not
 * a positive integer.
 */
export function consumeLifecycle(
  redis: RedisClient,
  options: LifecycleFeedOptions,
  handler: LifecycleHandler,
): Promise<LifecycleConsumer> {
  const { prefix = KEY_PREFIX, shards = DEFAULT_PRESENCE_SHARDS, onError = () => undefined, ...group } = options;
  if (!Number.isSafeInteger(shards) || shards < 1) {
    return Promise.reject(new RangeError(`shards must be a positive integer: ${shards}`));
  }
  const sources = new Map<string, LifecycleSource>();
  for (let shard = 0; shard < shards; shard++) {
    const stream = presenceKeys.lifecycle(presenceKeys.shard(shard, prefix));
    sources.set(stream, { shard, stream });
  }
  // Replies name the streams exactly as they were asked for.
  const sourceOf = (stream: string): LifecycleSource => sources.get(stream) as LifecycleSource;
  return consumeStreams<LifecycleEntry>(redis, {
    ...group,
    streams: [...sources.keys()],
    decode: decodeLifecycleEntry,
    handle: (entry, stream) => handler(entry, sourceOf(stream)),
    onError: (err, failure) =>
      failure === undefined ? onError(err) : onError(err, failure.entry, sourceOf(failure.stream)),
  });
}
