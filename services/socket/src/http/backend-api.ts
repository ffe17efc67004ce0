import { Type, type Static } from '@sinclair/typebox';
import {
  EVENT_NAME_PATTERN,
  MAX_WATCHED_USERS,
  ROOM_ID_PATTERN,
  StatusSchema,
  isRoomId,
  isPublishableEvent,
  isVolatileEvent,
  parseRoom,
  rooms as roomNames,
} from '@gamesocket/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isMembershipRoom, type DenyList } from '@gamesocket/presence';
import type { PresenceTracker } from '../presence/presence-tracker.js';
import { ServiceError } from '../core/errors.js';
import { secretMatcher } from '../core/secret-compare.js';
import { httpStatusOf } from './error-status.js';
import type { GameServer } from '../core/socket-types.js';

/** Largest body the backend API accepts (413 above). */
export const API_BODY_LIMIT = 64 * 1024;

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

const toArray = (value: string | string[]): string[] => (Array.isArray(value) ? value : [value]);

/** Dependencies of the backend API. */
export interface BackendApiDeps {
  io: GameServer;
  presence: PresenceTracker;
  denyList: DenyList;
  token: string;
  /** Undefined when the cluster can deliver; else why not (503). */
  unavailableReason(): string | undefined;
}

function fail(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).send({ ok: false, error: { code, message } });
}

function badRooms(names: string[], allowUserRooms: boolean): string | undefined {
  for (const name of names) {
    const room = parseRoom(name);
    if (room === undefined) return `not a gamesocket room: ${JSON.stringify(name)}`;
    if (room.kind === 'user' && !allowUserRooms) return `user rooms cannot be joined: ${JSON.stringify(name)}`;
  }
  return undefined;
}

/**
 * The HTTP API for backend services in any language: publish into rooms, join/leave a user's
 * sockets, disconnect a user, set and read presence — cluster-wide, in every mode. Bearer-token protected (401 without a
 * token, 403 with a wrong one), JSON-schema validated (400), 64 KiB bodies (413).
 */
