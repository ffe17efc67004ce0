import t from 'tap';
import { Redis } from 'ioredis';
import { io, type Socket } from 'socket.io-client';
import { createEmitter, createRoomTicket, type GameEmitter } from '@gamesocket/emitter';
import {
  LOBBY_ROOM,
  decodeLifecycleEntry,
  presenceKeys,
  rooms as roomNames,
  type ConnectedPayload,
  type LifecycleEntry,
  type PlayerJoinedPayload,
  type PlayerLeftPayload,
} from '@gamesocket/protocol';
import {
  TEST_ORIGIN,
  TEST_SECRET,
  authCookie,
  connectClient,
  eventually,
  mintToken,
  request,
  spawnService,
  startPods,
  startRedis,
  waitFor,
  waitForCluster,
  withTimeout,
  type RedisServer,
  type RunningService,
  type TapTest,
  type TestSocket,
} from '@gamesocket/test-helpers';
import { podSignals } from '../src/presence/pod-signals.js';

/**
 * Memberships as cluster state, with real redis-server processes, real pods and real clients: a
 * membership belongs to the user, comes back on every socket of theirs (second tabs, reconnects
 * without recovery, after a SIGKILL), is not undone by recovery, ends once (left, kicked, closed,
 * expired), and every transition lands once in the lifecycle streams.
 */

const API_TOKEN = 'backend-api-token-for-membership-tests';
const token = (sub: string): Promise<string> => mintToken({ sub, username: `name-${sub}` });
const ticket = (userId: string, room: string): Promise<string> =>
  createRoomTicket({ userId, room, secret: TEST_SECRET });

/** A user's socket on `url`; resolves once `system:connected` came. */
async function connectUser(t: TapTest, url: string, userId: string) {
  return connectClient(t, url, { token: await token(userId) });
}

/** Every lifecycle entry so far, from every shard's stream. */
async function lifecycle(redis: Redis): Promise<LifecycleEntry[]> {
  const streams = Array.from({ length: 16 }, (_, shard) => presenceKeys.lifecycle(presenceKeys.shard(shard)));
  const read = await Promise.all(streams.map((stream) => redis.xrange(stream, '-', '+')));
  return read.flat().map(([id, fields]) => decodeLifecycleEntry(id, fields));
}

const entriesOf = (entries: LifecycleEntry[], event: string, userId: string): LifecycleEntry[] =>
  entries.filter((entry) => entry.event === event && entry.data.userId === userId);

/** Records the payloads of one event on a socket. */
function record<T>(socket: TestSocket, event: string): T[] {
  const seen: T[] = [];
  (socket as unknown as Socket).on(event, (payload: T) => seen.push(payload));
  return seen;
}

/** Publishes a chat line to a room until `socket` got it: everything sent to it before has arrived too. */
async function barrier(emitter: GameEmitter, roomId: string, socket: TestSocket, text: string): Promise<void> {
  const seen = record<{ text: string }>(socket, 'room:chat_message');
  await eventually(
    async () => {
      await emitter
        .toRoom(roomId)
        .emit('room:chat_message', { roomId, from: { userId: 'sys', username: 'sys' }, text, timestamp: 1 });
      await new Promise((resolve) => setTimeout(resolve, 50));
      return seen.some((message) => message.text === text);
    },
    5000,
    `${text} to arrive`,
  );
}

async function redisPods(t: TapTest, redis: RedisServer, adapter: string, env: Record<string, string> = {}) {
  const pods = await startPods(t, 2, { REDIS_URL: redis.url, ADAPTER: adapter, PUBLISH_API_TOKEN: API_TOKEN, ...env });
  await waitForCluster(pods);
  const emitter = await createEmitter({
    redis: redis.url,
    mode: adapter as 'redis' | 'redis-streams' | 'redis-sharded',
  });
  t.teardown(() => emitter.close());
  const reader = new Redis(redis.port, '127.0.0.1');
  t.teardown(() => reader.quit());
  return { pods: pods as [RunningService, RunningService], emitter, reader };
}

