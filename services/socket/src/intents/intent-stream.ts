import {
  encodeIntentFields,
  intentDomain,
  intentStream,
  type ClientPayload,
  type IntentEvent,
  type IntentSender,
} from '@gamesocket/protocol';
import type { RedisClient } from '../cluster/redis-clients.js';
import { ServiceError } from '../core/errors.js';

/** Appends accepted intents to the capped Redis Stream of their domain (`intentStream`, `encodeIntentFields`). */
export interface IntentWriter {
  /** Resolves with the stream entry id; rejects with `UNAVAILABLE` without Redis or while it is down. */
  append<E extends IntentEvent>(event: E, payload: ClientPayload<E>, sender: IntentSender): Promise<string>;
}

/** The writer of a pod: Redis Streams when the pod has Redis, else one that answers UNAVAILABLE. */
export function createIntentWriter(
  redis: RedisClient | undefined,
  maxLen: number,
  /** Told why an append failed (logged and counted there); the client gets a fixed message only. */
  onFailure: (err: unknown, event: IntentEvent) => void,
): IntentWriter {
  return {
    async append(event, payload, sender) {
      if (redis === undefined)
        throw new ServiceError('UNAVAILABLE', 'intents need Redis (no REDIS_URL on this deployment)');
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
