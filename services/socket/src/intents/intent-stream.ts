import {
  intentStream,
  type ClientPayload,
  type IntentDomain,
  type IntentEvent,
  type IntentSender,
} from '@gamesocket/protocol';
import type { RedisClient } from '../cluster/redis-clients.js';
import { ServiceError } from '../core/errors.js';

/** Appends accepted intents to the capped Redis Stream of their domain. */
export interface IntentWriter {
  /** Resolves with the stream entry id; rejects with `UNAVAILABLE` without Redis or while it is down. */
  append<E extends IntentEvent>(event: E, payload: ClientPayload<E>, sender: IntentSender): Promise<string>;
}

/** The writer of a pod: Redis Streams when the pod has Redis, else one that answers UNAVAILABLE. */
export function createIntentWriter(
  redis: RedisClient | undefined,
  maxLen: number,
  onFailure: () => void,
): IntentWriter {
  return {
    async append(event, payload, sender) {
      if (redis === undefined)
        throw new ServiceError('UNAVAILABLE', 'intents need Redis (no REDIS_URL on this deployment)');
      if (redis.status !== 'ready') throw new ServiceError('UNAVAILABLE', 'intents are unavailable: Redis is down');
      const domain = event.slice(0, event.indexOf(':')) as IntentDomain;
      try {
        const id = await redis.xadd(
          intentStream(domain),
          'MAXLEN',
          '~',
          maxLen,
          '*',
          'event',
          event,
          'payload',
          JSON.stringify(payload),
          'userId',
          sender.userId,
          'username',
          sender.username,
          'socketId',
          sender.socketId,
          'nodeId',
          sender.nodeId,
          'timestamp',
          String(Date.now()),
        );
        if (id === null) throw new Error('XADD returned no id');
        return id;
      } catch (err) {
        onFailure();
        throw new ServiceError('UNAVAILABLE', `intent not stored: ${(err as Error).message}`);
      }
    },
  };
}
