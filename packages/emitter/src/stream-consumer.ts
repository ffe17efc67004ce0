import type { RedisClient } from './transport.js';

/** What every consumer-group reader takes (`consumeIntents`, `consumeLifecycle`). */
export interface ConsumerGroupOptions {
  /** Consumer group: every group gets every entry once; consumers of a group share the work. */
  group: string;
  /** This consumer's name within the group (e.g. the pod name). */
  consumer: string;
  /** Entries pending longer than this (a consumer crashed mid-handler) are claimed again. Default 30 000 ms. */
  claimIdleMs?: number;
  /** How long one blocking read waits for entries. Default 2 000 ms. */
  blockMs?: number;
  /** Entries per read, per stream. Default 50. */
  count?: number;
  /** Where a new group starts: `0` (default) = every entry still in the capped stream, `$` = only new ones. */
  startId?: '0' | '$';
}

/** A running consumer. */
export interface StreamConsumer {
  /** Stops after the handler in progress; resolves when the loop has ended. */
  stop(): Promise<void>;
}

/** The entry a failure concerns: its stream, its id and, once decoded, the entry itself. */
export interface EntryFailure<T> {
  stream: string;
  id: string;
  entry?: T;
}

/** What `consumeStreams` reads and how it turns entries into calls. */
export interface StreamsSpec<T> extends ConsumerGroupOptions {
  /** The streams the group reads; each gets the group (created with MKSTREAM when missing). */
  streams: readonly string[];
  /** Redis Cluster with several streams: the pause after a round of reads that found nothing. Default 100 ms. */
  pollMs?: number;
  /** Turns an entry's id and flat field list into a value; a throw marks the entry malformed. */
  decode: (id: string, fields: readonly string[]) => T;
  /** Handles one decoded entry; the entry is acknowledged once it resolves. */
  handle: (entry: T, stream: string) => Promise<void> | void;
  /** A handler that threw, a malformed entry (with its failure), or a Redis error (without). */
  onError: (err: unknown, failure?: EntryFailure<T>) => void;
}

type StreamEntry = [id: string, fields: string[] | null];
type StreamReply = [stream: string, entries: StreamEntry[]][] | null;

const ERROR_BACKOFF_MS = 500;
/** The longest wait between two claim rounds, whatever `claimIdleMs` is. */
const MAX_CLAIM_INTERVAL_MS = 5000;

/** Creates the group on `stream` (and the stream), unless it already exists. */
async function createGroup(redis: RedisClient, stream: string, group: string, startId: string): Promise<void> {
  try {
    await redis.xgroup('CREATE', stream, group, startId, 'MKSTREAM');
  } catch (err) {
    if (!String((err as Error).message).includes('BUSYGROUP')) throw err;
  }
}

/**
 * Reads `streams` with one consumer group: each entry is decoded and handed to `handle`, then acknowledged; an
 * entry whose handler threw stays pending and is claimed again (XAUTOCLAIM, per stream) once idle longer than
 * `claimIdleMs`, as is one left by a consumer that died. A malformed entry (`decode` throws) is reported and
 * acknowledged, so it is never delivered again. Reads go through a connection duplicated from `redis`: on a
 * standalone Redis (or for a single stream) one blocking XREADGROUP over every stream; on Redis Cluster, where the
 * streams sit in different hash slots, one non-blocking XREADGROUP per stream, concurrently, with a `pollMs` pause
 * whenever a round found nothing.
 */
