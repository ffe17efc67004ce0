import {
  encodeIntentFields,
  intentDomain,
  intentStream,
  type ClientPayload,
  type IntentEvent,
  type IntentSender,
} from '@gamesocket/protocol';
import type { MemoryIntents } from '@gamesocket/presence';
import type { RedisClient } from '../cluster/redis-clients.js';
import { ServiceError } from '../core/errors.js';

/**
 * Appends accepted intents to the capped stream of their domain, where backends consume them with consumer groups:
 * in Redis (`intentStream`, `encodeIntentFields`), or in this process (`memory` mode, `MemoryIntents`).
 */
export interface IntentWriter {
  /** Resolves with the stream entry id; rejects with `UNAVAILABLE` while Redis is down or the append failed. */
  append<E extends IntentEvent>(event: E, payload: ClientPayload<E>, sender: IntentSender): Promise<string>;
}

/** The writer of a `memory` mode node: the in-process streams an in-process backend consumes (`MemoryIntents`). */
export function memoryIntentWriter(intents: MemoryIntents): IntentWriter {
  return {
    async append(event, payload, sender) {
      // A single node with no backend in its process: nobody would ever read the intent.
      if (!intents.isConsumed(intentDomain(event))) {
        throw new ServiceError('UNAVAILABLE', `no backend consumes ${intentDomain(event)} intents on this node`);
      }
      return intents.append({ event, payload, sender, timestamp: Date.now() });
    },
  };
}

/** The writer of a pod with Redis: one capped Redis Stream per domain. */
export function redisIntentWriter(
  redis: RedisClient,
  maxLen: number,
  /** Told why an append failed (logged and counted there); the client gets a fixed message only. */
  onFailure: (err: unknown, event: IntentEvent) => void,
): IntentWriter {
  return {
    async append(event, payload, sender) {
      if (redis.status !== 'ready') throw new ServiceError('UNAVAILABLE', 'intents are unavailable: Redis is down');
      try {
        const id = await redis.xadd(
          intentStream(intentDomain(event)),
          'MAXLEN',
          '~',
          maxLen,
          '*',
          ...encodeIntentFields({ event, payload, sender, timestamp: Date.now() }),
        );
        if (id === null) throw new Error('XADD returned no id');
        return id;
      } catch (err) {
        onFailure(err, event);
        // Redis' own error text stays in the log: it names internals (keys, commands, memory state).
        throw new ServiceError('UNAVAILABLE', 'intent not stored, try again');
      }
    },
  };
}
