import type { BroadcastFlags, ClusterTransport, EventPacket, TargetOptions } from './transport.js';

/** Which sockets an adapter operation targets, as Socket.IO's `Adapter` takes it. */
export interface LocalBroadcastOptions {
  rooms: Set<string>;
  except?: Set<string>;
  flags?: BroadcastFlags;
}

/**
 * The part of a Socket.IO `Adapter` (the default namespace's, `io.of('/').adapter`) that a memory emitter drives:
 * the calls a pod's adapter makes when another pod or an emitter broadcasts through Redis.
 */
export interface LocalAdapter {
  broadcast(packet: EventPacket, options: LocalBroadcastOptions): void;
  addSockets(options: LocalBroadcastOptions, rooms: string[]): void;
  delSockets(options: LocalBroadcastOptions, rooms: string[]): void;
  disconnectSockets(options: LocalBroadcastOptions, close: boolean): void;
}

const optionsOf = (target: TargetOptions, flags?: BroadcastFlags): LocalBroadcastOptions => ({
  rooms: new Set(target.rooms),
  except: new Set(target.except),
  ...(flags?.volatile === true && { flags: { volatile: true } }),
});

/** Applies cluster operations to the sockets of one node in this process, through its adapter. */
export function localTransport(adapter: LocalAdapter): ClusterTransport {
  return {
    // A fresh packet: the adapter may append a recovery offset to its data.
    broadcast: async (packet, target, flags) =>
      adapter.broadcast({ ...packet, data: [...packet.data] }, optionsOf(target, flags)),
    socketsJoin: async (target, rooms) => adapter.addSockets(optionsOf(target), rooms),
    socketsLeave: async (target, rooms) => adapter.delSockets(optionsOf(target), rooms),
    disconnectSockets: async (target, close) => adapter.disconnectSockets(optionsOf(target), close),
  };
}
