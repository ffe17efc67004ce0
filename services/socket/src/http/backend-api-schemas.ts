import { Type, type TSchema } from '@sinclair/typebox';
import {
  ERROR_CODES,
  EVENT_NAME_PATTERN,
  ROOM_ID_PATTERN,
  RoomJoinResultSchema,
  StatusSchema,
  UserPresenceSchema,
  type ErrorCode,
} from '@gamesocket/protocol';

// The backend API's contract: what each `/v1` route accepts and answers. The request schemas validate
// requests (fastify + Ajv); the response schemas document the answers (docs/openapi.json) and are not used
// to serialise them (backend-api.ts keeps JSON.stringify), so the API sends exactly what its handlers return.

const RoomTarget = Type.String({ minLength: 1, maxLength: 200 });
const RoomTargets = Type.Union([RoomTarget, Type.Array(RoomTarget, { minItems: 1, maxItems: 100 })]);
const UserIdSchema = Type.String({ pattern: ROOM_ID_PATTERN, maxLength: 128 });

/** `POST /v1/publish` body. */
export const PublishBody = Type.Object(
  {
    to: RoomTargets,
    event: Type.String({ pattern: EVENT_NAME_PATTERN }),
    data: Type.Optional(Type.Unknown()),
    except: Type.Optional(RoomTargets),
  },
  { additionalProperties: false },
);
/**
 * `POST /v1/publish` headers beyond the bearer token: the caller's W3C trace context, continued by the publish's span
 * when the service traces (`OTEL_EXPORTER_OTLP_ENDPOINT`), ignored otherwise; a malformed one starts a new trace.
 */
export const PublishHeaders = Type.Object({
  traceparent: Type.Optional(
    Type.String({ description: 'W3C Trace Context, e.g. 00-<32 hex trace id>-<16 hex span id>-01' }),
  ),
  tracestate: Type.Optional(Type.String({ description: 'W3C Trace Context vendor state' })),
});
/** `POST /v1/join` and `/v1/leave` body. */
export const MembershipBody = Type.Object({ user: UserIdSchema, rooms: RoomTargets }, { additionalProperties: false });
/** `POST /v1/status` body: set a user's presence status from a backend. */
export const StatusBody = Type.Object({ user: UserIdSchema, status: StatusSchema }, { additionalProperties: false });
/** `GET /v1/presence?users=a,b` query. */
export const PresenceQuery = Type.Object(
  { users: Type.String({ minLength: 1, maxLength: 200 * 129 }) },
  { additionalProperties: false },
);
/** `GET /v1/presence/:userId` params. */
export const PresenceParams = Type.Object({ userId: UserIdSchema });

