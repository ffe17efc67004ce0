import Fastify, { type FastifyInstance } from 'fastify';
import { EmitterError, type GameEmitter, createRoomTicket } from '@gamesocket/emitter';
import { rooms as roomNames } from '@gamesocket/protocol';
import type { UserReader } from './auth.js';
import { allowOrigins } from './cors.js';
import type { Publisher } from './publish.js';
import type { RoomStore } from './rooms.js';

/** Dependencies of `buildHttp`. */
export interface HttpDeps {
  /** Begins a joining player's membership (`joinRoom`). */
  emitter: Pick<GameEmitter, 'joinRoom'>;
  store: RoomStore;
  publisher: Publisher;
  readUser: UserReader;
  /** The socket service's `ROOM_TICKET_SECRET`. */
  ticketSecret: string;
  allowedOrigins: readonly string[];
  /** Called with errors the handlers did not expect (a publish while Redis is down answers 503). */
  onError: (err: unknown) => void;
}

const fail = (code: string, message: string) => ({ ok: false, error: { code, message } });

/**
 * The HTTP API of the example:
 * - `GET /rooms` -> `{ rooms }`, the lobby's room list;
 * - `POST /rooms/:roomId/join` (access-token cookie) -> `{ ticket, room }` (`room` with its `members`): records the
 *   player, begins their membership of `room:<id>` (`emitter.joinRoom`: the service puts their sockets in and announces
 *   `room:player_joined`), tells the lobby (`lobby:room_list`), and issues a room ticket (`room:join` with it is a no-op
 *   for a member; a page that lost its socket can use it). 401 without a valid token, 404 for an unknown room, 409 when
 *   it is full. Joining again returns a fresh ticket and announces nothing.
 */
export function buildHttp(deps: HttpDeps): FastifyInstance {
  const { store, publisher, readUser, ticketSecret } = deps;
  const fastify = Fastify({ logger: false, bodyLimit: 1024 });
  allowOrigins(fastify, deps.allowedOrigins);
  fastify.setErrorHandler((err, _request, reply) => {
    if (err instanceof EmitterError) return reply.code(503).send(fail('UNAVAILABLE', 'cannot reach the players'));
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    if (status >= 400 && status < 500) return reply.code(status).send(fail('INVALID_PAYLOAD', (err as Error).message));
    deps.onError(err);
    return reply.code(500).send(fail('INTERNAL', 'internal error'));
  });

  fastify.get('/rooms', async () => ({ rooms: store.list() }));

  fastify.post<{ Params: { roomId: string } }>('/rooms/:roomId/join', async (request, reply) => {
    const user = await readUser(request.headers.cookie);
    if (user === undefined) return reply.code(401).send(fail('AUTH_REQUIRED', 'sign in first'));
    const { roomId } = request.params;
    const result = store.join(roomId, user);
    const room = store.get(roomId);
    if (result === 'unknown' || room === undefined) return reply.code(404).send(fail('NOT_FOUND', 'no such room'));
    if (result === 'full') return reply.code(409).send(fail('ROOM_FULL', 'the room is full'));
    if (result === 'joined') {
      // The seat is a membership from now on: held through drops, freed by the service's room:player_left.
      await deps.emitter.joinRoom({ userId: user.userId, username: user.username, rooms: [roomNames.room(roomId)] });
      await publisher.roomList();
    }
    const ticket = await createRoomTicket({ userId: user.userId, room: roomNames.room(roomId), secret: ticketSecret });
    return { ticket, room: store.detail(room) };
  });

  return fastify;
}
