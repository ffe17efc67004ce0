import { isVolatileEvent } from '@gamesocket/protocol';
import type { BroadcastOptions, Session } from 'socket.io-adapter';
import { withDeliveryHooks, type AdapterOption, type DeliveryHooks } from '../core/internals.js';

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
 * The `adapter` option for a mode with connection state recovery: `base` (the mode's adapter; the
 * in-memory `SessionAwareAdapter` when undefined) closing the holes Socket.IO leaves around a
 * recovered socket (measured by the drain and delivery scenario tests):
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
 * - `admit` (the recovery guard's membership check) may refuse a session: it is not restored.
 */
export function recoveringAdapter(
  base: AdapterOption | undefined,
  options: { streamOffsets: boolean; admit?: (session: Session) => boolean },
): AdapterOption {
  return withDeliveryHooks(base, () => ({ ...recoveryHooks(options), admit: options.admit }));
}

/** The state and hooks of one recovering adapter (one namespace). */
function recoveryHooks(options: { streamOffsets: boolean }): DeliveryHooks {
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

  function restored(session: Session, offset: string): void {
    // Volatile events may be dropped, and carry no offset, so the client's offset does not cover the
    // ones it already got: replaying them would deliver them twice.
    session.missedPackets = session.missedPackets.filter((packet) => !isVolatileEvent(packet[0]));
    // From here to the socket joining its rooms there is no I/O, so no broadcast can slip between.
    if (options.streamOffsets) mergeDispatched(session, offset);
  }

  function encoded(data: unknown[] | undefined): void {
    const last = lastOf(data);
    // Volatile events are never replayed: not kept either, so a stream of them cannot push the rest out.
    pending =
      typeof last === 'string' && STREAM_ID.test(last) && !isVolatileEvent(data![0])
        ? { id: last, data: data! }
        : undefined;
  }

  function reaching(opts: BroadcastOptions): ((socketId: string) => boolean) | undefined {
    const broadcast = pending;
    pending = undefined;
    if (broadcast !== undefined) {
      remember({ ...broadcast, rooms: opts.rooms, except: opts.except, at: Date.now() });
    }
    // Only broadcasts with a stream offset can overlap a replay, and only while a socket has one.
    const offset = replayed.size === 0 ? undefined : broadcast?.id;
    if (offset === undefined) return undefined;
    return (id) => {
      const replay = replayed.get(id);
      // Already replayed to this socket. (Not "up to the last replayed id": broadcasts this pod
      // publishes itself are delivered when Redis answers, ahead of its reader.)
      if (replay?.delete(offset) === true) {
        if (replay.size === 0) replayed.delete(id);
        return false;
      }
      return true;
    };
  }

  // In memory mode broadcasts carry no stream offset: nothing to remember or skip.
  if (!options.streamOffsets) return { restored };
  return { restored, encoded, reaching, removed: (id) => replayed.delete(id) };
}
