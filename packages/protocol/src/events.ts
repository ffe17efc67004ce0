/**
 * The event catalogue: every `domain:action` name gamesocket knows, written once.
 * Add new events here, in the same lowercase `domain:action` form.
 */
export const EVENTS = {
  LOBBY: {
    JOIN: 'lobby:join',
    LEAVE: 'lobby:leave',
    ROOM_LIST: 'lobby:room_list',
    STATS: 'lobby:stats',
    USER_JOINED: 'lobby:user_joined',
    USER_LEFT: 'lobby:user_left',
    PRESENCE_DIFF: 'lobby:presence_diff',
  },
  ROOM: {
    CREATE: 'room:create',
    CREATED: 'room:created',
    JOIN: 'room:join',
    LEAVE: 'room:leave',
    UPDATE: 'room:update',
    DELETE: 'room:delete',
    PLAYER_JOINED: 'room:player_joined',
    PLAYER_LEFT: 'room:player_left',
    PLAYER_READY: 'room:player_ready',
    CHAT_MESSAGE: 'room:chat_message',
  },
  MATCH: {
    JOIN: 'match:join',
    LEAVE: 'match:leave',
    START: 'match:start',
    STARTED: 'match:started',
    END: 'match:end',
    ENDED: 'match:ended',
    STATE_UPDATE: 'match:state_update',
  },
  PLAYER: {
    ONLINE: 'player:online',
    OFFLINE: 'player:offline',
    STATUS_CHANGE: 'player:status_change',
    WATCH: 'player:watch',
    UNWATCH: 'player:unwatch',
  },
  SYSTEM: {
    ERROR: 'system:error',
    CONNECTED: 'system:connected',
    DISCONNECTED: 'system:disconnected',
    PING: 'system:ping',
    PONG: 'system:pong',
    TOKEN_EXPIRING: 'system:token_expiring',
  },
} as const;

type Values<T> = T[keyof T];

/** The domains of the catalogue (`lobby`, `room`, `match`, `player`, `system`). */
export type Domain = Lowercase<keyof typeof EVENTS>;

/** Every event name of the catalogue. */
export type EventName = Values<{ [D in keyof typeof EVENTS]: Values<(typeof EVENTS)[D]> }>;

/** All catalogue names, for iteration and runtime membership checks. */
export const EVENT_NAMES: readonly EventName[] = Object.values(EVENTS).flatMap(
  (domain) => Object.values(domain) as EventName[],
);

const eventNameSet: ReadonlySet<string> = new Set(EVENT_NAMES);

/** True when `name` is an event of the catalogue. */
export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && eventNameSet.has(name);
}

/**
 * The shape every event name must have: `domain:action`, lowercase letters, digits and `_`.
 * Backend services may publish names outside the catalogue as long as they match it.
 */
export const EVENT_NAME_PATTERN = '^[a-z][a-z0-9_]{0,31}:[a-z][a-z0-9_]{0,63}$';

const eventNameRegExp = new RegExp(EVENT_NAME_PATTERN);

/** True when `name` has the `domain:action` form (catalogue or not). */
export function isDomainActionName(name: unknown): name is string {
  return typeof name === 'string' && eventNameRegExp.test(name);
}

/** The domain part of a `domain:action` name. */
export function domainOf(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(0, colon);
}

/**
 * Server events sent as Socket.IO `volatile`: high-rate state that the next update supersedes. For a
 * backed-up client (more than a small backlog waiting to be written to it) they are dropped instead of
 * queued, whichever path they come from (a pod, the HTTP API, the emitter over Redis, the stock
 * `@socket.io/redis-emitter`); they are never replayed by connection state recovery.
 */
export const VOLATILE_EVENTS: readonly EventName[] = [EVENTS.MATCH.STATE_UPDATE];

const volatileEventSet: ReadonlySet<string> = new Set(VOLATILE_EVENTS);

/** True when `name` is a volatile event (see `VOLATILE_EVENTS`). */
export function isVolatileEvent(name: unknown): boolean {
  return typeof name === 'string' && volatileEventSet.has(name);
}