for (const mode of ['redis', 'redis-sharded'] as const) {
  t.test(
    `${mode} mode, 2 pods: a membership comes back on every socket of the user, without a new ticket`,
    async (t) => {
      const redis = await startRedis(t);
      const { pods, emitter } = await redisPods(t, redis, mode);
      const [podA, podB] = pods;
      const bob = await connectUser(t, podB.url, 'bob');
      t.match(await request(bob.socket, 'room:join', { roomId: 'g1', ticket: await ticket('bob', 'room:g1') }), {
        ok: true,
      });
      const bobJoins = record<PlayerJoinedPayload>(bob.socket, 'room:player_joined');

      const tab1 = await connectUser(t, podA.url, 'alice');
      t.same(tab1.connected.rooms, [], 'no membership yet');
      t.same(await request(tab1.socket, 'room:join', { roomId: 'g1', ticket: await ticket('alice', 'room:g1') }), {
        ok: true,
        data: {
          room: 'room:g1',
          members: [
            { userId: 'alice', username: 'name-alice', online: true, connections: 1 },
            { userId: 'bob', username: 'name-bob', online: true, connections: 1 },
          ],
        },
      });

      const tab2 = await connectUser(t, podB.url, 'alice');
      t.same(tab2.connected.rooms, ['room:g1'], 'a second tab is in the room at once');
      const tab2Lines = record<{ text: string }>(tab2.socket, 'room:chat_message');

      // The first tab's transport drops; the player comes back on the other pod (redis mode has no recovery).
      const gone = waitFor(tab1.socket, 'disconnect');
      tab1.socket.disconnect();
      await gone;
      const back = await connectUser(t, podB.url, 'alice');
      t.equal(back.connected.recovered, false);
      t.same(back.connected.rooms, ['room:g1'], 'system:connected lists the membership');
      await barrier(emitter, 'g1', back.socket, 'after the reconnect');
      t.ok(
        tab2Lines.some((line) => line.text === 'after the reconnect'),
        'the next room event reaches every tab',
      );
      t.equal(
        bobJoins.filter((payload) => payload.user.userId === 'alice').length,
        1,
        'room:player_joined once for the membership, not once per socket or reconnect',
      );
      t.same(bobJoins[0], { roomId: 'g1', room: 'room:g1', user: { userId: 'alice', username: 'name-alice' } });
    },
  );
}

for (const mode of ['redis', 'redis-sharded', 'redis-streams'] as const) {
  t.test(`${mode} mode: a membership change has moved this pod's sockets when it resolves`, async (t) => {
    const redis = await startRedis(t);
    const { pods } = await redisPods(t, redis, mode);
    const [podA, podB] = pods;
    const here = await connectUser(t, podA.url, 'carol');
    const there = await connectUser(t, podB.url, 'carol');
    const onA = podA.app.io.sockets.sockets.get(here.socket.id ?? '');
    const onB = podB.app.io.sockets.sockets.get(there.socket.id ?? '');
    if (onA === undefined || onB === undefined) throw new Error('no server-side socket');
    const actions = podA.app.presence.memberships;

    // A client acts on the ack at once (a chat line after its leave): the change cannot wait for the adapter's echo.
    await actions.join({ userId: 'carol' }, ['room:r1']);
    t.ok(onA.rooms.has('room:r1'), 'in the room when the join resolves');
    await eventually(() => onB.rooms.has('room:r1'), 5000, 'the other pod to move its socket');
    await actions.leave('carol', ['room:r1'], 'left');
    t.notOk(onA.rooms.has('room:r1'), 'out of the room when the leave resolves');
    await actions.join({ userId: 'carol' }, ['room:r1']);
    await eventually(() => onB.rooms.has('room:r1'), 5000, 'the other pod to move its socket');
    await actions.close('room:r1');
    t.notOk(onA.rooms.has('room:r1'), 'out of a closed room when the close resolves');
    await actions.join({ userId: 'carol' }, ['room:r2']);
    // Out of the lobby and back with no store call between: a late echo of the leave must not undo the join.
    await actions.join({ userId: 'carol' }, [LOBBY_ROOM]);
    await actions.leave('carol', [LOBBY_ROOM], 'left');
    await actions.join({ userId: 'carol' }, [LOBBY_ROOM]);
    // The same for a room emptied and entered again (the pod's signals alone: no store call between).
    const signals = podSignals(podA.app.io);
    await signals.join('carol', ['room:r3']);
    await signals.clear('room:r3');
    await signals.join('carol', ['room:r3']);
    const movedAgain: string[] = [];
    podA.app.io.of('/').adapter.on('leave-room', (room: string, id: string) => {
      if (id === onA.id) movedAgain.push(room);
    });

    // Moved the adapter's way, this marker reaches both pods after everything pod A sent before it.
    void podA.app.io.in(roomNames.user('carol')).socketsJoin('marker');
    await eventually(() => onA.rooms.has('marker') && onB.rooms.has('marker'), 5000, 'the marker');
    for (const [pod, socket] of [
      ['this pod', onA],
      ['the other pod', onB],
    ] as const) {
      t.same(
        ['room:r1', 'room:r2', LOBBY_ROOM, 'room:r3'].map((room) => socket.rooms.has(room)),
        [false, true, true, true],
        `${pod}: in the rooms as last moved`,
      );
    }
    t.same(movedAgain, [], 'no echo took a socket of this pod out of a room it holds');
  });
}

