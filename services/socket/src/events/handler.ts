import type { ClientEventName, ClientPayload } from '@gamesocket/protocol';
import type { RoomTicketVerifier } from '../auth/room-tickets.js';
import type { Logger } from '../core/logger.js';
import type { GameServer, GameSocket } from '../core/socket-types.js';
import type { IntentWriter } from '../intents/intent-stream.js';
import type { PresenceTracker } from '../presence/presence-tracker.js';

/** What a handler gets besides its payload. */
export interface HandlerContext {
  io: GameServer;
  socket: GameSocket;
  log: Logger;
  nodeId: string;
  presence: PresenceTracker;
  tickets: RoomTicketVerifier;
  intents: IntentWriter;
}

/** What every socket's handler context shares (the context adds the socket). */
export type SharedContext = Omit<HandlerContext, 'socket'>;

/** How one client event is handled. */
export interface EventHandler<E extends ClientEventName> {
  /** True when the event needs a signed-in user (`AUTH_REQUIRED` otherwise). */
  auth: boolean;
  /** Does the work; the returned value is the ack's `data`. Throw `ServiceError` to refuse. */
  handle(ctx: HandlerContext, payload: ClientPayload<E>): unknown;
  /** Ack with the raw result instead of the `{ ok, data }` envelope (only `system:ping`). */
  rawAck?: boolean;
  /** Called instead of an ack when the client sent none and the result should still go out. */
  withoutAck?(ctx: HandlerContext, result: unknown): void;
}

/** The handlers of the client events this server implements. */
export type EventHandlers = { [E in ClientEventName]?: EventHandler<E> };

/** A handler of any event (the pipeline narrows by name). */
export type AnyHandler = EventHandler<ClientEventName>;
