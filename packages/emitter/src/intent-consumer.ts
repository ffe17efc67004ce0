import {
  decodeIntentEntry,
  intentStream,
  type AnyIntentEntry,
  type IntentDomain,
  type IntentEntry,
} from '@gamesocket/protocol';
import type { RedisClient } from './transport.js';

/** Options of `consumeIntents`. */
export interface ConsumeOptions {
  /** `room` or `match`: which stream to read. */
  domain: IntentDomain;
  /** Consumer group: every group gets every intent once; consumers of a group share the work. */
  group: string;
  /** This consumer's name within the group (e.g. the pod name). */
  consumer: string;
  /** Entries pending longer than this (a consumer crashed mid-handler) are claimed again. Default 30 000 ms. */
  claimIdleMs?: number;
  /** How long one read blocks waiting for entries. Default 2 000 ms. */
  blockMs?: number;
  /** Entries per read. Default 50. */
  count?: number;
  /** Where a new group starts: `0` (default) = every entry still in the capped stream, `$` = only new ones. */
  startId?: '0' | '$';
  /**
   * Called when a handler throws (the entry is left pending and retried), an entry is malformed (an
   * `IntentDecodeError`; it is left pending too) or Redis fails.
   */
  onError?: (err: unknown, entry?: IntentEntry) => void;
}

/** A running consumer. */
export interface IntentConsumer {
  /** Stops after the handler in progress; resolves when the loop has ended. */
  stop(): Promise<void>;
}

/** The handler of one intent; resolve to acknowledge it, throw to have it delivered again. */
export type IntentHandler = (entry: AnyIntentEntry) => Promise<void> | void;

type StreamEntry = [id: string, fields: string[]];

/**
 * Consumes client intents with a Redis consumer group: each entry is acknowledged only after
 * `handler` resolves, so an entry whose consumer crashed (or threw) stays pending and is claimed
 * again after `claimIdleMs` — at-least-once: make handlers idempotent (the entry id helps).
 * Uses its own (blocking) connection, duplicated from `redis`.
 */
export async function consumeIntents(
  redis: RedisClient,
  options: ConsumeOptions,
  handler: IntentHandler,
): Promise<IntentConsumer> {
  const stream = intentStream(options.domain);
  const { group, consumer } = options;
  const claimIdleMs = options.claimIdleMs ?? 30_000;
  const blockMs = options.blockMs ?? 2000;
  const count = options.count ?? 50;
  const onError = options.onError ?? (() => undefined);
  const reader = redis.duplicate();
  reader.on('error', () => undefined); // surfaced through onError from the loop
  try {
    await redis.xgroup('CREATE', stream, group, options.startId ?? '0', 'MKSTREAM');
  } catch (err) {
    if (!String((err as Error).message).includes('BUSYGROUP')) {
      reader.disconnect();
      throw err;
    }
  }

  let running = true;
  const handle = async (entries: StreamEntry[]): Promise<void> => {
    for (const [id, fields] of entries) {
      if (!running) return;
      let entry: AnyIntentEntry | undefined;
      try {
        entry = decodeIntentEntry(id, fields);
        await handler(entry);
        await redis.xack(stream, group, id);
      } catch (err) {
        onError(err, entry);
      }
    }
  };

  const loop = async (): Promise<void> => {
    let nextClaim = 0;
    while (running) {
      try {
        if (Date.now() >= nextClaim) {
          // Entries another consumer (or this one, before a crash) read but never acknowledged.
          const [, claimed] = (await reader.xautoclaim(
            stream,
            group,
            consumer,
            claimIdleMs,
            '0-0',
            'COUNT',
            count,
          )) as [string, StreamEntry[]];
          await handle(claimed.filter((entry): entry is StreamEntry => Array.isArray(entry?.[1])));
          nextClaim = Date.now() + Math.min(claimIdleMs, 5000);
        }
        const result = (await reader.xreadgroup(
          'GROUP',
          group,
          consumer,
          'COUNT',
          count,
          'BLOCK',
          blockMs,
          'STREAMS',
          stream,
          '>',
        )) as [string, StreamEntry[]][] | null;
        if (result !== null) for (const [, entries] of result) await handle(entries);
      } catch (err) {
        if (!running) break;
        onError(err);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  };
  const done = loop();
  return {
    async stop() {
      running = false;
      reader.disconnect();
      await done;
    },
  };
}
