import { Type, type TSchema } from '@sinclair/typebox';
import { ERROR_CODES } from './errors.js';
import { MEMBERSHIP_END_REASONS } from './lifecycle.js';
import { ROOM_ID_PATTERN } from './rooms.js';

// Server -> client payload schemas and the data of client events' acks. Clients in other languages read
// them through the generated contracts (docs/asyncapi.json, docs/openapi.json); the TypeScript types in
// payloads.ts are checked against them at compile time (test/server-schemas.typecheck.ts), so the two
// cannot drift. They describe what the server sends and are not used to validate anything at run time:
// objects stay open (extra fields a backend publishes reach clients), except where the server builds the
// payload itself.

/** A user id: usable in a room name (the JWT `sub`). */
export const UserIdSchema = Type.String({ pattern: ROOM_ID_PATTERN, maxLength: 128 });
/** A full room name: `lobby`, `user:<id>`, `room:<id>` or `match:<id>`. */
export const RoomNameSchema = Type.String({ minLength: 1, maxLength: 200 });
/** An epoch timestamp in milliseconds (`Date.now()`). */
export const EpochMsSchema = Type.Integer({ minimum: 0, description: 'epoch milliseconds' });

/** One of the stable error codes (`ERROR_CODES`). */
export const ErrorCodeSchema = Type.Union(Object.values(ERROR_CODES).map((code) => Type.Literal(code)));
/** The error body of a failed ack and of `system:error`. */
export const ErrorBodySchema = Type.Object({ code: ErrorCodeSchema, message: Type.String() });
/** Why a membership ended (`MEMBERSHIP_END_REASONS`). */
export const MembershipEndReasonSchema = Type.Union(MEMBERSHIP_END_REASONS.map((reason) => Type.Literal(reason)));

/** The identity a socket acts as, from the access token's claims. */
export const UserSchema = Type.Object({ userId: UserIdSchema, username: Type.String(), role: Type.String() });
/** The public part of a user that other players see. */
export const PublicUserSchema = Type.Object({ userId: UserIdSchema, username: Type.String() });
/** How the handshake authenticated: `ok`, or why the socket is anonymous. */
export const AuthStateSchema = Type.Union([
  Type.Literal('ok'),
  Type.Literal('anonymous'),
  Type.Literal('expired'),
  Type.Literal('invalid'),
]);

/** `system:connected`: the first event on every socket. */
export const ConnectedPayloadSchema = Type.Object({
  socketId: Type.String(),
  nodeId: Type.String(),
  user: Type.Union([UserSchema, Type.Null()]),
  auth: AuthStateSchema,
  recovered: Type.Boolean({ description: 'true when connection state recovery restored rooms and missed events' }),
  rooms: Type.Array(RoomNameSchema, { description: 'the memberships (room:<id>, match:<id>) the socket is in' }),
  recoveryWindowMs: Type.Integer({
    minimum: 0,
    description: 'how long the socket may be away and still recover; 0: every reconnect must resync',
  }),
  timestamp: EpochMsSchema,
});
/** The `system:ping` ack, kept outside the envelope. */
export const PingResponseSchema = Type.Object({ pong: Type.Literal(true), timestamp: EpochMsSchema });
/** `system:pong`, when `system:ping` came without an ack. */
export const PongPayloadSchema = Type.Object({ timestamp: EpochMsSchema });
/** `system:error`: an error for an event sent without an ack, or a server notice. */
export const SystemErrorPayloadSchema = Type.Object({
  code: ErrorCodeSchema,
  message: Type.String(),
  event: Type.Optional(Type.String({ description: 'the client event that caused it, when there is one' })),
});
/** `system:token_expiring`: refresh the access token before `exp`, then reconnect. */
export const TokenExpiringPayloadSchema = Type.Object({
  exp: Type.Integer({ description: "the token's expiry, epoch seconds" }),
});
/** `system:disconnected`: sent before the server closes a socket on purpose. */
export const DisconnectedPayloadSchema = Type.Object({ reason: Type.String() });

