import type { TRACE_CONTEXT_FLAG, TraceContextCarrier } from '@gamesocket/protocol';

/** A standalone or cluster ioredis client. */
export type { RedisClient } from '@gamesocket/redis';

/** Which sockets a cluster operation targets, as the Socket.IO adapters encode it. */
export interface TargetOptions {
  rooms: string[];
  except: string[];
}

/** Flags of a broadcast (`volatile`: may be dropped for a client that is not ready). */
export interface BroadcastFlags {
  volatile?: boolean;
  /** The publish's W3C trace context, when it is traced (see `tracedTransport`). */
  [TRACE_CONTEXT_FLAG]?: TraceContextCarrier;
}

/** A Socket.IO EVENT packet for the default namespace. */
export interface EventPacket {
  type: 2;
  data: unknown[];
  nsp: '/';
}

/**
 * Writes Socket.IO adapter messages in the wire format of one cluster mode, so every pod's adapter
 * acts on them as if another pod had sent them. Each call resolves once Redis accepted the write.
 */
export interface ClusterTransport {
  broadcast(packet: EventPacket, target: TargetOptions, flags: BroadcastFlags): Promise<void>;
  socketsJoin(target: TargetOptions, rooms: string[]): Promise<void>;
  socketsLeave(target: TargetOptions, rooms: string[]): Promise<void>;
  disconnectSockets(target: TargetOptions, close: boolean): Promise<void>;
}

/** The uid every adapter recognises as "an emitter, not a pod". */
export const EMITTER_UID = 'emitter';
/** The default namespace, the only one gamesocket serves. */
export const NSP = '/';