export async function consumeStreams<T>(redis: RedisClient, spec: StreamsSpec<T>): Promise<StreamConsumer> {
  const { streams, group, consumer, decode, handle, onError } = spec;
  const claimIdleMs = spec.claimIdleMs ?? 30_000;
  const blockMs = spec.blockMs ?? 2000;
  const count = spec.count ?? 50;
  const pollMs = spec.pollMs ?? 100;
  // A multi-key XREADGROUP across hash slots fails with CROSSSLOT on a Cluster.
  const blocking = !redis.isCluster || streams.length === 1;
  const reader = redis.duplicate();
  reader.on('error', () => undefined); // surfaced through onError from the loop
  try {
    await Promise.all(streams.map((stream) => createGroup(redis, stream, group, spec.startId ?? '0')));
  } catch (err) {
    reader.disconnect();
    throw err;
  }

  let running = true;
  let wake: () => void = () => undefined;
  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const ack = async (failure: EntryFailure<T>): Promise<void> => {
    try {
      await redis.xack(failure.stream, group, failure.id);
    } catch (err) {
      onError(err, failure);
    }
  };

  const handleEntries = async (stream: string, entries: StreamEntry[]): Promise<void> => {
    for (const [id, fields] of entries) {
      if (!running) return;
      // Redis 6.2 claims a deleted (trimmed) entry as one without fields and keeps it pending: nothing to hand over.
      if (fields === null) {
        await ack({ stream, id });
        continue;
      }
      let entry: T;
      try {
        entry = decode(id, fields);
      } catch (err) {
        // Acknowledged: a malformed entry would fail the same way on every delivery.
        onError(err, { stream, id });
        await ack({ stream, id });
        continue;
      }
      try {
        await handle(entry, stream);
      } catch (err) {
        onError(err, { stream, id, entry });
        continue;
      }
      await ack({ stream, id, entry });
    }
  };

  /** Claims and handles every entry of `stream` pending longer than `claimIdleMs` (a crashed consumer's). */
  const claim = async (stream: string): Promise<void> => {
    let cursor = '0-0';
    do {
      const [next, claimed] = (await reader.xautoclaim(
        stream,
        group,
        consumer,
        claimIdleMs,
        cursor,
        'COUNT',
        count,
      )) as [string, StreamEntry[]];
      await handleEntries(stream, claimed);
      cursor = next;
    } while (cursor !== '0-0' && running);
  };

  /** One blocking read of every stream, waiting at most until the next claim round is due. */
  const readBlocking = async (nextClaim: number): Promise<void> => {
    const block = Math.max(1, Math.min(blockMs, nextClaim - Date.now()));
    const reply = (await reader.xreadgroup(
      'GROUP',
      group,
      consumer,
      'COUNT',
      count,
      'BLOCK',
      block,
      'STREAMS',
      ...streams,
      ...streams.map(() => '>'),
    )) as StreamReply;
    if (reply !== null) for (const [stream, entries] of reply) await handleEntries(stream, entries);
  };

  /** One non-blocking read per stream, concurrently; pauses `pollMs` when none had anything. */
  const readPolling = async (): Promise<void> => {
    const replies = await Promise.allSettled(
      streams.map(
        (stream) =>
          reader.xreadgroup('GROUP', group, consumer, 'COUNT', count, 'STREAMS', stream, '>') as Promise<StreamReply>,
      ),
    );
    let found = false;
    for (const reply of replies) {
      if (reply.status !== 'fulfilled' || reply.value === null) continue;
      for (const [stream, entries] of reply.value) {
        found ||= entries.length > 0;
        await handleEntries(stream, entries);
      }
    }
    const failed = replies.find((reply) => reply.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    if (!found && running) await pause(pollMs);
  };

  const loop = async (): Promise<void> => {
    let nextClaim = 0;
    while (running) {
      try {
        if (Date.now() >= nextClaim) {
          for (const stream of streams) if (running) await claim(stream);
          nextClaim = Date.now() + Math.min(claimIdleMs, MAX_CLAIM_INTERVAL_MS);
        }
        if (!running) break;
        await (blocking ? readBlocking(nextClaim) : readPolling());
      } catch (err) {
        if (!running) break;
        onError(err);
        // Redis restarted empty (no persistence): the streams and the group are gone; recreate them from the start
        // of what pods append from now on, instead of failing every round until this process restarts.
        if (String((err as Error).message).includes('NOGROUP')) {
          await Promise.all(streams.map((stream) => createGroup(redis, stream, group, '0'))).catch(onError);
        }
        await pause(ERROR_BACKOFF_MS);
      }
    }
  };
  const done = loop();
  return {
    async stop() {
      running = false;
      wake();
      // Ends a blocked read; what a cut read took stays pending and is claimed again. Acks use `redis`.
      reader.disconnect();
      await done;
    },
  };
}