/** `lobby:stats`: cluster-wide counters. */
export const LobbyStatsSchema = Type.Object({
  online: Type.Integer({ minimum: 0, description: 'distinct users online' }),
  connections: Type.Integer({ minimum: 0, description: 'sockets connected' }),
  nodes: Type.Integer({ minimum: 0, description: 'live socket service pods' }),
});
/** A user's presence as others see it. */
export const UserPresenceSchema = Type.Object({
  userId: UserIdSchema,
  online: Type.Boolean(),
  connections: Type.Integer({ minimum: 0, description: "the user's sockets across the cluster" }),
  status: Type.Union([Type.String(), Type.Null()], { description: 'null while offline' }),
});
/** One member of a room with their presence. */
export const RoomMemberPresenceSchema = Type.Object({
  userId: UserIdSchema,
  username: Type.String(),
  online: Type.Boolean({ description: 'true while the user has a socket anywhere' }),
  connections: Type.Integer({ minimum: 0 }),
});
/** A room's members: the `room:join` / `match:join` ack data, and the members endpoint's body. */
export const RoomJoinResultSchema = Type.Object({
  room: RoomNameSchema,
  members: Type.Array(RoomMemberPresenceSchema),
});
/** One room as listed in the lobby; backends may add fields. */
export const RoomSummarySchema = Type.Object(
  { roomId: Type.String(), name: Type.String(), players: Type.Integer(), maxPlayers: Type.Integer() },
  { additionalProperties: true },
);
/** `lobby:room_list`. */
export const RoomListPayloadSchema = Type.Object({ rooms: Type.Array(RoomSummarySchema) });
/** `lobby:presence_diff`: one pod's presence changes of one interval; a user is in at most one list. */
export const LobbyPresenceDiffPayloadSchema = Type.Object({
  online: Type.Array(Type.Object({ userId: UserIdSchema, username: Type.String(), status: Type.String() }), {
    description: 'users to add or replace (name and status now)',
  }),
  offline: Type.Array(UserIdSchema, { description: 'users to remove' }),
  status: Type.Array(Type.Object({ userId: UserIdSchema, status: Type.String() }), {
    description: 'status changes of users already listed',
  }),
});
/** `room:player_joined`: a membership began. */
export const PlayerJoinedPayloadSchema = Type.Object({
  roomId: Type.String({ description: 'the id (42 of room:42)' }),
  room: RoomNameSchema,
  user: PublicUserSchema,
});
/** `room:player_left`: a membership ended. */
export const PlayerLeftPayloadSchema = Type.Object({
  roomId: Type.String({ description: 'the id (42 of room:42)' }),
  room: RoomNameSchema,
  userId: UserIdSchema,
  reason: MembershipEndReasonSchema,
});
/** `room:player_ready` as delivered. */
export const PlayerReadyPayloadSchema = Type.Object({
  roomId: Type.String(),
  userId: UserIdSchema,
  ready: Type.Boolean(),
});
/** `room:chat_message` as delivered. */
export const ChatMessagePayloadSchema = Type.Object({
  roomId: Type.String(),
  from: PublicUserSchema,
  text: Type.String(),
  timestamp: EpochMsSchema,
});
/** `room:delete`. */
export const RoomDeletedPayloadSchema = Type.Object({ roomId: Type.String() });
/** `match:started`; backends may add fields. */
export const MatchStartedPayloadSchema = Type.Object(
  {
    matchId: Type.String(),
    roomId: Type.Optional(Type.String()),
    players: Type.Optional(Type.Array(PublicUserSchema)),
  },
  { additionalProperties: true },
);
/** `match:ended`; backends may add fields. */
export const MatchEndedPayloadSchema = Type.Object(
  { matchId: Type.String(), result: Type.Optional(Type.Unknown()) },
  { additionalProperties: true },
);
/** `match:state_update`: high-rate game state; `seq` lets clients drop stale frames. */
export const MatchStatePayloadSchema = Type.Object({
  matchId: Type.String(),
  seq: Type.Optional(Type.Number()),
  state: Type.Unknown(),
});
/** `player:online` / `player:offline` to the user's watchers. */
export const PlayerPresencePayloadSchema = Type.Object({
  userId: UserIdSchema,
  username: Type.Optional(Type.String()),
  timestamp: EpochMsSchema,
});
/** `player:status_change` as broadcast to the user's watchers. */
export const PlayerStatusPayloadSchema = Type.Object({
  userId: UserIdSchema,
  status: Type.String(),
  timestamp: EpochMsSchema,
});
/** The ack data of an intent: the id of its Redis stream entry. */
export const IntentAckDataSchema = Type.Object({ id: Type.String() });

/** The payload schema of every server -> client event (`ServerToClientEvents`). */
export const SERVER_EVENT_SCHEMAS = {
  'system:connected': ConnectedPayloadSchema,
  'system:error': SystemErrorPayloadSchema,
  'system:disconnected': DisconnectedPayloadSchema,
  'system:pong': PongPayloadSchema,
  'system:token_expiring': TokenExpiringPayloadSchema,
  'lobby:stats': LobbyStatsSchema,
  'lobby:room_list': RoomListPayloadSchema,
  'lobby:user_joined': PublicUserSchema,
  'lobby:user_left': PublicUserSchema,
  'lobby:presence_diff': LobbyPresenceDiffPayloadSchema,
  'room:created': RoomSummarySchema,
  'room:update': RoomSummarySchema,
  'room:delete': RoomDeletedPayloadSchema,
  'room:player_joined': PlayerJoinedPayloadSchema,
  'room:player_left': PlayerLeftPayloadSchema,
  'room:player_ready': PlayerReadyPayloadSchema,
  'room:chat_message': ChatMessagePayloadSchema,
  'match:started': MatchStartedPayloadSchema,
  'match:ended': MatchEndedPayloadSchema,
  'match:state_update': MatchStatePayloadSchema,
  'player:online': PlayerPresencePayloadSchema,
  'player:offline': PlayerPresencePayloadSchema,
  'player:status_change': PlayerStatusPayloadSchema,
} as const satisfies Record<string, TSchema>;

/**
 * The `data` schema of each client event's successful ack (`{ ok: true, data }`); `undefined`: the ack is
 * `{ ok: true }` alone. `system:ping` answers `PingResponseSchema` outside the envelope.
 */
export const CLIENT_ACK_DATA_SCHEMAS = {
  'system:ping': undefined,
  'lobby:join': undefined,
  'lobby:leave': undefined,
  'lobby:stats': LobbyStatsSchema,
  'player:status_change': undefined,
  'player:watch': Type.Array(UserPresenceSchema, { description: 'the presence of the ids not watched before' }),
  'player:unwatch': undefined,
  'room:create': IntentAckDataSchema,
  'room:join': RoomJoinResultSchema,
  'room:leave': undefined,
  'room:update': IntentAckDataSchema,
  'room:player_ready': IntentAckDataSchema,
  'room:chat_message': IntentAckDataSchema,
  'match:join': RoomJoinResultSchema,
  'match:leave': undefined,
  'match:start': IntentAckDataSchema,
  'match:end': IntentAckDataSchema,
} as const satisfies Record<string, TSchema | undefined>;
