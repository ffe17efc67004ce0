import { clusterMessages, type ClusterMessage } from './cluster-message.js';
import type { ClusterTransport, RedisClient } from './transport.js';

/**
 * The `@socket.io/redis-streams-adapter` format: XADD of `{ uid, nsp, type, data: JSON }` to the
 * adapter's stream, capped like the adapter caps it. Broadcasts written here carry a stream offset
 * like any other, so clients can recover them after a reconnect.
 */
export function streamsTransport(redis: RedisClient, streamName: string, maxLen: number): ClusterTransport {
  const append = async (message: ClusterMessage): Promise<void> => {
    await redis.xadd(
      streamName,
      'MAXLEN',
      '~',
      maxLen,
      '*',
      'uid',
      message.uid,
      'nsp',
      message.nsp,
      'type',
      String(message.type),
      'data',
      JSON.stringify(message.data),
    );
  };
  return {
    broadcast: (packet, target, flags) => append(clusterMessages.broadcast(packet, target, flags)),
    socketsJoin: (target, rooms) => append(clusterMessages.join(target, rooms)),
    socketsLeave: (target, rooms) => append(clusterMessages.leave(target, rooms)),
    disconnectSockets: (target, close) => append(clusterMessages.disconnect(target, close)),
  };
}
