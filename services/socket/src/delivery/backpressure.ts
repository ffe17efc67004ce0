import { isVolatileEvent } from '@gamesocket/protocol';
import type { Socket as EngineSocket } from 'engine.io';
import {
  installWriter,
  terminateTransport,
  transportBufferedAmount,
  writeToEngine,
  writePreEncodedFrame,
  type EngineWrite,
  type WriteOptions,
} from '../core/internals.js';
import type { GameServer, GameSocket } from '../core/socket-types.js';
import { isEventHead, readWriteHead } from './packet-head.js';

type Middleware = (socket: GameSocket, next: (err?: Error) => void) => void;

/** What is known about a connection closed as a slow consumer. */
export interface SlowConsumer {
  socketId: string;
  transport: string;
  /** Bytes waiting for it when it was closed. */
  bufferedBytes: number;
}

/** Options of `guardBackpressure`. */
export interface BackpressureOptions {
  /** Bytes that may wait for one connection; over it the connection is closed (`MAX_BUFFERED_BYTES`). */
  maxBufferedBytes: number;
  onSlowConsumer(slow: SlowConsumer): void;
  onVolatileDropped(): void;
  /** Called with the encoded packets of every write that goes to a connection (not the dropped ones). */
  onWrite?(packets: unknown): void;
}

/** The slow-consumer guard of a server. */
export interface Backpressure {
  /** The handshake stage that wraps each new connection's writer (install it before the others). */
  middleware: Middleware;
  /** True when `socket` was closed for going over `maxBufferedBytes`. */
  closedAsSlow(socket: GameSocket): boolean;
}

/**
 * A volatile packet is dropped once this much waits for the connection: small enough that a client
 * which stops reading gets no more of them, large enough that a burst to a healthy client is kept.
 */
export const VOLATILE_BACKLOG_BYTES = 64 * 1024;

/** One Engine.IO packet as its session's `packetCreate` event shows it. */
interface EnginePacket {
  data?: unknown;
}

interface ConnState {
  /** Bytes of the packets in the session's write buffer (not yet handed to the transport). */
  queued: number;
  slow: boolean;
  /** The id of the connection's (first) socket, for the slow-consumer report. */
  socketId: string;
}

/** A volatile-packet test that decides once per broadcast (it hands the same packets to every socket). */
function volatilePacketTest(): (packets: unknown) => boolean {
  let lastPackets: unknown;
  let lastVolatile = false;
  return (packets) => {
    if (packets === lastPackets) return lastVolatile;
    const head = readWriteHead(packets);
    lastPackets = packets;
    lastVolatile = isEventHead(head) && isVolatileEvent(head.event);
    return lastVolatile;
  };
}

function sizeOf(data: unknown): number {
  if (typeof data === 'string') return data.length;
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data.byteLength;
  return 1;
}

/**
 * Bounds what the pod buffers for clients that do not read. Socket.IO queues without limit: per
 * connection this counts the bytes waiting (the Engine.IO write buffer, tracked incrementally, plus
 * the websocket's `bufferedAmount`; an unread long-polling response holds at most one flush more) and
 * closes the connection once they exceed `maxBufferedBytes`, dropping what was queued. Volatile
 * packets (`VOLATILE_EVENTS`, or emitted `.volatile`) are dropped, not queued, while more than
 * `VOLATILE_BACKLOG_BYTES` wait — from any path, the Redis adapter's included, since all go through
 * the connection's writer (`installWriter`, core/internals.ts).
 */
export function guardBackpressure(io: GameServer, options: BackpressureOptions): Backpressure {
  const { maxBufferedBytes, onWrite } = options;
  const volatileLimit = Math.min(VOLATILE_BACKLOG_BYTES, Math.floor(maxBufferedBytes / 2));
  const states = new WeakMap<object, ConnState>();
  const isVolatilePacket = volatilePacketTest();

  // Listeners and the write wrapper are shared by every connection (called with it as `this`): the
  // per-connection cost is the state object alone.
  function onPacketCreate(this: EngineSocket, packet: EnginePacket): void {
    const state = states.get(this);
    if (state !== undefined) state.queued += sizeOf(packet.data);
  }
  // The write buffer was handed to the transport (where bufferedAmount sees it) or to a poll response.
  function onFlush(this: EngineSocket): void {
    const state = states.get(this);
    if (state !== undefined) state.queued = 0;
  }
  io.engine.on('connection', (conn: EngineSocket) => {
    states.set(conn, { queued: 0, slow: false, socketId: '' });
    conn.on('packetCreate', onPacketCreate);
    conn.on('flush', onFlush);
  });

  // The state is at hand on the write path: no second lookup per delivery.
  const buffered = (conn: EngineSocket, state: ConnState): number => state.queued + transportBufferedAmount(conn);

  const closeSlow = (conn: EngineSocket, state: ConnState, bytes: number): void => {
    state.slow = true;
    options.onSlowConsumer({ socketId: state.socketId, transport: conn.transport.name, bufferedBytes: bytes });
    // The client is not reading: free its send buffer now instead of a graceful close that waits for it.
    terminateTransport(conn);
    conn.close(true);
  };

  // Socket.IO's own volatile check drops whenever the transport is mid-write, which loses updates to
  // healthy clients in every burst: decide on the backlog instead, then write as a normal packet. A
  // broadcast's frame, encoded once, goes straight to an idle websocket (`writePreEncodedFrame`).
  const guardedWrite: EngineWrite = function (packets: unknown, opts: WriteOptions): void {
    const conn = this.conn;
    const state = states.get(conn);
    // (The wrapper is installed only on connections with a state: `undefined` is for the types.)
    if (state === undefined || state.slow || conn.readyState !== 'open') {
      writeToEngine(this, packets, opts);
      return;
    }
    if (opts.volatile === true || isVolatilePacket(packets)) {
      if (buffered(conn, state) >= volatileLimit) {
        options.onVolatileDropped();
        return;
      }
      onWrite?.(packets);
      if (!writePreEncodedFrame(conn, opts)) writeToEngine(this, packets, { ...opts, volatile: false });
    } else {
      onWrite?.(packets);
      if (!writePreEncodedFrame(conn, opts)) writeToEngine(this, packets, opts);
    }
    const bytes = buffered(conn, state);
    if (bytes > maxBufferedBytes) closeSlow(conn, state, bytes);
  };

  const middleware: Middleware = (socket, next) => {
    const state = states.get(socket.conn);
    // One wrapper per connection, even if it opens the namespace again.
    if (state !== undefined && installWriter(socket, guardedWrite)) state.socketId = socket.id;
    next();
  };

  return {
    middleware,
    closedAsSlow: (socket) => states.get(socket.conn)?.slow === true,
  };
}