/** `POST /v1/revoke` body: deny a user's tokens (or one `jti`) at the handshake until `until` (epoch ms). */
export const RevokeBody = Type.Object(
  {
    user: UserIdSchema,
    jti: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    until: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);

/** `GET` / `DELETE /v1/rooms/:room` params: the full room name, URL-encoded (`room%3A42`). */
export const RoomParams = Type.Object({ room: Type.String({ minLength: 1, maxLength: 200 }) });

/** `POST /v1/disconnect` body. */
export const DisconnectBody = Type.Object({ user: UserIdSchema }, { additionalProperties: false });

/** `202 { ok: true }`: accepted and carried out cluster-wide. */
export const AcceptedReply = Type.Object({ ok: Type.Literal(true) }, { description: 'Accepted' });
/** `/v1/join` and `/v1/leave`: the rooms whose membership began or ended. */
export const MembershipReply = Type.Object(
  { ok: Type.Literal(true), changed: Type.Array(Type.String()) },
  { description: 'Accepted: the rooms whose membership began (join) or ended (leave)' },
);
/** `DELETE /v1/rooms/:room`: the users whose membership ended. */
export const CloseRoomReply = Type.Object(
  { ok: Type.Literal(true), room: Type.String(), removed: Type.Array(UserIdSchema) },
  { description: "The room is closed: every membership ended (reason 'closed')" },
);
/** `GET /v1/presence?users=`: one presence per distinct id, in the order asked. */
export const PresenceManyReply = Type.Object({ users: Type.Array(UserPresenceSchema) }, { description: 'Presence' });

/** Why each error status is answered, and the code its body carries. */
const ERRORS: Record<number, { code: ErrorCode; why: string }> = {
  400: {
    code: ERROR_CODES.INVALID_PAYLOAD,
    why: 'the request does not match its schema, or names a room or event that is not allowed',
  },
  401: { code: ERROR_CODES.AUTH_REQUIRED, why: 'no bearer token (with WWW-Authenticate: Bearer)' },
  403: { code: ERROR_CODES.FORBIDDEN, why: 'a wrong bearer token' },
  413: { code: ERROR_CODES.PAYLOAD_TOO_LARGE, why: 'a body over 64 KiB' },
  414: { code: ERROR_CODES.INVALID_PAYLOAD, why: 'a path parameter over 512 characters' },
  415: { code: ERROR_CODES.INVALID_PAYLOAD, why: 'a body that is not JSON (Content-Type)' },
  500: { code: ERROR_CODES.INTERNAL, why: 'a bug, logged by the service' },
  503: { code: ERROR_CODES.UNAVAILABLE, why: 'Redis is unreachable' },
};

/** The error envelope `{ ok: false, error: { code, message } }` of one status. */
export function errorReply(status: keyof typeof ERRORS): TSchema {
  const { code, why } = ERRORS[status]!;
  return Type.Object(
    { ok: Type.Literal(false), error: Type.Object({ code: Type.Literal(code), message: Type.String() }) },
    { description: `${code}: ${why}` },
  );
}

/** The error statuses every route can answer; routes with a body or a path parameter add 413/415 or 414. */
const ALWAYS = [400, 401, 403, 500, 503] as const;

function errors(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(
    [...ALWAYS, ...statuses].sort((a, b) => a - b).map((status) => [status, errorReply(status)]),
  );
}

/** The errors of a route with a JSON body. */
const bodyErrors = (): Record<number, TSchema> => errors(413, 415);
/** The errors of a route with a path parameter. */
const paramErrors = (): Record<number, TSchema> => errors(414);

/** The fastify `schema` of every `/v1` route, keyed by method and path (below the prefix). */
export const ROUTE_SCHEMAS = {
  'POST /publish': {
    summary: 'Publish an event into rooms',
    description:
      'event must be a publishable event of the catalogue; rooms must be lobby, user:<id>, room:<id> or match:<id>. ' +
      'match:state_update goes out volatile.',
    body: PublishBody,
    headers: PublishHeaders,
    response: { 202: AcceptedReply, ...bodyErrors() },
  },
  'POST /join': {
    summary: "Begin a user's memberships, or move their sockets into the lobby",
    description:
      'room: and match: rooms begin a membership (every socket of the user, now and later); lobby only moves the sockets connected now; user: rooms cannot be joined.',
    body: MembershipBody,
    response: { 202: MembershipReply, ...bodyErrors() },
  },
  'POST /leave': {
    summary: "End a user's memberships (reason 'kicked')",
    body: MembershipBody,
    response: { 202: MembershipReply, ...bodyErrors() },
  },
  'GET /rooms/:room/members': {
    summary: "A room's members with their presence",
    description: ':room is the full room:<id> or match:<id> name, URL-encoded (room%3A42); anything else is 400.',
    params: RoomParams,
    response: {
      200: Type.Object(RoomJoinResultSchema.properties, { description: 'The members, sorted by user id' }),
      ...paramErrors(),
    },
  },
  'DELETE /rooms/:room': {
    summary: "Close a room: every membership ends (reason 'closed')",
    description: ':room is the full room:<id> or match:<id> name, URL-encoded; anything else is 400.',
    params: RoomParams,
    response: { 200: CloseRoomReply, ...paramErrors() },
  },
  'POST /status': {
    summary: "Set an online user's presence status",
    body: StatusBody,
    response: { 202: AcceptedReply, ...bodyErrors() },
  },
  'GET /presence/:userId': {
    summary: "One user's presence",
    params: PresenceParams,
    response: { 200: Type.Object(UserPresenceSchema.properties, { description: 'Presence' }), ...paramErrors() },
  },
  'GET /presence': {
    summary: "Several users' presence",
    description: 'users: 1-200 comma-separated user ids.',
    querystring: PresenceQuery,
    response: { 200: PresenceManyReply, ...errors() },
  },
  'POST /revoke': {
    summary: "Deny a user's tokens, or one token id, at the handshake until `until` (epoch ms)",
    description:
      'Without jti the user is denied, their memberships end (revoked) and their sockets are closed; with jti only that token id is denied.',
    body: RevokeBody,
    response: { 202: AcceptedReply, ...bodyErrors() },
  },
  'POST /disconnect': {
    summary: 'Close every socket of a user',
    body: DisconnectBody,
    response: { 202: AcceptedReply, ...bodyErrors() },
  },
} as const;
