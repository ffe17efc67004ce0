import { clusterMessages, type ClusterMessage } from './cluster-message.js';
import { NSP, type ClusterTransport, type RedisClient } from './transport.js';

// The sharded adapter treats 20-character room names as socket ids and never gives them a channel.
const looksLikeASocketId = (room: string): boolean => room.length === 20;

/**
 * The `createShardedAdapter` format: JSON ClusterAdapter messages by SPUBLISH on `<prefix>#/#`, or
 * on the room's own channel `<prefix>#/#<room>#` for a single-room broadcast ("dynamic" mode), as
 * the adapter itself does — so only the pods that hold that room receive it.
 */
export function shardedTransport(redis: RedisClient, channelPrefix: string): ClusterTransport {
  const channel = `${channelPrefix}#${NSP}#`;
  const publish = async (target: string, message: ClusterMessage): Promise<void> => {
    await redis.spublish(target, JSON.stringify(message));
  };
  return {
    broadcast: (packet, target, flags) => {
      const room = target.rooms.length === 1 ? target.rooms[0] : undefined;
      const dynamic = room !== undefined && !looksLikeASocketId(room);
      return publish(dynamic ? `${channel}${room}#` : channel, clusterMessages.broadcast(packet, target, flags));
    },
    socketsJoin: (target, rooms) => publish(channel, clusterMessages.join(target, rooms)),
    socketsLeave: (target, rooms) => publish(channel, clusterMessages.leave(target, rooms)),
    disconnectSockets: (target, close) => publish(channel, clusterMessages.disconnect(target, close)),
  };
}
