import type { Server as EngineServer, Socket as EngineSocket } from 'engine.io';
import { pingTimerOf, replacePingTimer, sendPing, type PingTimer } from '../core/internals.js';
import { DueSets } from './due-sets.js';

/** The longest a ping waits past its due time: one tick of the shared timer. */
export const MAX_HEARTBEAT_TICK_MS = 100;

/** The shared timer's tick: 100 ms, or a quarter of the shorter of the two heartbeat settings when that is less. */
export function heartbeatTickMs(pingIntervalMs: number, pingTimeoutMs: number): number {
  return Math.max(1, Math.min(MAX_HEARTBEAT_TICK_MS, Math.floor(Math.min(pingIntervalMs, pingTimeoutMs) / 4)));
}

/** The pod's heartbeat timer, as tests see it. */
export interface SharedHeartbeat {
  /** Connections waiting for their next ping. */
  readonly waiting: number;
}

/** One connection's next ping, queued on the shared timer; engine.io calls `refresh()` on each pong. */
class QueuedPing implements PingTimer {
  key = NaN;

  constructor(
    readonly conn: EngineSocket,
    private readonly queue: PingQueue,
  ) {}

  refresh(): this {
    this.queue.schedule(this);
    return this;
  }
}

/** The shared timer and the ping interval the queued pings wait. */
class PingQueue {
  readonly due: DueSets<QueuedPing>;

  constructor(
    private readonly pingIntervalMs: number,
    tickMs: number,
  ) {
    this.due = new DueSets((ping) => {
      ping.key = NaN;
      // As engine.io's own timer: a closing connection gets no ping but a pong deadline, which ends a stuck close.
      if (ping.conn.readyState !== 'closed') sendPing(ping.conn);
    }, tickMs);
  }

  schedule(ping: QueuedPing): void {
    this.cancel(ping);
    ping.key = this.due.keyIn(this.pingIntervalMs);
    this.due.add(ping.key, ping);
  }

  cancel(ping: QueuedPing): void {
    if (!Number.isNaN(ping.key)) this.due.remove(ping.key, ping);
    ping.key = NaN;
  }
}

/**
 * Engine.IO's heartbeat on one timer per pod instead of one per connection: a connection's next ping
 * waits in the set of its tick (`heartbeatTickMs`), and each firing pings every connection due, so
 * the pod wakes once per tick, not once per connection, and the pongs come back together. A ping goes
 * out at most one tick after `pingInterval` (the client allows `pingInterval + pingTimeout`); the
 * pong deadline, the pings' content and engine.io's re-arming on each pong are engine.io's own; an
 * open websocket with nothing queued gets the ping's frame straight (`replacePingTimer`, `sendPing`
 * in core/internals.ts).
 */
export function shareHeartbeats(
  engine: EngineServer,
  options: { pingIntervalMs: number; pingTimeoutMs: number },
): SharedHeartbeat {
  const queue = new PingQueue(options.pingIntervalMs, heartbeatTickMs(options.pingIntervalMs, options.pingTimeoutMs));
  // Shared by every connection (called with it as `this`): a closed connection leaves the queue at once.
  function onClose(this: EngineSocket): void {
    const timer = pingTimerOf(this);
    if (timer instanceof QueuedPing) queue.cancel(timer);
  }
  engine.on('connection', (conn: EngineSocket) => {
    // Closed by an earlier listener: its close event is past, nothing would take it off the timer.
    if (conn.readyState === 'closed') return;
    const ping = new QueuedPing(conn, queue);
    if (!replacePingTimer(conn, ping)) return;
    queue.schedule(ping);
    conn.on('close', onClose);
  });
  return {
    get waiting() {
      return queue.due.size;
    },
  };
}
