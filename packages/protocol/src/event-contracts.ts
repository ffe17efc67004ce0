import { ERROR_CODES, type ErrorCode } from './errors.js';
import type { ServerEventName } from './event-maps.js';
import type { ClientEventName } from './schemas.js';

/** Where a server event goes: the one socket it concerns, or a room (`<id>` stands for an id). */
export type EventAudience =
  'socket' | 'lobby' | 'user:<userId>' | 'room:<roomId>' | 'match:<matchId>' | 'watch:<userId>';

/** Who sends a server event: the socket service itself, backend services (HTTP API, emitter), or both. */
export type Sender = 'service' | 'backend' | 'both';

/** What a client event needs and can be refused with, for the generated contracts. */
export interface ClientEventContract {
  /** One line on what it does. */
  summary: string;
  /** True when an anonymous socket is refused (`AUTH_REQUIRED`). */
  auth: boolean;
  /** Codes it can answer besides `COMMON_EVENT_ERRORS` (and `AUTH_REQUIRED` when `auth`). */
  errors: readonly ErrorCode[];
}

/** Where a server event goes and who sends it, for the generated contracts. */
export interface ServerEventContract {
  summary: string;
  /** The rooms it is sent to by the service, or by convention by backends. */
  to: readonly EventAudience[];
  from: Sender;
}

/**
 * Codes any client event can answer: a refused payload or an unknown event (`INVALID_PAYLOAD`), the
 * socket's rate limit (`RATE_LIMITED`), an event this server does not serve or a store that is down
 * (`UNAVAILABLE`), a bug (`INTERNAL`).
 */
export const COMMON_EVENT_ERRORS: readonly ErrorCode[] = [
  ERROR_CODES.INVALID_PAYLOAD,
  ERROR_CODES.RATE_LIMITED,
  ERROR_CODES.UNAVAILABLE,
  ERROR_CODES.INTERNAL,
];

const intent = (summary: string, inRoom: boolean): ClientEventContract => ({
  summary: `Intent: ${summary}; appended to the domain's Redis stream for backend services`,
  auth: true,
  errors: inRoom ? [ERROR_CODES.FORBIDDEN] : [],
});

/** Every client -> server event: what it does, whether it needs a signed-in user, what it can answer. */
export const CLIENT_EVENT_CONTRACTS = {
  'system:ping': {
    summary:
      'Health probe: any JSON payload (or none) is accepted and ignored; the ack is { pong, timestamp } outside the envelope; without an ack, system:pong',
    auth: false,
    errors: [],
  },
  'lobby:join': { summary: 'Join the lobby room (anonymous sockets too)', auth: false, errors: [] },
  'lobby:leave': { summary: 'Leave the lobby room', auth: false, errors: [] },
  'lobby:stats': { summary: 'Read the cluster-wide counters', auth: false, errors: [] },
  'player:status_change': {
    summary: "Set the user's presence status (budgeted per user: RATE_LIMITED past it)",
    auth: true,
    errors: [],
  },
  'player:watch': {
    summary: "Watch users' presence (the watch:<userId> rooms); the ack lists the newly watched users' presence",
    auth: true,
    errors: [],
  },
  'player:unwatch': { summary: 'Stop watching users', auth: true, errors: [] },
  'room:create': intent('ask a backend to create a room', false),
  'room:join': {
    summary: 'Begin a membership of room:<roomId> with a room ticket from a backend; the ack lists the members',
    auth: true,
    errors: [ERROR_CODES.FORBIDDEN],
  },
  'room:leave': { summary: "End the user's membership of room:<roomId> (every tab leaves)", auth: true, errors: [] },
  'room:update': intent("change a room's settings", true),
  'room:player_ready': intent('mark the player ready', true),
  'room:chat_message': intent('say something in the room', true),
  'match:join': {
    summary: 'Begin a membership of match:<matchId> with a ticket naming it; the ack lists the members',
    auth: true,
    errors: [ERROR_CODES.FORBIDDEN],
  },
  'match:leave': { summary: "End the user's membership of match:<matchId>", auth: true, errors: [] },
  'match:start': intent('start a match from a room', true),
  'match:end': intent('end a match', true),
} as const satisfies Record<ClientEventName, ClientEventContract>;