export async function registerBackendApi(app: FastifyInstance, deps: BackendApiDeps): Promise<void> {
  const matches = secretMatcher(deps.token);

  await app.register(
    async (api) => {
      api.setErrorHandler(
        async (err: { statusCode?: number; message: string; validation?: unknown }, _request, reply) => {
          if (err instanceof ServiceError) return fail(reply, httpStatusOf(err.code), err.code, err.message);
          const status = err.statusCode ?? 500;
          if (status === 413) return fail(reply, 413, 'PAYLOAD_TOO_LARGE', `body over ${API_BODY_LIMIT} bytes`);
          if (status >= 400 && status < 500) return fail(reply, status, 'INVALID_PAYLOAD', err.message);
          reply.log.error({ err }, 'backend api failed');
          return fail(reply, 500, 'INTERNAL', 'internal error');
        },
      );
      api.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
        const bearer = /^bearer +(\S+)$/i.exec(request.headers.authorization ?? '');
        if (bearer === null) {
          reply.header('www-authenticate', 'Bearer');
          return fail(reply, 401, 'AUTH_REQUIRED', 'missing bearer token');
        }
        if (!matches(bearer[1] ?? '')) {
          return fail(reply, 403, 'FORBIDDEN', 'wrong bearer token');
        }
        return undefined;
      });
      api.addHook('preHandler', async (_request, reply) => {
        const reason = deps.unavailableReason();
        if (reason !== undefined) return fail(reply, 503, 'UNAVAILABLE', reason);
        return undefined;
      });

      api.post<{ Body: Static<typeof PublishBody> }>(
        '/publish',
        { schema: { body: PublishBody } },
        async (request, reply) => {
          const { to, event, data, except } = request.body;
          if (!isPublishableEvent(event))
            return fail(reply, 400, 'INVALID_PAYLOAD', `not a publishable event: ${event}`);
          const targets = toArray(to);
          const excluded = except === undefined ? [] : toArray(except);
          const invalid = badRooms([...targets, ...excluded], true);
          if (invalid !== undefined) return fail(reply, 400, 'INVALID_PAYLOAD', invalid);
          // The catalogue types each event's payload; the API forwards JSON as the backend sent it.
          const operator = deps.io.to(targets).except(excluded);
          // High-rate state (VOLATILE_EVENTS) is dropped for a backed-up client and never kept for recovery.
          const untyped = (isVolatileEvent(event) ? operator.volatile : operator) as unknown as {
            emit(event: string, payload: unknown): boolean;
          };
          untyped.emit(event, data ?? null);
          return reply.code(202).send({ ok: true });
        },
      );

      // `room:` and `match:` rooms are memberships (the user's, kept across connections); others, such as
      // the lobby, only move the sockets connected now.
      const membership =
        (action: 'join' | 'leave') =>
        async (request: FastifyRequest<{ Body: Static<typeof MembershipBody> }>, reply: FastifyReply) => {
          const { user, rooms } = request.body;
          const targets = toArray(rooms);
          const invalid = badRooms(targets, false);
          if (invalid !== undefined) return fail(reply, 400, 'INVALID_PAYLOAD', invalid);
          const changed =
            action === 'join'
              ? await deps.presence.memberships.join({ userId: user }, targets)
              : await deps.presence.memberships.leave(user, targets, 'kicked');
          return reply.code(202).send({ ok: true, changed });
        };
      api.post('/join', { schema: { body: MembershipBody } }, membership('join'));
      api.post('/leave', { schema: { body: MembershipBody } }, membership('leave'));

      const roomOf = (name: string): string | undefined => (isMembershipRoom(name) ? name : undefined);
      api.get<{ Params: Static<typeof RoomParams> }>(
        '/rooms/:room/members',
        { schema: { params: RoomParams } },
        async (request, reply) => {
          const room = roomOf(request.params.room);
          if (room === undefined) return fail(reply, 400, 'INVALID_PAYLOAD', 'room: a room:<id> or match:<id> name');
          return { room, members: await deps.presence.members(room) };
        },
      );
      api.delete<{ Params: Static<typeof RoomParams> }>(
        '/rooms/:room',
        { schema: { params: RoomParams } },
        async (request, reply) => {
          const room = roomOf(request.params.room);
          if (room === undefined) return fail(reply, 400, 'INVALID_PAYLOAD', 'room: a room:<id> or match:<id> name');
          const removed = await deps.presence.memberships.close(room);
          return { ok: true, room, removed };
        },
      );

      api.post<{ Body: Static<typeof StatusBody> }>(
        '/status',
        { schema: { body: StatusBody } },
        async (request, reply) => {
          await deps.presence.setStatus(request.body.user, request.body.status);
          return reply.code(202).send({ ok: true });
        },
      );

      api.get<{ Params: Static<typeof PresenceParams> }>(
        '/presence/:userId',
        { schema: { params: PresenceParams } },
        async (request) => {
          const [presence] = await deps.presence.getMany([request.params.userId]);
          return presence;
        },
      );

      api.get<{ Querystring: Static<typeof PresenceQuery> }>(
        '/presence',
        { schema: { querystring: PresenceQuery } },
        async (request, reply) => {
          const users = [...new Set(request.query.users.split(',').map((id) => id.trim()))];
          if (users.length > MAX_WATCHED_USERS || !users.every(isRoomId)) {
            return fail(reply, 400, 'INVALID_PAYLOAD', `users: 1-${MAX_WATCHED_USERS} comma-separated user ids`);
          }
          return { users: await deps.presence.getMany(users) };
        },
      );

      api.post<{ Body: Static<typeof RevokeBody> }>(
        '/revoke',
        { schema: { body: RevokeBody } },
        async (request, reply) => {
          const { user, jti, until } = request.body;
          await deps.denyList.deny(jti === undefined ? { userId: user } : { jti }, until);
          // Revoking every token of a user also ends their memberships and closes the sockets they hold now.
          if (jti === undefined) {
            await deps.presence.memberships.revoke(user);
            deps.io.in(roomNames.user(user)).disconnectSockets(true);
          }
          return reply.code(202).send({ ok: true });
        },
      );

      api.post<{ Body: Static<typeof DisconnectBody> }>(
        '/disconnect',
        { schema: { body: DisconnectBody } },
        async (request, reply) => {
          deps.io.in(roomNames.user(request.body.user)).disconnectSockets(true);
          return reply.code(202).send({ ok: true });
        },
      );
    },
    { prefix: '/v1' },
  );
}