t.test(
  'redis mode: two tabs on two pods close → one player:offline; after the grace one room:player_left expired',
  async (t) => {
    const redis = await startRedis(t);
    const { pods, emitter, reader } = await redisPods(t, redis, 'redis', { MEMBERSHIP_GRACE_MS: '1000' });
    const [podA, podB] = pods;
    const bob = await connectUser(t, podA.url, 'bob');
    await request(bob.socket, 'room:join', { roomId: 'g2', ticket: await ticket('bob', 'room:g2') });
    const bobLeft = record<PlayerLeftPayload>(bob.socket, 'room:player_left');
    const tabA = await connectUser(t, podA.url, 'carol');
    await request(tabA.socket, 'room:join', { roomId: 'g2', ticket: await ticket('carol', 'room:g2') });
    const tabB = await connectUser(t, podB.url, 'carol');
    t.same(tabB.connected.rooms, ['room:g2']);
    tabA.socket.disconnect();
    tabB.socket.disconnect();
    await eventually(
      async () => entriesOf(await lifecycle(reader), 'room:player_left', 'carol').length > 0,
      10_000,
      'the membership to expire',
    );
    await barrier(emitter, 'g2', bob.socket, 'after the expiry');
    const entries = await lifecycle(reader);
    t.equal(entriesOf(entries, 'player:online', 'carol').length, 1, 'one player:online for two tabs');
    t.equal(entriesOf(entries, 'player:offline', 'carol').length, 1, 'one player:offline for two tabs');
    t.match(entriesOf(entries, 'room:player_left', 'carol'), [
      { data: { userId: 'carol', room: 'room:g2', reason: 'expired' } },
    ]);
    t.same(bobLeft, [{ roomId: 'g2', room: 'room:g2', userId: 'carol', reason: 'expired' }], 'the room hears it once');
    t.same(
      (await emitter.roomMembers('room:g2')).map((member) => member.userId),
      ['bob'],
      'the room members read',
    );
  },
);

