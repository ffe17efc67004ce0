import type { BroadcastFlags, EventPacket, TargetOptions } from './transport.js';
import { EMITTER_UID, NSP } from './transport.js';

// Message types of socket.io-adapter's ClusterAdapter (used by the sharded and streams adapters).
export const MessageType = { BROADCAST: 3, SOCKETS_JOIN: 4, SOCKETS_LEAVE: 5, DISCONNECT_SOCKETS: 6 } as const;

/** A ClusterAdapter message as the sharded and streams adapters exchange it. */
export interface ClusterMessage {
  uid: string;
  nsp: string;
  type: (typeof MessageType)[keyof typeof MessageType];
  data: unknown;
}

/** The four messages an emitter sends, in ClusterAdapter form. */
export const clusterMessages = {
  broadcast: (packet: EventPacket, opts: TargetOptions, flags: BroadcastFlags): ClusterMessage => ({
    uid: EMITTER_UID,
    nsp: NSP,
    type: MessageType.BROADCAST,
    data: { packet, opts: { ...opts, flags } },
  }),
  join: (opts: TargetOptions, rooms: string[]): ClusterMessage => ({
    uid: EMITTER_UID,
    nsp: NSP,
    type: MessageType.SOCKETS_JOIN,
    data: { opts, rooms },
  }),
  leave: (opts: TargetOptions, rooms: string[]): ClusterMessage => ({
    uid: EMITTER_UID,
    nsp: NSP,
    type: MessageType.SOCKETS_LEAVE,
    data: { opts, rooms },
  }),
  disconnect: (opts: TargetOptions, close: boolean): ClusterMessage => ({
    uid: EMITTER_UID,
    nsp: NSP,
    type: MessageType.DISCONNECT_SOCKETS,
    data: { opts, close },
  }),
};
