import type { Namespace, Socket } from 'socket.io';

// A Redis stream entry id: `<ms>-<seq>`.
const STREAM_ID = /^(\d+)-(\d+)$/;

/** True when stream entry id `a` comes after `b`. */
export function streamIdAfter(a: string, b: string): boolean {
  const x = STREAM_ID.exec(a);
  const y = STREAM_ID.exec(b);
  if (x === null || y === null) return true;
  const [msA, msB] = [Number(x[1]), Number(y[1])];
  return msA !== msB ? msA > msB : Number(x[2]) > Number(y[2]);
}

interface Packet {
  data?: unknown[];
}
interface Session {
  sid: string;
  missedPackets: unknown[][];
}
interface BroadcastOptions {
  rooms: Set<string>;
  except?: Set<string>;
}
// The parts of Socket.IO's in-memory adapter (the base of every adapter) this module reroutes.
interface AdapterInternals {
  rooms: Map<string, Set<string>>;
  sids: Map<string, Set<string>>;
  apply(opts: BroadcastOptions, callback: (socket: Socket) => void): void;
  computeExceptSids(except?: Set<string>): Set<string>;
  restoreSession(pid: string, offset: string): Promise<Session | null> | null;
  _encode(packet: Packet, packetOpts: unknown): unknown;
  delAll(id: string): void;
}

/**
 * Closes the two holes Socket.IO leaves around a recovered socket (measured in the drain test):
 *
 * - It joins its rooms when it is created, but the adapter only reaches sockets that finished their
 *   middlewares: whatever was broadcast while our auth and presence middlewares ran was lost. Here
 *   broadcasts also reach sockets still in middlewares (as Socket.IO's own uWS adapter does); the
 *   client holds them until the CONNECT packet, like the replayed ones.
 * - In redis-streams mode the replay reads the stream to its end, while this pod's stream reader may
 *   still be behind: those entries would come twice. Each recovered socket remembers the last entry
 *   it was replayed and skips broadcasts up to it (`streamOffsets`).
 */
export function deliverToRecoveringSockets(nsp: Namespace, options: { streamOffsets: boolean }): void {
  const adapter = nsp.adapter as unknown as AdapterInternals;
  const preConnect = (nsp as unknown as { _preConnectSockets: Map<string, Socket> })._preConnectSockets;
  const replayedUpTo = new Map<string, string>();
  // Socket.IO encodes a broadcast's packet and then applies it, synchronously: the offset the
  // cluster adapter appended to the packet is carried from one to the other here.
  let pendingOffset: string | undefined;

  if (options.streamOffsets) {
    const restoreSession = adapter.restoreSession.bind(adapter);
    adapter.restoreSession = async (pid, offset) => {
      const session = await restoreSession(pid, offset);
      const last = session?.missedPackets.at(-1)?.at(-1);
      if (session && typeof last === 'string' && STREAM_ID.test(last)) replayedUpTo.set(session.sid, last);
      return session;
    };
    const encode = adapter._encode.bind(adapter);
    adapter._encode = (packet, packetOpts) => {
      const last = Array.isArray(packet.data) ? packet.data.at(-1) : undefined;
      pendingOffset = typeof last === 'string' && STREAM_ID.test(last) ? last : undefined;
      return encode(packet, packetOpts);
    };
    const delAll = adapter.delAll.bind(adapter);
    adapter.delAll = (id) => {
      replayedUpTo.delete(id);
      delAll(id);
    };
  }

  adapter.apply = (opts, callback) => {
    // Only broadcasts with a stream offset can overlap a replay, and only while some socket has a mark.
    const offset = replayedUpTo.size === 0 ? undefined : pendingOffset;
    pendingOffset = undefined;
    const except = adapter.computeExceptSids(opts.except);
    const reach = (id: string): void => {
      const socket = nsp.sockets.get(id) ?? preConnect.get(id);
      if (socket === undefined) return;
      const mark = offset === undefined ? undefined : replayedUpTo.get(id);
      if (mark !== undefined) {
        if (!streamIdAfter(offset!, mark)) return; // already replayed to this socket
        replayedUpTo.delete(id);
      }
      callback(socket);
    };
    if (opts.rooms.size === 0) {
      for (const id of adapter.sids.keys()) if (!except.has(id)) reach(id);
      return;
    }
    const seen = new Set<string>();
    for (const room of opts.rooms) {
      for (const id of adapter.rooms.get(room) ?? []) {
        if (seen.has(id) || except.has(id)) continue;
        seen.add(id);
        reach(id);
      }
    }
  };
}
