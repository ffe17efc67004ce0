import t from 'tap';
import type {
  ChatMessagePayload,
  PlayerJoinedPayload,
  PlayerReadyPayload,
  RoomListPayload,
  RoomSummary,
} from '@gamesocket/protocol';
import { createEmitter, createMemoryEmitter } from '@gamesocket/emitter';
import { startLobbyExample, type LobbyExample } from '../src/app.js';
import { createIntentHandler } from '../src/intents.js';
import { createPublisher } from '../src/publish.js';
import { RoomStore } from '../src/rooms.js';
import {
  TEST_ORIGIN,
  WAIT_MS,
  authCookie,
  connectClient,
  eventually,
  mintToken,
  request,
  startGameStack,
  startRedis,
  startService,
  TEST_SECRET,
  type ConnectedClient,
  type TapTest,
} from '@gamesocket/test-helpers';

/** Every event a client receives, with its payload, from the moment it connected. */
type Seen = [event: string, payload: unknown][];

function record(client: ConnectedClient): Seen {
  const seen: Seen = [];
  client.socket.onAny((event: string, payload: unknown) => seen.push([event, payload]));
  return seen;
}

/** Waits (bounded) until `seen` holds an `event` whose payload matches, and returns that payload. */
async function seenEvent<T>(seen: Seen, event: string, match: (payload: T) => boolean, what: string): Promise<T> {
  let found: T | undefined;
  await eventually(
    () => {
      const hit = seen.find(([name, payload]) => name === event && match(payload as T));
      found = hit?.[1] as T | undefined;
      return hit !== undefined;
    },
    WAIT_MS,
    what,
  );
  return found as T;
}

/** Where the flow runs: the socket service as the players reach it (two pods, or one node), and the backend. */
interface Stack {
  pod0: { url: string };
  pod1: { url: string };
  lobby: LobbyExample;
  /** What the backend reported to its `onError`. */
  backendErrors: unknown[];
}

/** Two socket pods on a real Redis and the backend as a process of its own would run, on its Redis emitter. */
async function redisStack(t: TapTest): Promise<Stack> {
  const {
    pods: [pod0, pod1],
    lobby,
    backendErrors,
  } = await startGameStack(t, { start: startLobbyExample, mode: 'redis', consumer: 'flow-test' });
  return { pod0, pod1, lobby, backendErrors };
}

/** One memory-mode service and the backend in the same process, on a memory emitter (what `npm start` runs). */
async function inProcessStack(t: TapTest): Promise<Stack> {
  const service = await startService(t);
  if (service.app.local === undefined) throw new Error('a memory-mode service exposes app.local');
  const emitter = createMemoryEmitter(service.app.local);
  t.teardown(() => emitter.close());
  const backendErrors: unknown[] = [];
  const lobby = await startLobbyExample({
    emitter,
    jwtSecret: TEST_SECRET,
    ticketSecret: TEST_SECRET,
    port: 0,
    host: '127.0.0.1',
    allowedOrigins: [TEST_ORIGIN],
    consumer: 'flow-test',
    onError: (err) => backendErrors.push(err),
  });
  t.teardown(() => lobby.close());
  return { pod0: service, pod1: service, lobby, backendErrors };
}