t.test('redis mode: the HTTP API and the emitter change memberships for every tab, once', async (t) => {
  const redis = await startRedis(t);
  const { pods, emitter } = await redisPods(t, redis, 'redis');
  const [podA, podB] = pods;
  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${podA.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${API_TOKEN}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
  const dave = await connectUser(t, podB.url, 'dave');
  const daveLeft = record<PlayerLeftPayload>(dave.socket, 'room:player_left');
  t.same(await (await api('POST', '/v1/join', { user: 'dave', rooms: ['room:g3', 'match:m3'] })).json(), {
    ok: true,
    changed: ['room:g3', 'match:m3'],
  });
  t.same((await emitter.joinRoom({ userId: 'erin', rooms: 'room:g3', username: 'Erin' })).sort(), ['room:g3']);
  const members = await api('GET', `/v1/rooms/${encodeURIComponent('room:g3')}/members`);
  t.same(await members.json(), {
    room: 'room:g3',
    members: [
      { userId: 'dave', username: 'name-dave', online: true, connections: 1 },
      { userId: 'erin', username: 'Erin', online: false, connections: 0 },
    ],
  });
  t.equal((await api('GET', '/v1/rooms/lobby/members')).status, 400, 'not a membership room');
  const erin = await connectUser(t, podA.url, 'erin');
  t.same(erin.connected.rooms, ['room:g3'], 'a backend join holds for a user who was offline');

  t.same(await emitter.leaveRoom({ userId: 'dave', rooms: 'match:m3' }), ['match:m3']);
  await eventually(() => daveLeft.length === 1, 5000, 'dave to hear his kick');
  t.same(daveLeft, [{ roomId: 'm3', room: 'match:m3', userId: 'dave', reason: 'kicked' }]);

  const closed = await api('DELETE', `/v1/rooms/${encodeURIComponent('room:g3')}`);
  t.same(await closed.json(), { ok: true, room: 'room:g3', removed: ['dave', 'erin'] });
  t.same(await emitter.roomMembers('room:g3'), []);
  const again = await connectUser(t, podA.url, 'dave');
  t.same(again.connected.rooms, [], 'a closed room does not come back');
  await eventually(async () => (await podB.app.io.in('room:g3').fetchSockets()).length === 0, 5000, 'room:g3 empty');
});

/** A client that keeps its session between connects (recovery needs the same Socket), reconnecting only when told. */
function manualClient(t: TapTest, url: string, cookie: string | undefined, auth?: Record<string, unknown>) {
  const socket: Socket = io(url, {
    transports: ['websocket'],
    extraHeaders: { origin: TEST_ORIGIN, ...(cookie !== undefined && { cookie }) },
    reconnection: false,
    forceNew: true,
    ...(auth !== undefined && { auth }),
  });
  t.teardown(() => {
    socket.disconnect();
  });
  const connects: ConnectedPayload[] = [];
  socket.on('system:connected', (payload: ConnectedPayload) => connects.push(payload));
  return { socket, connects };
}

/** Drops the transport as a network would (the session stays recoverable), and waits until the server saw it. */
async function drop(pod: RunningService, socket: Socket): Promise<void> {
  const id = socket.id;
  const gone = waitFor(socket, 'disconnect');
  socket.io.engine.close();
  await gone;
  await eventually(() => !pod.app.io.of('/').sockets.has(id ?? ''), 5000, 'the server to see the drop');
}

t.test('redis-streams: a kick while away sticks through recovery; nothing after it is replayed', async (t) => {
  const redis = await startRedis(t);
  const { pods, emitter } = await redisPods(t, redis, 'redis-streams');
  const [pod] = pods;
  const cookie = authCookie(await token('frank'));
  const client = manualClient(t, pod.url, cookie);
  await eventually(() => client.connects.length === 1, 5000, 'frank to connect');
  const lines = record<{ text: string }>(client.socket as unknown as TestSocket, 'room:chat_message');
  const join = await client.socket
    .timeout(5000)
    .emitWithAck('room:join', { roomId: 'k', ticket: await ticket('frank', 'room:k') });
  t.match(join, { ok: true });
  await barrier(emitter, 'k', client.socket as unknown as TestSocket, 'before');

  // Control: a drop without a kick recovers, room and missed events included.
  await drop(pod, client.socket);
  await emitter
    .toRoom('k')
    .emit('room:chat_message', { roomId: 'k', from: { userId: 's', username: 's' }, text: 'missed', timestamp: 1 });
  client.socket.connect();
  await eventually(() => client.connects.length === 2, 5000, 'the recovery');
  t.equal(client.connects[1]?.recovered, true, 'recovered while the membership holds');
  t.same(client.connects[1]?.rooms, ['room:k']);
  await eventually(() => lines.some((line) => line.text === 'missed'), 5000, 'the missed line');

  // Kicked while away: the session must not bring the room back.
  await drop(pod, client.socket);
  t.same(await emitter.leaveRoom({ userId: 'frank', rooms: 'room:k' }), ['room:k']);
  await emitter.toRoom('k').emit('room:chat_message', {
    roomId: 'k',
    from: { userId: 's', username: 's' },
    text: 'after the kick',
    timestamp: 2,
  });
  client.socket.connect();
  await eventually(() => client.connects.length === 3, 5000, 'the reconnect');
  t.equal(client.connects[2]?.recovered, false, 'not restored: it was in a room it no longer holds');
  t.same(client.connects[2]?.rooms, []);
  const intent = await client.socket.timeout(5000).emitWithAck('room:chat_message', { roomId: 'k', text: 'hi' });
  t.match(intent, { ok: false, error: { code: 'FORBIDDEN' } }, 'intents into the room are refused');
  const watcher = await connectUser(t, pod.url, 'grace');
  await request(watcher.socket, 'room:join', { roomId: 'k', ticket: await ticket('grace', 'room:k') });
  await barrier(emitter, 'k', watcher.socket, 'later');
  t.notOk(
    lines.some((line) => line.text === 'after the kick' || line.text === 'later'),
    'nothing after the kick',
  );
});

t.test('memory mode: a saved session is restored once; the per-user cap holds for recovered sockets', async (t) => {
  const [pod] = (await startPods(t, 1, { MAX_CONNECTIONS_PER_USER: '2' })) as [RunningService];
  const cookie = authCookie(await token('hank'));
  const first = manualClient(t, pod.url, cookie);
  await eventually(() => first.connects.length === 1, 5000, 'hank to connect');
  await first.socket.timeout(5000).emitWithAck('lobby:join');
  const session = first.socket as unknown as { _pid: string; _lastOffset: string };
  pod.app.io.to('lobby').emit('lobby:stats', { online: 1, connections: 1, nodes: 1 });
  await eventually(() => typeof session._lastOffset === 'string', 5000, 'an offset');
  const saved = { pid: session._pid, offset: session._lastOffset };
  const savedId = first.socket.id;
  await drop(pod, first.socket);

  const replay1 = manualClient(t, pod.url, cookie, saved);
  await eventually(() => replay1.connects.length === 1, 5000, 'the first presentation');
  t.equal(replay1.connects[0]?.recovered, true, 'the first presentation restores the session');
  t.equal(replay1.connects[0]?.socketId, savedId, 'with its socket id');
  const replay2 = manualClient(t, pod.url, cookie, saved);
  await eventually(() => replay2.connects.length === 1, 5000, 'the second presentation');
  t.equal(replay2.connects[0]?.recovered, false, 'the second presentation is a fresh socket');
  t.not(replay2.connects[0]?.socketId, savedId, 'under a new id');
  t.equal(pod.app.io.of('/').sockets.size, 2, 'two sockets, two ids');

  // Recovered over the cap: another socket took the place meanwhile.
  await drop(pod, replay1.socket);
  const other = await connectUser(t, pod.url, 'hank');
  replay1.socket.connect();
  const overCap = await withTimeout(waitFor<Error>(replay1.socket, 'connect_error'), 5000, 'the recovery attempt');
  t.match(overCap, { data: { code: 'CONNECTION_LIMIT' } }, 'a recovered socket counts against the cap');
  t.ok(other.socket.connected, 'the socket holding the place keeps it');
  t.equal(pod.app.io.of('/').sockets.size, 2, 'never more than the cap');
});

t.test('a SIGKILLed pod: its users go offline once each and reconnect into their memberships', async (t) => {
  const redis = await startRedis(t);
  const env = { REDIS_URL: redis.url, ADAPTER: 'redis', PRESENCE_TTL_MS: '2000', PUBLISH_API_TOKEN: API_TOKEN };
  const doomed = await spawnService(t, { ...env, NODE_ID: 'doomed' });
  const survivor = await spawnService(t, { ...env, NODE_ID: 'survivor' });
  const reader = new Redis(redis.port, '127.0.0.1');
  t.teardown(() => reader.quit());
  const users = ['u1', 'u2', 'u3'];
  for (const userId of users) {
    const client = await connectUser(t, doomed.url, userId);
    await request(client.socket, 'room:join', { roomId: 'z', ticket: await ticket(userId, 'room:z') });
  }
  const stays = await connectUser(t, survivor.url, 'u3');
  t.same(stays.connected.rooms, ['room:z'], 'a second tab on the other pod');
  await doomed.stop('SIGKILL');
  await eventually(
    async () => {
      const entries = await lifecycle(reader);
      return ['u1', 'u2'].every((userId) => entriesOf(entries, 'player:offline', userId).length > 0);
    },
    15_000,
    'the reaper',
  );
  const back = await connectUser(t, survivor.url, 'u1');
  t.same(back.connected.rooms, ['room:z'], 'a player of the killed pod reconnects into the room');
  // A few more reaper rounds: nothing is reaped twice.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const entries = await lifecycle(reader);
  for (const userId of ['u1', 'u2']) t.equal(entriesOf(entries, 'player:offline', userId).length, 1, `${userId} once`);
  t.equal(entriesOf(entries, 'player:offline', 'u3').length, 0, 'a user with a socket elsewhere stays online');
});

t.test('Redis restarted empty: presence and memberships come back from the pods', async (t) => {
  const redis = await startRedis(t);
  const { pods, emitter } = await redisPods(t, redis, 'redis');
  const [podA, podB] = pods;
  const ivy = await connectUser(t, podA.url, 'ivy');
  const jay = await connectUser(t, podB.url, 'jay');
  for (const [client, userId] of [
    [ivy, 'ivy'],
    [jay, 'jay'],
  ] as const) {
    await request(client.socket, 'room:join', { roomId: 'r', ticket: await ticket(userId, 'room:r') });
  }
  await redis.kill();
  await redis.restart();
  await eventually(
    async () => {
      try {
        const members = await emitter.roomMembers('room:r');
        return members.length === 2 && members.every((member) => member.online);
      } catch {
        return false;
      }
    },
    20_000,
    'the members read to list both, online',
  );
  t.same(
    (await emitter.roomMembers('room:r')).map(({ userId, online }) => ({ userId, online })),
    [
      { userId: 'ivy', online: true },
      { userId: 'jay', online: true },
    ],
  );
  await barrier(emitter, 'r', ivy.socket, 'after the restart');
  await barrier(emitter, 'r', jay.socket, 'after the restart, pod B');
  const again = await connectUser(t, podB.url, 'ivy');
  t.same(again.connected.rooms, ['room:r'], 'a new tab joins the restored membership');
});

t.test('memory mode: the lifecycle feed reaches an in-process listener, one entry per transition', async (t) => {
  const [pod] = (await startPods(t, 1, { MEMBERSHIP_GRACE_MS: '1000' })) as [RunningService];
  const entries: LifecycleEntry[] = [];
  const stop = pod.app.onLifecycle?.((entry) => entries.push(entry));
  t.type(stop, 'function', 'memory mode offers the listener');
  t.teardown(() => stop?.());
  const tab1 = await connectUser(t, pod.url, 'kim');
  const tab2 = await connectUser(t, pod.url, 'kim');
  await request(tab1.socket, 'room:join', { roomId: 'm', ticket: await ticket('kim', 'room:m') });
  tab1.socket.disconnect();
  tab2.socket.disconnect();
  await eventually(() => entries.some((entry) => entry.event === 'room:emptied'), 10_000, 'the room to empty');
  t.same(
    entries.map((entry) =>
      `${entry.event} ${entry.data.userId ?? ''} ${entry.data.room ?? ''} ${entry.data.reason ?? ''}`.trim(),
    ),
    [
      'player:online kim',
      'room:player_joined kim room:m',
      'player:offline kim',
      'room:player_left kim room:m expired',
      'room:emptied  room:m',
    ],
  );
  t.ok(
    entries.every((entry) => entry.nodeId === 'pod-0' && /^\d+-\d+$/.test(entry.id)),
    'stamped with the pod and an id',
  );
});

t.test(
  'redis mode: the built service offers no in-process lifecycle listener (the streams are the feed)',
  async (t) => {
    const redis = await startRedis(t);
    const [pod] = (await startPods(t, 1, { REDIS_URL: redis.url, ADAPTER: 'redis' })) as [RunningService];
    t.equal(pod.app.onLifecycle, undefined);
  },
);