/** Every server -> client event: where it goes and who sends it. */
export const SERVER_EVENT_CONTRACTS = {
  'system:connected': {
    summary: 'The first event on every new socket: identity, memberships, recovery',
    to: ['socket'],
    from: 'service',
  },
  'system:error': {
    summary: 'An error for an event sent without an ack, or a notice before the server closes the connection',
    to: ['socket'],
    from: 'service',
  },
  'system:disconnected': {
    summary: 'Sent before the server closes a socket on purpose',
    to: ['socket'],
    from: 'service',
  },
  'system:pong': { summary: 'The answer to system:ping sent without an ack', to: ['socket'], from: 'service' },
  'system:token_expiring': {
    summary: 'The access token expires soon: refresh it, then reconnect',
    to: ['socket'],
    from: 'service',
  },
  'lobby:stats': { summary: 'Cluster-wide counters, published by a backend', to: ['lobby'], from: 'backend' },
  'lobby:room_list': { summary: 'The rooms a backend lists', to: ['lobby'], from: 'backend' },
  'lobby:user_joined': { summary: 'A backend says a user joined the lobby', to: ['lobby'], from: 'backend' },
  'lobby:user_left': { summary: 'A backend says a user left the lobby', to: ['lobby'], from: 'backend' },
  'lobby:presence_diff': {
    summary: "One pod's presence changes of one interval: apply online, offline and status as a set of changes",
    to: ['lobby'],
    from: 'both',
  },
  'room:created': { summary: 'A backend created a room', to: ['lobby'], from: 'backend' },
  'room:update': { summary: "A room's summary changed", to: ['lobby', 'room:<roomId>'], from: 'backend' },
  'room:delete': { summary: 'A room was deleted', to: ['lobby', 'room:<roomId>'], from: 'backend' },
  'room:player_joined': {
    summary: 'A membership began (once per transition cluster-wide)',
    to: ['room:<roomId>', 'match:<matchId>', 'user:<userId>'],
    from: 'service',
  },
  'room:player_left': {
    summary: 'A membership ended, with the reason (once per transition cluster-wide)',
    to: ['room:<roomId>', 'match:<matchId>', 'user:<userId>'],
    from: 'service',
  },
  'room:player_ready': { summary: 'A player is ready (or not)', to: ['room:<roomId>'], from: 'backend' },
  'room:chat_message': { summary: 'A chat message as delivered to the room', to: ['room:<roomId>'], from: 'backend' },
  'match:started': { summary: 'A match started', to: ['match:<matchId>', 'room:<roomId>'], from: 'backend' },
  'match:ended': { summary: 'A match ended', to: ['match:<matchId>'], from: 'backend' },
  'match:state_update': {
    summary: 'High-rate game state, sent volatile: dropped for a backed-up client, never replayed',
    to: ['match:<matchId>'],
    from: 'backend',
  },
  'player:online': { summary: "A watched user's first socket connected", to: ['watch:<userId>'], from: 'service' },
  'player:offline': { summary: "A watched user's last socket went", to: ['watch:<userId>'], from: 'service' },
  'player:status_change': { summary: "A watched user's status changed", to: ['watch:<userId>'], from: 'both' },
} as const satisfies Record<ServerEventName, ServerEventContract>;

/** Every code a client event can answer: the common ones, `AUTH_REQUIRED` when it needs a user, its own. */
export function errorsOf(event: ClientEventName): ErrorCode[] {
  const contract: ClientEventContract = CLIENT_EVENT_CONTRACTS[event];
  const codes = new Set<ErrorCode>([...COMMON_EVENT_ERRORS, ...contract.errors]);
  if (contract.auth) codes.add(ERROR_CODES.AUTH_REQUIRED);
  return Object.values(ERROR_CODES).filter((code) => codes.has(code));
}