/** The whole lobby flow: the same backend code and the same expectations, whichever stack runs it. */
async function lobbyFlow(t: TapTest, { pod0, pod1, lobby, backendErrors }: Stack): Promise<void> {
  const tokens = {
    alice: await mintToken({ sub: 'alice', username: 'alice' }),
    bob: await mintToken({ sub: 'bob', username: 'bob' }),
    carol: await mintToken({ sub: 'carol', username: 'carol' }),
  };
  const alice = await connectClient(t, pod0.url, { token: tokens.alice });
  const bob = await connectClient(t, pod1.url, { token: tokens.bob });
  const carol = await connectClient(t, pod1.url, { token: tokens.carol });
  const seen = { alice: record(alice), bob: record(bob), carol: record(carol) };
  for (const client of [alice, bob, carol]) t.same(await request(client.socket, 'lobby:join'), { ok: true });

  const join = (roomId: string, token?: string, origin?: string): Promise<Response> =>
    fetch(`${lobby.url}/rooms/${roomId}/join`, {
      method: 'POST',
      headers: {
        ...(token !== undefined && { cookie: authCookie(token) }),
        ...(origin !== undefined && { origin }),
      },
    });
  let roomId = '';

  t.test('alice creates a room: the lobby sees it, alice is in it', async (t) => {
    const ack = await request<{ id: string }>(alice.socket, 'room:create', { name: 'alice room', maxPlayers: 2 });
    t.match(ack, { ok: true, data: { id: /^\d+-\d+$/ } });
    const isAlices = (room: RoomSummary): boolean => room.name === 'alice room';
    for (const player of ['alice', 'bob', 'carol'] as const) {
      const created = await seenEvent(seen[player], 'room:created', isAlices, `${player} sees room:created`);
      t.match(created, { name: 'alice room', players: 1, maxPlayers: 2 }, `${player} got room:created`);
      roomId = created.roomId;
      const list = await seenEvent<RoomListPayload>(
        seen[player],
        'lobby:room_list',
        ({ rooms }) => rooms.some(isAlices),
        `${player} sees lobby:room_list`,
      );
      t.match(list.rooms, [{ roomId, name: 'alice room', players: 1 }], `${player} got lobby:room_list`);
    }
    const joined = await seenEvent<PlayerJoinedPayload>(
      seen.alice,
      'room:player_joined',
      (payload) => payload.user.userId === 'alice',
      'alice sees herself join',
    );
    t.same(joined, { roomId, room: `room:${roomId}`, user: { userId: 'alice', username: 'alice' } });
    const listed = await fetch(`${lobby.url}/rooms`);
    t.match(await listed.json(), { rooms: [{ roomId, name: 'alice room', players: 1, maxPlayers: 2 }] });
  });

  t.test('bob gets a ticket over HTTP and joins the room on the other pod', async (t) => {
    const response = await join(roomId, tokens.bob, TEST_ORIGIN);
    t.equal(response.status, 200);
    t.equal(response.headers.get('access-control-allow-origin'), TEST_ORIGIN);
    t.equal(response.headers.get('access-control-allow-credentials'), 'true');
    const { ticket, room } = (await response.json()) as { ticket: string; room: unknown };
    t.type(ticket, 'string');
    t.same(
      room,
      {
        roomId,
        name: 'alice room',
        players: 2,
        maxPlayers: 2,
        members: [
          { userId: 'alice', username: 'alice', ready: false },
          { userId: 'bob', username: 'bob', ready: false },
        ],
      },
      'the answer carries the room with its members, so the joining page can draw it',
    );
    t.match(await request(bob.socket, 'room:join', { roomId, ticket }), {
      ok: true,
      data: { room: `room:${roomId}`, members: [{ userId: 'alice' }, { userId: 'bob' }] },
    });
    const joined = await seenEvent<PlayerJoinedPayload>(
      seen.alice,
      'room:player_joined',
      (payload) => payload.user.userId === 'bob',
      'alice sees bob join',
    );
    t.same(joined, { roomId, room: `room:${roomId}`, user: { userId: 'bob', username: 'bob' } });
    await seenEvent<RoomListPayload>(
      seen.carol,
      'lobby:room_list',
      ({ rooms }) => rooms.some((room) => room.roomId === roomId && room.players === 2),
      'the lobby sees 2 players in the room',
    );
    const full = await join(roomId, tokens.carol);
    t.equal(full.status, 409, 'a third player does not fit in a room of 2');
    t.match(await full.json(), { ok: false, error: { code: 'ROOM_FULL' } });
  });

  t.test('both ready up and both see both', async (t) => {
    t.match(await request(alice.socket, 'room:player_ready', { roomId, ready: true }), { ok: true });
    t.match(await request(bob.socket, 'room:player_ready', { roomId, ready: true }), { ok: true });
    for (const viewer of ['alice', 'bob'] as const) {
      for (const userId of ['alice', 'bob']) {
        const ready = await seenEvent<PlayerReadyPayload>(
          seen[viewer],
          'room:player_ready',
          (payload) => payload.userId === userId,
          `${viewer} sees ${userId} ready`,
        );
        t.same(ready, { roomId, userId, ready: true }, `${viewer} saw ${userId} ready`);
      }
    }
  });

  t.test('chat goes to the room, from the stamped sender, and nowhere else', async (t) => {
    t.match(await request(alice.socket, 'room:chat_message', { roomId, text: 'hi bob' }), { ok: true });
    const toBob = await seenEvent<ChatMessagePayload>(
      seen.bob,
      'room:chat_message',
      (payload) => payload.text === 'hi bob',
      'bob gets alice’s message',
    );
    t.match(toBob, { roomId, from: { userId: 'alice', username: 'alice' }, text: 'hi bob', timestamp: Number });
    t.match(await request(bob.socket, 'room:chat_message', { roomId, text: 'hi alice' }), { ok: true });
    const toAlice = await seenEvent<ChatMessagePayload>(
      seen.alice,
      'room:chat_message',
      (payload) => payload.text === 'hi alice',
      'alice gets bob’s message',
    );
    t.match(toAlice, { roomId, from: { userId: 'bob', username: 'bob' }, text: 'hi alice' });

    t.match(
      await request(carol.socket, 'room:chat_message', { roomId, text: 'let me in' }),
      { ok: false, error: { code: 'FORBIDDEN' } },
      'carol cannot post to a room she is not in',
    );
    // Barrier: the backend handles intents in order and publishes over one connection, so once
    // carol sees the room her later intent created, anything sent to alice's room has reached her pod.
    t.match(await request(carol.socket, 'room:create', { name: 'carol room' }), { ok: true });
    await seenEvent<RoomSummary>(seen.carol, 'room:created', (room) => room.name === 'carol room', 'carol’s room');
    t.same(
      seen.carol.filter(([event]) => event === 'room:chat_message'),
      [],
      'carol, in the lobby only, got no chat',
    );
  });

  t.test('the join endpoint refuses the unauthenticated, unknown rooms and foreign origins', async (t) => {
    const anonymous = await join('x');
    t.equal(anonymous.status, 401);
    t.match(await anonymous.json(), { ok: false, error: { code: 'AUTH_REQUIRED' } });
    const forged = await join(
      roomId,
      await mintToken({ sub: 'mallory' }, { key: 'another-secret-of-at-least-32-bytes!!' }),
    );
    t.equal(forged.status, 401, 'a token signed with another key');
    const unknown = await join('no-such-room', tokens.bob);
    t.equal(unknown.status, 404);
    t.match(await unknown.json(), { ok: false, error: { code: 'NOT_FOUND' } });
    const foreign = await join(roomId, tokens.bob, 'https://evil.example');
    t.equal(foreign.status, 403, 'a cross-site POST with the cookie is refused');
    t.equal(foreign.headers.get('access-control-allow-origin'), null);
  });

  t.test('the CORS preflight of the allowed origin is answered', async (t) => {
    const preflight = await fetch(`${lobby.url}/rooms/${roomId}/join`, {
      method: 'OPTIONS',
      headers: { origin: TEST_ORIGIN, 'access-control-request-method': 'POST' },
    });
    t.equal(preflight.status, 204);
    t.equal(preflight.headers.get('access-control-allow-origin'), TEST_ORIGIN);
    t.equal(preflight.headers.get('access-control-allow-credentials'), 'true');
    t.match(preflight.headers.get('access-control-allow-methods'), /POST/);
  });

  t.test('seats follow memberships: a drop keeps it, a leave frees it, an empty room is deleted', async (t) => {
    // bob's connection drops and comes back: his seat and membership hold, and no one saw him leave.
    bob.socket.disconnect();
    const bobAgain = await connectClient(t, pod0.url, { token: tokens.bob });
    t.same(bobAgain.connected.rooms, [`room:${roomId}`], 'back in the room without a ticket');
    const bobSeen = record(bobAgain);
    t.same(await request(bobAgain.socket, 'room:leave', { roomId }), { ok: true });
    const left = await seenEvent<{ userId: string; reason: string }>(
      seen.alice,
      'room:player_left',
      (payload) => payload.userId === 'bob',
      'alice sees bob leave',
    );
    t.match(left, { roomId, userId: 'bob', reason: 'left' });
    await seenEvent<RoomListPayload>(
      seen.carol,
      'lobby:room_list',
      ({ rooms }) => rooms.some((room) => room.roomId === roomId && room.players === 1),
      'the lobby count goes down to 1',
    );
    t.same(
      seen.alice.filter(
        ([event, payload]) => event === 'room:player_left' && (payload as { userId: string }).userId === 'bob',
      ).length,
      1,
      'one room:player_left for bob, not one per tab or drop',
    );
    t.same(await request(alice.socket, 'room:leave', { roomId }), { ok: true });
    await seenEvent<{ roomId: string }>(
      seen.carol,
      'room:delete',
      (payload) => payload.roomId === roomId,
      'room:delete',
    );
    await seenEvent<RoomListPayload>(
      seen.carol,
      'lobby:room_list',
      ({ rooms }) => !rooms.some((room) => room.roomId === roomId),
      'the empty room is gone from the list',
    );
    const listed = (await (await fetch(`${lobby.url}/rooms`)).json()) as RoomListPayload;
    t.notOk(
      listed.rooms.some((room) => room.roomId === roomId),
      'GET /rooms no longer lists it',
    );
    t.same(
      bobSeen.filter(([event]) => event === 'room:chat_message'),
      [],
      'nothing of the room reaches bob after he left',
    );
  });

  t.test('the backend met no errors', async (t) => {
    t.same(backendErrors, []);
  });
}

