import type { ServerEventName, ServerPayload } from '@gamesocket/protocol';
import type { GameSocket } from '../core/socket-types.js';

/**
 * Sends a server notice (`system:*`) to one socket, from this pod only and at once. With
 * connection state recovery on, a plain `socket.emit` goes through the adapter (an XADD in
 * redis-streams mode) and carries a stream offset: a notice written just before a transport
 * close could then overtake earlier room events in the client's offset and make recovery skip
 * them, or arrive after the close. Notices are not part of the replayable history.
 */
export function notify<E extends ServerEventName>(
  socket: GameSocket,
  event: E,
  ...payload: Parameters<(p: ServerPayload<E>) => void>
): void {
  const local = socket.nsp.local.to(socket.id) as unknown as { emit(event: string, ...args: unknown[]): boolean };
  local.emit(event, ...payload);
}
