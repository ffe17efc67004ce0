import type { Namespace, Socket } from 'socket.io';
import { isVolatileEvent } from '@gamesocket/protocol';

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
  rooms: string[];
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

/** A broadcast this pod delivered, kept briefly so a session restored meanwhile does not miss it. */
interface Dispatched {
  id: string;
  data: unknown[];
  rooms: Set<string>;
  except: Set<string> | undefined;
  at: number;
}

/** How long, and how many, delivered broadcasts are kept for sessions being restored. */
const DISPATCHED_MS = 10_000;
const DISPATCHED_MAX = 10_000;

const lastOf = (packet: unknown[] | undefined): unknown => packet?.[packet.length - 1];

/**
 * Closes the holes Socket.IO leaves around a recovered socket (measured by the drain and delivery
 * scenario tests):
 *
 * - It joins its rooms when it is created, but the adapter only reaches sockets that finished their
 *   middlewares: whatever was broadcast while our auth and presence middlewares ran was lost. Here
 *   broadcasts also reach sockets still in middlewares (as Socket.IO's own uWS adapter does); the
 *   client holds them until the CONNECT packet, like the replayed ones.
 * - redis-streams mode (`streamOffsets`): the replay reads the stream on one connection while this
 *   pod's stream reader delivers on another, in no fixed order. An entry the reader delivered before
 *   the socket existed, but after the replay's read, was lost: the broadcasts this pod delivered
 *   recently are kept and merged into the replay. And an entry the replay read before the reader got
 *   to it came twice: each recovered socket skips the entries it was replayed.
 * - Volatile events (`VOLATILE_EVENTS`) are left out of every replay: they carry no offset, so the
 *   client's offset does not cover the ones it already got.
 */
export function deliverToRecoveringSockets(nsp: Namespace, options: { streamOffsets: boolean }): void {
  const adapter = nsp.adapter as unknown as AdapterInternals;
  const preConnect = (nsp as unknown as { _preConnectSockets: Map<string, Socket> })._preConnectSockets;
  // Per recovered socket: the replayed stream ids this pod has not delivered yet (its reader still
  // will), each skipped once when it comes.
  const replayed = new Map<string, Set<unknown>>();
  // dispatched[head..] is what this pod delivered recently (the head moves instead of shifting the array).
  const dispatched: Dispatched[] = [];
  let head = 0;
  const dispatchedIds = new Set<string>();
  // Socket.IO encodes a broadcast's packet and then applies it, synchronously: the packet (and the
  // stream offset the cluster adapter appended to it) is carried from one to the other here.
  let pending: { id: string; data: unknown[] } | undefined;

  const restoreSession = adapter.restoreSession.bind(adapter);
  adapter.restoreSession = async (pid, offset) => {
    const session = await restoreSession(pid, offset);
    if (session) {
      // Volatile events may be dropped, and carry no offset, so the client's offset does not cover the
      // ones it already got: replaying them would deliver them twice.
      session.missedPackets = session.missedPackets.filter((packet) => !isVolatileEvent(packet[0]));
      // From here to the socket joining its rooms there is no I/O, so no broadcast can slip between.
      if (options.streamOffsets) mergeDispatched(session, offset);
    }
    return session;
  };

  if (options.streamOffsets) {
    const encode = adapter._encode.bind(adapter);
    adapter._encode = (packet, packetOpts) => {
      const last = lastOf(packet.data);
      // Volatile events are never replayed: not kept either, so a stream of them cannot push the rest out.
      pending =
        typeof last === 'string' && STREAM_ID.test(last) && !isVolatileEvent(packet.data![0])
          ? { id: last, data: packet.data! }
          : undefined;
      return encode(packet, packetOpts);
    };
    const delAll = adapter.delAll.bind(adapter);
    adapter.delAll = (id) => {
      replayed.delete(id);
      delAll(id);
    };
  }

  function mergeDispatched(session: Session, offset: string): void {
    const ids = new Set(session.missedPackets.map(lastOf));
    const rooms = session.rooms;
    const late: Dispatched[] = [];
    for (let i = head; i < dispatched.length; i++) {
      const entry = dispatched[i]!;
      if (
        streamIdAfter(entry.id, offset) &&
        !ids.has(entry.id) &&
        (entry.rooms.size === 0 || rooms.some((room) => entry.rooms.has(room))) &&
        !rooms.some((room) => entry.except?.has(room))
      ) {
        late.push(entry);
      }
    }
    if (late.length > 0) {
      session.missedPackets = [...session.missedPackets, ...late.map((entry) => entry.data)].sort((a, b) =>
        streamIdAfter(lastOf(a) as string, lastOf(b) as string) ? 1 : -1,
      );
    }
    // What this pod delivered already will not come again; older than what it keeps, neither.
    const oldest = dispatched[head]?.id;
    const undelivered = new Set<unknown>();
    for (const id of ids) {
      if (typeof id !== 'string' || dispatchedIds.has(id)) continue;
      if (oldest === undefined || streamIdAfter(id, oldest)) undelivered.add(id);
    }
    if (undelivered.size > 0) replayed.set(session.sid, undelivered);
  }

  function remember(entry: Dispatched): void {
    dispatched.push(entry);
    dispatchedIds.add(entry.id);
    const horizon = entry.at - DISPATCHED_MS;
    while (dispatched.length - head > DISPATCHED_MAX || dispatched[head]!.at < horizon) {
      dispatchedIds.delete(dispatched[head]!.id);
      head++;
    }
    if (head > 1024 && head * 2 > dispatched.length) {
      dispatched.splice(0, head);
      head = 0;
    }
  }

  adapter.apply = (opts, callback) => {
    const broadcast = pending;
    pending = undefined;
    if (broadcast !== undefined) {
      remember({ ...broadcast, rooms: opts.rooms, except: opts.except, at: Date.now() });
    }
    // Only broadcasts with a stream offset can overlap a replay, and only while a socket has one.
    const offset = replayed.size === 0 ? undefined : broadcast?.id;
    const except = adapter.computeExceptSids(opts.except);
    const reach = (id: string): void => {
      const socket = nsp.sockets.get(id) ?? preConnect.get(id);
      if (socket === undefined) return;
      const replay = offset === undefined ? undefined : replayed.get(id);
      // Already replayed to this socket. (Not "up to the last replayed id": broadcasts this pod
      // publishes itself are delivered when Redis answers, ahead of its reader.)
      if (replay?.delete(offset) === true) {
        if (replay.size === 0) replayed.delete(id);
        return;
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