t.test('on Redis: two players on two pods create, join, ready up and chat through the example backend', async (t) =>
  lobbyFlow(t, await redisStack(t)),
);

t.test('in one process: the same flow on a memory-mode service and a memory emitter, no Redis', async (t) =>
  lobbyFlow(t, await inProcessStack(t)),
);

t.test('a redelivered intent is handled once', async (t) => {
  const redis = await startRedis(t);
  const emitter = await createEmitter({ redis: redis.url, mode: 'redis' });
  t.teardown(() => emitter.close());
  const store = new RoomStore();
  const handle = createIntentHandler({ emitter, store, publisher: createPublisher(emitter, store) });
  const sender = { userId: 'dave', username: 'dave', socketId: 's1', nodeId: 'pod-0' };
  const create = { id: '1-0', event: 'room:create', payload: { name: 'once' }, sender, timestamp: Date.now() } as const;
  await handle(create);
  await handle(create);
  t.match(store.list(), [{ name: 'once', players: 1, maxPlayers: 4 }]);
  t.equal(store.list().length, 1, 'one room for one intent id');

  const roomId = store.list()[0]?.roomId ?? '';
  const ready = {
    id: '2-0',
    event: 'room:player_ready',
    payload: { roomId, ready: true },
    sender,
    timestamp: 0,
  } as const;
  await handle(ready);
  t.equal(store.get(roomId)?.players.get('dave')?.ready, true);
  // A later un-ready, then the first one redelivered: the redelivery must not flip it back.
  await handle({ ...ready, id: '3-0', payload: { roomId, ready: false } });
  await handle(ready);
  t.equal(store.get(roomId)?.players.get('dave')?.ready, false);
});
