import type { AckCallback } from './ack.js';
import type * as P from './payloads.js';
import type { ClientEventName, ClientPayload, JsonValue } from './schemas.js';

/** A client event with a payload and an optional ack. */
type WithPayload<E extends ClientEventName, R = undefined> = (payload: ClientPayload<E>, ack?: AckCallback<R>) => void;
/** A client event without payload; the ack is optional. */
type NoPayload<R = undefined> = (ack?: AckCallback<R>) => void;

/** Events a client sends to the server (Socket.IO `ClientToServerEvents`). */
export interface ClientToServerEvents {
  /**
   * Health probe; answers `{ pong, timestamp }` by ack, else emits `system:pong`. An optional payload
   * (any JSON value, e.g. the probe's own timestamp) is accepted and ignored.
   */
  'system:ping': (payload?: JsonValue, ack?: (response: P.PingResponse) => void) => void;
  /** Join the public lobby room (anonymous sockets too). */
  'lobby:join': NoPayload;
  /** Leave the lobby room. */
  'lobby:leave': NoPayload;
  /** Ask for `{ online, connections, nodes }`. */
  'lobby:stats': NoPayload<P.LobbyStats>;
  /** Set this user's status (authenticated). */
  'player:status_change': WithPayload<'player:status_change'>;
  /** Subscribe to these users' online/offline/status events; the ack carries their presence now. */
  'player:watch': WithPayload<'player:watch', P.UserPresence[]>;
  /** Stop watching these users. */
  'player:unwatch': WithPayload<'player:unwatch'>;
  /** Intent: ask a backend to create a room; the ack carries the intent's stream entry id. */
  'room:create': WithPayload<'room:create', { id: string }>;
  /** Join `room:<roomId>` with a room ticket from a backend. */
  'room:join': WithPayload<'room:join', P.RoomJoinResult>;
  'room:leave': WithPayload<'room:leave'>;
  /** Join `match:<matchId>` with a ticket naming it. */
  'match:join': WithPayload<'match:join', P.RoomJoinResult>;
  'match:leave': WithPayload<'match:leave'>;
  'room:update': WithPayload<'room:update', { id: string }>;
  'room:player_ready': WithPayload<'room:player_ready', { id: string }>;
  'room:chat_message': WithPayload<'room:chat_message', { id: string }>;
  'match:start': WithPayload<'match:start', { id: string }>;
  'match:end': WithPayload<'match:end', { id: string }>;
}

/** Events the server (or a backend through the emitter) sends to clients. */
export interface ServerToClientEvents {
  'system:connected': (payload: P.ConnectedPayload) => void;
  'system:error': (payload: P.SystemErrorPayload) => void;
  'system:disconnected': (payload: P.DisconnectedPayload) => void;
  'system:pong': (payload: P.PongPayload) => void;
  'system:token_expiring': (payload: P.TokenExpiringPayload) => void;
  'lobby:stats': (payload: P.LobbyStats) => void;
  'lobby:room_list': (payload: P.RoomListPayload) => void;
  'lobby:user_joined': (payload: P.LobbyUserPayload) => void;
  'lobby:user_left': (payload: P.LobbyUserPayload) => void;
  'lobby:presence_diff': (payload: P.LobbyPresenceDiffPayload) => void;
  'room:created': (payload: P.RoomSummary) => void;
  'room:update': (payload: P.RoomSummary) => void;
  'room:delete': (payload: P.RoomDeletedPayload) => void;
  'room:player_joined': (payload: P.PlayerJoinedPayload) => void;
  'room:player_left': (payload: P.PlayerLeftPayload) => void;
  'room:player_ready': (payload: P.PlayerReadyPayload) => void;
  'room:chat_message': (payload: P.ChatMessagePayload) => void;
  'match:started': (payload: P.MatchStartedPayload) => void;
  'match:ended': (payload: P.MatchEndedPayload) => void;
  'match:state_update': (payload: P.MatchStatePayload) => void;
  'player:online': (payload: P.PlayerPresencePayload) => void;
  'player:offline': (payload: P.PlayerPresencePayload) => void;
  'player:status_change': (payload: P.PlayerStatusPayload) => void;
}

/** Server -> client event names. */
export type ServerEventName = keyof ServerToClientEvents;

/** The payload type of a server -> client event. */
export type ServerPayload<E extends ServerEventName> = Parameters<ServerToClientEvents[E]>[0];

/**
 * The server -> client event names at runtime: what backends may publish (HTTP API and emitter).
 * `system:connected` and `system:pong` are the server's own and left out on purpose.
 */
export const SERVER_EVENT_NAMES = [
  'system:error',
  'system:disconnected',
  'system:token_expiring',
  'lobby:stats',
  'lobby:room_list',
  'lobby:user_joined',
  'lobby:user_left',
  'lobby:presence_diff',
  'room:created',
  'room:update',
  'room:delete',
  'room:player_joined',
  'room:player_left',
  'room:player_ready',
  'room:chat_message',
  'match:started',
  'match:ended',
  'match:state_update',
  'player:online',
  'player:offline',
  'player:status_change',
] as const satisfies readonly ServerEventName[];

/** A server -> client event a backend may publish. */
export type PublishableEvent = (typeof SERVER_EVENT_NAMES)[number];

// Compile-time check: every server event is listed above, except the server's own two.
type Unlisted = Exclude<ServerEventName, PublishableEvent | 'system:connected' | 'system:pong'>;
const everyServerEventListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyServerEventListed;

const publishable: ReadonlySet<string> = new Set(SERVER_EVENT_NAMES);

/** True when a backend may publish `event`. */
export function isPublishableEvent(event: unknown): event is PublishableEvent {
  return typeof event === 'string' && publishable.has(event);
}
