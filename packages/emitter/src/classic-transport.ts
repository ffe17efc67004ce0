import { encode } from 'notepack.io';
import { EMITTER_UID, NSP, type ClusterTransport, type RedisClient } from './transport.js';

// Request types of @socket.io/redis-adapter's classic request channel.
const REMOTE_JOIN = 2;
const REMOTE_LEAVE = 3;
const REMOTE_DISCONNECT = 4;

/**
 * The classic `@socket.io/redis-adapter` format (the same as the stock `@socket.io/redis-emitter`):
 * msgpack `[uid, packet, opts]` on `<prefix>#/#` or `<prefix>#/#<room>#`, JSON requests on
 * `<prefix>-request#/#`.
 */
export function classicTransport(redis: RedisClient, channelPrefix: string): ClusterTransport {
  const broadcastChannel = `${channelPrefix}#${NSP}#`;
  const requestChannel = `${channelPrefix}-request#${NSP}#`;
  const publish = async (channel: string, message: string | Buffer): Promise<void> => {
    await redis.publish(channel, message);
  };
  return {
    broadcast: (packet, target, flags) => {
      const room = target.rooms.length === 1 ? target.rooms[0] : undefined;
      const channel = room === undefined ? broadcastChannel : `${broadcastChannel}${room}#`;
      return publish(channel, Buffer.from(encode([EMITTER_UID, packet, { ...target, flags }])));
    },
    socketsJoin: (target, rooms) => publish(requestChannel, JSON.stringify({ type: REMOTE_JOIN, opts: target, rooms })),
    socketsLeave: (target, rooms) =>
      publish(requestChannel, JSON.stringify({ type: REMOTE_LEAVE, opts: target, rooms })),
    disconnectSockets: (target, close) =>
      publish(requestChannel, JSON.stringify({ type: REMOTE_DISCONNECT, opts: target, close })),
  };
}
