import type { ServerEventName, ServerPayload } from '@gamesocket/protocol';
import type { GameSocket } from '../core/socket-types.js';

type UntypedEmit = { emit(event: string, ...args: unknown[]): boolean };

/** The servers built with connection state recovery on (`noticesBypassRecovery`). */
const recovering = new WeakSet<object>();

/** Registers `io`, built with connection state recovery on: its notices must then bypass the adapter. */
export function noticesBypassRecovery(io: object): void {
  recovering.add(io);
}

/**
 * Sends a server notice (`system:*`) to one socket, from this pod only and at once. With
 * connection state recovery on, a plain `socket.emit` goes through the adapter (an XADD in
 * redis-streams mode) and carries a stream offset: a notice written just before a transport
 * close could then overtake earlier room events in the client's offset and make recovery skip
 * them, or arrive after the close. Notices are not part of the replayable history, so on a server
 * registered with `noticesBypassRecovery` they go through the local broadcast; elsewhere
 * `socket.emit` is already local, and direct (no broadcast operator, no adapter).
 */
export function notify<E extends ServerEventName>(
  socket: GameSocket,
  event: E,
  ...payload: Parameters<(p: ServerPayload<E>) => void>
): void {
  const target = recovering.has(socket.nsp.server)
    ? (socket.nsp.local.to(socket.id) as unknown as UntypedEmit)
    : (socket as unknown as UntypedEmit);
  target.emit(event, ...payload);
}
