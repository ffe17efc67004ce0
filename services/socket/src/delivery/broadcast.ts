import { TRACE_CONTEXT_FLAG, type TraceContextCarrier } from '@gamesocket/protocol';
import type { GameServer } from '../core/socket-types.js';

/** What `broadcastEvent` sends, and where. */
export interface Broadcast {
  to: string[];
  except: string[];
  event: string;
  data: unknown;
  /** Dropped for a backed-up client, never kept for recovery. */
  volatile: boolean;
  /** The publish's W3C trace context, carried in the message's flags to every pod (`TRACE_CONTEXT_FLAG`). */
  traceContext?: TraceContextCarrier | undefined;
}

// socket.io-parser's EVENT packet type.
const EVENT = 2;

/**
 * Broadcasts an event from this pod to every pod, as `io.to(to).except(except).emit(event, data)` does (the same
 * adapter call), with flags of its own: Socket.IO's operator has no way to add one (the trace context).
 */
export function broadcastEvent(io: GameServer, broadcast: Broadcast): void {
  const flags = {
    ...(broadcast.volatile && { volatile: true }),
    ...(broadcast.traceContext !== undefined && { [TRACE_CONTEXT_FLAG]: broadcast.traceContext }),
  };
  io.of('/').adapter.broadcast(
    { type: EVENT, data: [broadcast.event, broadcast.data] },
    { rooms: new Set(broadcast.to), except: new Set(broadcast.except), flags },
  );
}
