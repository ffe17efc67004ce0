import {
  decodeIntentEntry,
  intentStream,
  type AnyIntentEntry,
  type IntentDomain,
  type IntentEntry,
} from '@gamesocket/protocol';
import { consumeStreams, type ConsumerGroupOptions, type StreamConsumer } from './stream-consumer.js';
import type { RedisClient } from './transport.js';

/** Options of `consumeIntents`. */
export interface ConsumeOptions extends ConsumerGroupOptions {
  /** `room` or `match`: which stream to read. */
  domain: IntentDomain;
  /**
   * Called when a handler throws (with the entry; it is left pending and retried), an entry is malformed (an
   * `IntentDecodeError` naming it by `entryId`; it is acknowledged and skipped) or Redis fails.
   */
  onError?: (err: unknown, entry?: IntentEntry) => void;
}

/** A running intent consumer. */
export type IntentConsumer = StreamConsumer;

/** The handler of one intent; resolve to acknowledge it, throw to have it delivered again. */
export type IntentHandler = (entry: AnyIntentEntry) => Promise<void> | void;

/**
 * Consumes client intents with a Redis consumer group: each entry is acknowledged only after
 * `handler` resolves, so an entry whose consumer crashed (or threw) stays pending and is claimed
 * again after `claimIdleMs` — at-least-once: make handlers idempotent (the entry id helps). A
 * malformed entry is reported to `onError` and acknowledged, never handed to `handler`.
 * Reads block on its own connection, duplicated from `redis`.
 */
export function consumeIntents(
  redis: RedisClient,
  options: ConsumeOptions,
  handler: IntentHandler,
): Promise<IntentConsumer> {
  const { domain, onError = () => undefined, ...group } = options;
  return consumeStreams<AnyIntentEntry>(redis, {
    ...group,
    streams: [intentStream(domain)],
    decode: decodeIntentEntry,
    handle: (entry) => handler(entry),
    onError: (err, failure) => onError(err, failure?.entry),
  });
}
