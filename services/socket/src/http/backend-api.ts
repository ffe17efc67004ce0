import type { Static } from '@sinclair/typebox';
import { MAX_WATCHED_USERS, isRoomId, isPublishableEvent, isVolatileEvent, parseRoom } from '@gamesocket/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isMembershipRoom, type DenyList } from '@gamesocket/presence';
import { userActions } from './user-actions.js';
import type { PresenceTracker } from '../presence/presence-tracker.js';
import { ServiceError } from '../core/errors.js';
import { secretMatcher } from '../core/secret-compare.js';
import { httpStatusOf } from './error-status.js';
import type {
  DisconnectBody,
  MembershipBody,
  PresenceParams,
  PresenceQuery,
  PublishBody,
  RevokeBody,
  RoomParams,
  StatusBody,
} from './backend-api-schemas.js';
import { ROUTE_SCHEMAS } from './backend-api-schemas.js';
import { registerOpenApi } from './openapi.js';
import { publishFromApi } from './publish-tracing.js';
import type { Tracing } from '../core/tracing.js';
import type { GameServer } from '../core/socket-types.js';

/** Largest body the backend API accepts (413 above). */
export const API_BODY_LIMIT = 64 * 1024;

const toArray = (value: string | string[]): string[] => (Array.isArray(value) ? value : [value]);

/** Dependencies of the backend API. */
export interface BackendApiDeps {
  io: GameServer;
  presence: PresenceTracker;
  denyList: DenyList;
  token: string;
  /** Undefined when the cluster can deliver; else why not (503). */
  unavailableReason(): string | undefined;
  /** With tracing on, `POST /v1/publish` makes a span (continuing a `traceparent` header) that travels with the event. */
  tracing?: Tracing | undefined;
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
  const actions = userActions(deps);

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
      // Answers go out as the handlers return them: the response schemas document them (docs/openapi.json) but
      // must not serialise them, since fast-json-stringify drops every field a schema does not list.
      api.setSerializerCompiler(() => (data) => JSON.stringify(data));
      // The API's OpenAPI document, without the bearer token: it holds nothing secret (docs/openapi.json is it).
      await registerOpenApi(api);

      // Everything else needs the bearer token, and a cluster that can deliver.
      await api.register(async (guarded) => {
        guarded.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
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
        guarded.addHook('preHandler', async (_request, reply) => {
          const reason = deps.unavailableReason();
          if (reason !== undefined) return fail(reply, 503, 'UNAVAILABLE', reason);
          return undefined;
        });

        guarded.post<{ Body: Static<typeof PublishBody> }>(
          '/publish',
          { schema: ROUTE_SCHEMAS['POST /publish'] },
          async (request, reply) => {
            const { to, event, data, except } = request.body;
            if (!isPublishableEvent(event))
              return fail(reply, 400, 'INVALID_PAYLOAD', `not a publishable event: ${event}`);
            const targets = toArray(to);
            const excluded = except === undefined ? [] : toArray(except);
            const invalid = badRooms([...targets, ...excluded], true);
            if (invalid !== undefined) return fail(reply, 400, 'INVALID_PAYLOAD', invalid);
            // The catalogue types each event's payload; the API forwards JSON as the backend sent it. High-rate
            // state (VOLATILE_EVENTS) is dropped for a backed-up client and never kept for recovery.
            publishFromApi(deps.io, deps.tracing, request.headers, {
              to: targets,
              except: excluded,
              event,
              data: data ?? null,
              volatile: isVolatileEvent(event),
            });
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
                : await actions.kick(user, targets);
            return reply.code(202).send({ ok: true, changed });
          };
        guarded.post('/join', { schema: ROUTE_SCHEMAS['POST /join'] }, membership('join'));
        guarded.post('/leave', { schema: ROUTE_SCHEMAS['POST /leave'] }, membership('leave'));

        const roomOf = (name: string): string | undefined => (isMembershipRoom(name) ? name : undefined);
        guarded.get<{ Params: Static<typeof RoomParams> }>(
          '/rooms/:room/members',
          { schema: ROUTE_SCHEMAS['GET /rooms/:room/members'] },
          async (request, reply) => {
            const room = roomOf(request.params.room);
            if (room === undefined) return fail(reply, 400, 'INVALID_PAYLOAD', 'room: a room:<id> or match:<id> name');
            return { room, members: await deps.presence.members(room) };
          },
        );
        guarded.delete<{ Params: Static<typeof RoomParams> }>(
          '/rooms/:room',
          { schema: ROUTE_SCHEMAS['DELETE /rooms/:room'] },
          async (request, reply) => {
            const room = roomOf(request.params.room);
            if (room === undefined) return fail(reply, 400, 'INVALID_PAYLOAD', 'room: a room:<id> or match:<id> name');
            const removed = await deps.presence.memberships.close(room);
            return { ok: true, room, removed };
          },
        );

        guarded.post<{ Body: Static<typeof StatusBody> }>(
          '/status',
          { schema: ROUTE_SCHEMAS['POST /status'] },
          async (request, reply) => {
            await deps.presence.setStatus(request.body.user, request.body.status);
            return reply.code(202).send({ ok: true });
          },
        );

        guarded.get<{ Params: Static<typeof PresenceParams> }>(
          '/presence/:userId',
          { schema: ROUTE_SCHEMAS['GET /presence/:userId'] },
          async (request) => {
            const [presence] = await deps.presence.getMany([request.params.userId]);
            return presence;
          },
        );

        guarded.get<{ Querystring: Static<typeof PresenceQuery> }>(
          '/presence',
          { schema: ROUTE_SCHEMAS['GET /presence'] },
          async (request, reply) => {
            const users = [...new Set(request.query.users.split(',').map((id) => id.trim()))];
            if (users.length > MAX_WATCHED_USERS || !users.every(isRoomId)) {
              return fail(reply, 400, 'INVALID_PAYLOAD', `users: 1-${MAX_WATCHED_USERS} comma-separated user ids`);
            }
            return { users: await deps.presence.getMany(users) };
          },
        );

        guarded.post<{ Body: Static<typeof RevokeBody> }>(
          '/revoke',
          { schema: ROUTE_SCHEMAS['POST /revoke'] },
          async (request, reply) => {
            const { user, jti, until } = request.body;
            // Revoking every token of a user also ends their memberships and closes the sockets they hold now.
            await actions.revoke(jti === undefined ? { userId: user } : { jti }, until);
            return reply.code(202).send({ ok: true });
          },
        );

        guarded.post<{ Body: Static<typeof DisconnectBody> }>(
          '/disconnect',
          { schema: ROUTE_SCHEMAS['POST /disconnect'] },
          async (request, reply) => {
            actions.disconnect(request.body.user);
            return reply.code(202).send({ ok: true });
          },
        );
      });
    },
    { prefix: '/v1' },
  );
}
