import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ROOM_ID_PATTERN } from './rooms.js';

// Client -> server payload schemas. Each one is the runtime check at the socket boundary
// and, through `Static`, the TypeScript type of the event map: one definition, two uses.

/** A room or match id, as used inside `room:<id>` / `match:<id>`. */
export const RoomIdSchema = Type.String({ pattern: ROOM_ID_PATTERN, maxLength: 128 });

/** A presence status: `online`, `away`, `busy`, `in_match`, `in_game` or another short lowercase word. */
export const STATUS_PATTERN = '^[a-z][a-z0-9_]{0,31}$';
/** Schema of a presence status. */
export const StatusSchema = Type.String({ pattern: STATUS_PATTERN, maxLength: 32 });

/**
 * A settings key: a short identifier, never the name of an `Object.prototype` member (a consumer
 * that merges settings into a plain object would otherwise shadow `constructor`, `toString`...).
 */
export const SETTINGS_KEY_PATTERN =
  '^(?!(?:constructor|prototype|hasOwnProperty|isPrototypeOf|propertyIsEnumerable|toLocaleString|toString|valueOf)$)[A-Za-z][A-Za-z0-9_]{0,31}$';

/** Small flat key/value bag for game settings; bounded so it cannot nest or grow without limit. */
export const SettingsSchema = Type.Record(
  Type.String({ pattern: SETTINGS_KEY_PATTERN }),
  Type.Union([Type.String({ maxLength: 256 }), Type.Number(), Type.Boolean(), Type.Null()]),
  // Without this, keys outside the pattern (`__proto__`, nested objects) would not be checked at all.
  { maxProperties: 32, additionalProperties: false },
);

/** Events that carry no payload accept nothing, `null` or `{}`. */
export const NoPayloadSchema = Type.Union([
  Type.Undefined(),
  Type.Null(),
  Type.Object({}, { additionalProperties: false }),
]);

/** A JSON value (the TypeScript side of `JsonValueSchema`). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * Any JSON value: what a JSON-encoded Socket.IO payload can carry (a binary attachment is refused).
 * Its size is bounded by the transport's payload limit and its nesting by the packet guard. Kept
 * flat (no recursive `$ref`), so that contract documents read it as plain JSON Schema; inside
 * arrays and objects any JSON value is one already.
 */
export const JsonValueSchema = Type.Union([
  Type.Null(),
  Type.Boolean(),
  Type.Number(),
  Type.String(),
  Type.Array(Type.Unknown()),
  Type.Record(Type.String(), Type.Unknown()),
]);

/**
 * `system:ping` accepts nothing or any JSON value and ignores it: health probes commonly send a
 * timestamp or a probe id.
 */
export const PingPayloadSchema = Type.Union([Type.Undefined(), ...JsonValueSchema.anyOf]);

const strict = { additionalProperties: false } as const;

/** `player:status_change` from a client. */
export const StatusChangeRequestSchema = Type.Object({ status: StatusSchema }, strict);
/** `room:create` intent. */
export const RoomCreateRequestSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    maxPlayers: Type.Optional(Type.Integer({ minimum: 2, maximum: 64 })),
    settings: Type.Optional(SettingsSchema),
  },
  strict,
);
/** `room:join`: a room ticket (short-lived JWT from a backend service) is required. */
export const RoomJoinRequestSchema = Type.Object(
  { roomId: RoomIdSchema, ticket: Type.String({ minLength: 1, maxLength: 4096 }) },
  strict,
);
/** `match:join`: a ticket naming `match:<matchId>` is required. */
export const MatchJoinRequestSchema = Type.Object(
  { matchId: RoomIdSchema, ticket: Type.String({ minLength: 1, maxLength: 4096 }) },
  strict,
);
/** `match:leave`. */
export const MatchLeaveRequestSchema = Type.Object({ matchId: RoomIdSchema }, strict);
/** `room:leave`. */
export const RoomLeaveRequestSchema = Type.Object({ roomId: RoomIdSchema }, strict);
/** `room:update` intent. */
export const RoomUpdateRequestSchema = Type.Object({ roomId: RoomIdSchema, settings: SettingsSchema }, strict);
/** `room:player_ready` intent. */
export const PlayerReadyRequestSchema = Type.Object({ roomId: RoomIdSchema, ready: Type.Boolean() }, strict);
/** `room:chat_message` intent: 1-500 characters. */
export const ChatMessageRequestSchema = Type.Object(
  { roomId: RoomIdSchema, text: Type.String({ minLength: 1, maxLength: 500 }) },
  strict,
);
/** `match:start` intent: start a match from a room. */
export const MatchStartRequestSchema = Type.Object({ roomId: RoomIdSchema }, strict);
/** `match:end` intent. */
export const MatchEndRequestSchema = Type.Object(
  { matchId: RoomIdSchema, result: Type.Optional(SettingsSchema) },
  strict,
);

/** Most users one `player:watch` names, and most a socket watches in all. */
export const MAX_WATCHED_USERS = 200;

/** `player:watch` / `player:unwatch`: up to 200 distinct user ids. */
export const WatchRequestSchema = Type.Object(
  {
    userIds: Type.Array(Type.String({ pattern: ROOM_ID_PATTERN, maxLength: 128 }), {
      minItems: 1,
      maxItems: MAX_WATCHED_USERS,
      uniqueItems: true,
    }),
  },
  strict,
);

/**
 * The schema of every client -> server event. An event missing here is not accepted from
 * clients at all.
 */
export const CLIENT_EVENT_SCHEMAS = {
  'system:ping': PingPayloadSchema,
  'lobby:join': NoPayloadSchema,
  'lobby:leave': NoPayloadSchema,
  'lobby:stats': NoPayloadSchema,
  'player:status_change': StatusChangeRequestSchema,
  'player:watch': WatchRequestSchema,
  'player:unwatch': WatchRequestSchema,
  'room:create': RoomCreateRequestSchema,
  'room:join': RoomJoinRequestSchema,
  'room:leave': RoomLeaveRequestSchema,
  'room:update': RoomUpdateRequestSchema,
  'room:player_ready': PlayerReadyRequestSchema,
  'room:chat_message': ChatMessageRequestSchema,
  'match:join': MatchJoinRequestSchema,
  'match:leave': MatchLeaveRequestSchema,
  'match:start': MatchStartRequestSchema,
  'match:end': MatchEndRequestSchema,
} as const satisfies Record<string, TSchema>;

/** The client -> server event names. */
export type ClientEventName = keyof typeof CLIENT_EVENT_SCHEMAS;

/** The payload type of a client -> server event. */
export type ClientPayload<E extends ClientEventName> = Static<(typeof CLIENT_EVENT_SCHEMAS)[E]>;

export type { Static, TSchema };
