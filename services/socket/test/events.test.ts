import t from 'tap';
import type { Socket } from 'socket.io-client';
import type {
  LobbyPresenceDiffPayload,
  PingResponse,
  PlayerStatusPayload,
  PongPayload,
  SystemErrorPayload,
} from '@gamesocket/protocol';
import {
  type ConnectedClient,
  type RunningService,
  type Teardown,
  type TestSocket,
  WAIT_MS,
  connectClient,
  mintToken,
  request,
  startService,
  waitFor,
  eventually,
  listsStatus,
  nextDiff,
} from '@gamesocket/test-helpers';

const NODE_ID = 'events-node-1';

/** The untyped view of a test socket, to send malformed events on purpose. */
function untyped(socket: TestSocket): Socket {
  return socket as unknown as Socket;
}

/**
 * `waitFor` on a socket.io-client socket: the helper's `Listenable` does not accept the client's
 * typed (or untyped) `once`/`off` signatures, so the socket is passed through a cast.
 */
function nextEvent<T>(socket: TestSocket, event: string): Promise<T> {
  return waitFor<T>(socket as unknown as Parameters<typeof waitFor>[0], event);
}

/** The next `lobby:presence_diff` that gives `userId` this status (as a status change, or online with it). */
function diffWithStatus(socket: TestSocket, userId: string, status: string): Promise<LobbyPresenceDiffPayload> {
  return nextDiff(socket, listsStatus(userId, status), WAIT_MS, `a lobby diff with ${userId} ${status}`);
}

/** Connects a client authenticated as `userId`. */
async function connectUser(t: Teardown, url: string, userId: string, transports?: ('websocket' | 'polling')[]) {
  const token = await mintToken({ sub: userId, username: `name-${userId}`, role: 'player' });
  return connectClient(t, url, { token, ...(transports !== undefined && { transports }) });
}

/** A `system:ping` round trip: everything the server wrote to this socket before it has arrived. */
async function roundTrip(socket: TestSocket): Promise<PingResponse> {
  return (await request(socket, 'system:ping')) as unknown as PingResponse;
}

/** Emits without an ack and waits for the `system:error` that answers it. */
async function emitExpectingError(socket: TestSocket, event: string, ...args: unknown[]): Promise<SystemErrorPayload> {
  const error = nextEvent<SystemErrorPayload>(socket, 'system:error');
  untyped(socket).emit(event, ...args);
  return error;
}

async function getHealthz(url: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(WAIT_MS) });
  return { status: res.status, body: await res.json() };
}

async function roomMembers(service: RunningService, room: string): Promise<string[]> {
  const sockets = await service.app.io.in(room).fetchSockets();
  return sockets.map((s) => s.id).sort();
}

t.test('system:connected is the first event on every socket', async (t) => {
  const { url } = await startService(t, { NODE_ID });

  const before = Date.now();
  const anonymous = await connectClient(t, url);
  const user = await connectUser(t, url, 'u1');
  const after = Date.now();

  for (const [name, client] of [
    ['anonymous', anonymous],
    ['authenticated', user],
  ] as const) {
    const { socket, connected, received } = client;
    t.same(received, ['system:connected'], `${name}: nothing came before system:connected`);
    t.equal(connected.socketId, socket.id, `${name}: socketId is the client's socket.id`);
    t.equal(connected.nodeId, NODE_ID, `${name}: nodeId is the configured NODE_ID`);
    t.equal(connected.recovered, false, `${name}: a fresh connection is not recovered`);
    t.type(connected.timestamp, 'number', `${name}: timestamp is a number`);
    t.ok(connected.timestamp >= before && connected.timestamp <= after, `${name}: timestamp is now`);
  }
  t.equal(anonymous.connected.auth, 'anonymous');
  t.equal(anonymous.connected.user, null);
  t.equal(user.connected.auth, 'ok');
  t.same(user.connected.user, { userId: 'u1', username: 'name-u1', role: 'player' });

  t.same(
    Object.keys(user.connected).sort(),
    ['auth', 'nodeId', 'recovered', 'recoveryWindowMs', 'rooms', 'socketId', 'timestamp', 'user'],
    'system:connected carries exactly the documented fields',
  );
  await roundTrip(user.socket);
  t.same(user.received, ['system:connected'], 'an acked ping adds no event');
});

t.test('system:ping', async (t) => {
  const { url } = await startService(t);
  const { socket, received } = await connectClient(t, url);

  t.test('with an ack answers { pong, timestamp } without the envelope', async (t) => {
    const before = Date.now();
    const answer = await request(socket, 'system:ping');
    t.same(Object.keys(answer).sort(), ['pong', 'timestamp'], 'no ok/data envelope');
    const pong = answer as unknown as PingResponse;
    t.equal(pong.pong, true);
    t.type(pong.timestamp, 'number');
    t.ok(pong.timestamp >= before && pong.timestamp <= Date.now(), 'timestamp is now');
  });

  t.test('any JSON payload is accepted and ignored: the ack is the same', async (t) => {
    const payloads: [string, unknown][] = [
      ['an empty object', {}],
      ['null', null],
      ["a probe's timestamp", 1767225600000],
      ['a string', 'hello'],
      ['a boolean', false],
      ['an object', { sentAt: 1767225600000, probe: 'lb-1' }],
      ['an array', [1, 'two', { three: [3] }]],
    ];
    for (const [what, payload] of payloads) {
      const answer = await request(socket, 'system:ping', payload);
      t.same(Object.keys(answer).sort(), ['pong', 'timestamp'], `${what}: no envelope, nothing echoed`);
      t.match(answer, { pong: true, timestamp: Number }, `${what}: answered`);
    }
  });

  t.test('a payload without an ack still gets system:pong { timestamp }', async (t) => {
    const pong = nextEvent<PongPayload>(socket, 'system:pong');
    socket.emit('system:ping', { sentAt: 1767225600000 });
    t.same(Object.keys(await pong), ['timestamp']);
  });

  t.test('without an ack the server emits system:pong { timestamp }', async (t) => {
    const pong = nextEvent<PongPayload>(socket, 'system:pong');
    socket.emit('system:ping');
    const payload = await pong;
    t.same(Object.keys(payload), ['timestamp']);
    t.type(payload.timestamp, 'number');
    t.equal(received.at(-1), 'system:pong');
  });
});

t.test('player:status_change', async (t) => {
  const service = await startService(t);
  const { url } = service;

  t.test('an anonymous socket gets AUTH_REQUIRED (ack and system:error)', async (t) => {
    const { socket } = await connectClient(t, url);
    t.match(await request(socket, 'player:status_change', { status: 'away' }), {
      ok: false,
      error: { code: 'AUTH_REQUIRED', message: String },
    });
    t.match(await emitExpectingError(socket, 'player:status_change', { status: 'away' }), {
      code: 'AUTH_REQUIRED',
      message: String,
      event: 'player:status_change',
    });
  });

  t.test('an anonymous socket with an invalid payload still gets AUTH_REQUIRED first', async (t) => {
    const { socket } = await connectClient(t, url);
    t.match(await request(socket, 'player:status_change', { status: 'NOPE NOPE' }), {
      ok: false,
      error: { code: 'AUTH_REQUIRED' },
    });
  });

  t.test('a signed-in user reaches watchers one by one, the lobby in a diff, and nobody else', async (t) => {
    const sender = await connectUser(t, url, 'status-u1');
    const member = await connectClient(t, url);
    const watcher = await connectUser(t, url, 'status-watcher');
    const outsider = await connectClient(t, url);
    t.same(await request(member.socket, 'lobby:join'), { ok: true });
    t.match(await request(watcher.socket, 'player:watch', { userIds: ['status-u1'] }), { ok: true });

    const delivered = nextEvent<PlayerStatusPayload>(watcher.socket, 'player:status_change');
    const inLobby = diffWithStatus(member.socket, 'status-u1', 'away');
    const before = Date.now();
    t.same(await request(sender.socket, 'player:status_change', { status: 'away' }), { ok: true });
    const payload = await delivered;
    t.same(Object.keys(payload).sort(), ['status', 'timestamp', 'userId']);
    t.equal(payload.userId, 'status-u1');
    t.equal(payload.status, 'away');
    t.ok(payload.timestamp >= before && payload.timestamp <= Date.now(), 'timestamp is now');
    await inLobby;
    t.notOk(member.received.includes('player:status_change'), 'the lobby gets no per-user event');

    // A round trip to the outsider flushes anything sent to it.
    await roundTrip(outsider.socket);
    t.notOk(outsider.received.includes('player:status_change'), 'a socket outside the lobby gets nothing');
    t.notOk(outsider.received.includes('lobby:presence_diff'), 'and no diff');
    await roundTrip(sender.socket);
    t.notOk(sender.received.includes('player:status_change'), 'the sender is not in the lobby either');

    t.test('status values of the documented form pass', async (t) => {
      // A user's status changes are limited (5 at once, then 1/s): one user per value.
      const values = ['online', 'in_match', 'in_game', 'busy', 'a', 'x'.repeat(32), 'level2'];
      for (const [i, status] of values.entries()) {
        const user = await connectUser(t, url, `status-v${i}`);
        t.same(await request(user.socket, 'player:status_change', { status }), { ok: true }, status);
        const [stored] = await service.app.presence.getMany([`status-v${i}`]);
        t.equal(stored?.status, status, `${status} is stored`);
      }
    });

    t.test('without an ack the broadcast still goes out, and no error', async (t) => {
      const next = nextEvent<PlayerStatusPayload>(watcher.socket, 'player:status_change');
      const inLobby = diffWithStatus(member.socket, 'status-u1', 'busy');
      sender.socket.emit('player:status_change', { status: 'busy' });
      t.match(await next, { userId: 'status-u1', status: 'busy' });
      await inLobby;
      await roundTrip(sender.socket);
      t.notOk(sender.received.includes('system:error'));
    });

    t.test('after lobby:leave the member gets nothing more', async (t) => {
      t.same(await request(member.socket, 'lobby:leave'), { ok: true });
      const count = member.received.filter((e) => e === 'lobby:presence_diff').length;
      const seen = nextEvent<PlayerStatusPayload>(watcher.socket, 'player:status_change');
      t.same(await request(sender.socket, 'player:status_change', { status: 'online' }), { ok: true });
      await seen;
      // The lobby's diff of this change goes out an interval later: a lobby member would have it after this one.
      const later = await connectUser(t, url, 'status-later');
      const stillInLobby = await connectClient(t, url);
      t.same(await request(stillInLobby.socket, 'lobby:join'), { ok: true });
      t.same(await request(later.socket, 'player:status_change', { status: 'away' }), { ok: true });
      await diffWithStatus(stillInLobby.socket, 'status-later', 'away');
      await roundTrip(member.socket);
      t.equal(member.received.filter((e) => e === 'lobby:presence_diff').length, count);
    });
  });
});

t.test('rooms: lobby for anyone, user:<id> for every authenticated socket', async (t) => {
  const service = await startService(t);
  const { url } = service;

  const tab1 = await connectUser(t, url, 'u1');
  const tab2 = await connectUser(t, url, 'u1', ['polling']);
  const other = await connectUser(t, url, 'u2');
  const anonymous = await connectClient(t, url);

  t.same(await roomMembers(service, 'user:u1'), [tab1.socket.id, tab2.socket.id].sort(), 'both tabs of u1');
  t.same(await roomMembers(service, 'user:u2'), [other.socket.id]);
  const [anonymousServerSide] = await service.app.io.in(anonymous.socket.id as string).fetchSockets();
  t.ok(anonymousServerSide, 'the anonymous socket is found');
  t.same([...(anonymousServerSide?.rooms ?? [])], [anonymous.socket.id], 'anonymous: only its own id room');
  for (const s of await service.app.io.fetchSockets()) {
    const userRooms = [...s.rooms].filter((r) => r.startsWith('user:'));
    t.same(userRooms, s.data.user === null ? [] : [`user:${s.data.user.userId}`], `rooms of ${s.id}`);
  }

  t.same(await roomMembers(service, 'lobby'), [], 'nobody is in the lobby without asking');
  t.same(await request(anonymous.socket, 'lobby:join'), { ok: true }, 'anonymous lobby:join');
  t.same(await request(tab1.socket, 'lobby:join', {}), { ok: true }, 'lobby:join with {}');
  t.same(await roomMembers(service, 'lobby'), [anonymous.socket.id, tab1.socket.id].sort());
  t.same(await request(anonymous.socket, 'lobby:join'), { ok: true }, 'joining twice is fine');
  t.same(await roomMembers(service, 'lobby'), [anonymous.socket.id, tab1.socket.id].sort());

  // Delivery: the anonymous lobby member sees u2's status.
  const seen = diffWithStatus(anonymous.socket, 'u2', 'away');
  t.same(await request(other.socket, 'player:status_change', { status: 'away' }), { ok: true });
  await seen;

  t.same(await request(anonymous.socket, 'lobby:leave'), { ok: true }, 'anonymous lobby:leave');
  t.same(await roomMembers(service, 'lobby'), [tab1.socket.id]);
  t.same(await request(anonymous.socket, 'lobby:leave'), { ok: true }, 'leaving when not in it is fine');
  anonymous.socket.emit('lobby:join');
  await roundTrip(anonymous.socket);
  t.same(await roomMembers(service, 'lobby'), [anonymous.socket.id, tab1.socket.id].sort(), 'join without an ack');
  t.notOk(anonymous.received.includes('system:error'));

  tab1.socket.disconnect();
  await eventually(async () => (await roomMembers(service, 'user:u1')).length === 1, WAIT_MS, 'u1 tab1 gone');
  t.same(await roomMembers(service, 'user:u1'), [tab2.socket.id], 'a closed tab leaves user:u1');
});

t.test('bad input is refused per event, and the service stays up', async (t) => {
  const { url } = await startService(t, { RATE_LIMIT_BURST: '1000' }); // the sweep sends far more than a burst;
  const { socket, received } = await connectUser(t, url, 'bad-u1');
  const statusChange = 'player:status_change';

  const invalid: [string, string, unknown[]][] = [
    ['a string payload', statusChange, ['away']],
    ['a number payload', statusChange, [42]],
    ['an array payload', statusChange, [['away']]],
    ['an array of objects', statusChange, [[{ status: 'away' }]]],
    ['a null payload', statusChange, [null]],
    ['a boolean payload', statusChange, [true]],
    ['no payload', statusChange, []],
    ['a missing field', statusChange, [{}]],
    ['a wrong type', statusChange, [{ status: 42 }]],
    ['a nested object status', statusChange, [{ status: { $ne: null } }]],
    ['an empty status', statusChange, [{ status: '' }]],
    ['an oversized status (100 chars)', statusChange, [{ status: 'a'.repeat(100) }]],
    ['a 33-char status', statusChange, [{ status: 'a'.repeat(33) }]],
    ['an extra property', statusChange, [{ status: 'away', admin: true }]],
    ['an uppercase status', statusChange, [{ status: 'Away' }]],
    ['a status with a space', statusChange, [{ status: 'away now' }]],
    ['a status starting with a digit', statusChange, [{ status: '1away' }]],
    ['a __proto__ key', statusChange, [JSON.parse('{"__proto__":{"x":1},"status":"away"}')]],
    ['a constructor key', statusChange, [JSON.parse('{"constructor":{"prototype":{"x":1}},"status":"away"}')]],
    ['two payload arguments', statusChange, [{ status: 'away' }, { status: 'busy' }]],
    ['an unknown event', 'nope:nope', [{}]],
    ['an unknown event without payload', 'nope:nope', []],
    ['a server-to-client event name', 'player:online', [{ userId: 'bad-u1' }]],
    ['an uppercase catalogue name', 'SYSTEM:PING', []],
    ['a binary payload on system:ping (not a JSON value)', 'system:ping', [Buffer.from('hello')]],
    ['two arguments on system:ping', 'system:ping', [1, 2]],
    ['an extra property on lobby:join', 'lobby:join', [{ room: 'lobby' }]],
    ['two arguments on lobby:join', 'lobby:join', [{}, {}]],
  ];

  for (const [name, event, args] of invalid) {
    t.test(name, async (t) => {
      const ack = await request(socket, event, ...args);
      t.match(ack, { ok: false, error: { code: 'INVALID_PAYLOAD', message: String } }, 'with an ack');
      t.same(Object.keys(ack).sort(), ['error', 'ok']);
      const error = await emitExpectingError(socket, event, ...args);
      t.match(error, { code: 'INVALID_PAYLOAD', message: String, event }, 'without an ack: system:error');
    });
  }

  t.test('the __proto__ payload did not pollute any prototype', async (t) => {
    t.equal(({} as Record<string, unknown>).x, undefined);
  });

  t.test('an intent without Redis answers UNAVAILABLE', async (t) => {
    // room:create is an intent: without Redis (this memory-mode service, no backend in its process) it is UNAVAILABLE.
    const payload = { name: 'my room', maxPlayers: 4, settings: { mode: 'ranked' } };
    t.match(await request(socket, 'room:create', payload), {
      ok: false,
      error: { code: 'UNAVAILABLE', message: String },
    });
    t.match(await emitExpectingError(socket, 'room:create', payload), { code: 'UNAVAILABLE', event: 'room:create' });
  });

  t.test('a very long unknown event name is cut to 64 chars in system:error', async (t) => {
    const event = `nope:${'x'.repeat(500)}`;
    const error = await emitExpectingError(socket, event);
    t.equal(error.code, 'INVALID_PAYLOAD');
    t.equal(error.event, event.slice(0, 64));
  });

  t.test('a numeric event name (the Socket.IO parser lets it through) is an unknown event', async (t) => {
    const name = 42 as unknown as string;
    t.match(await request(socket, name), { ok: false, error: { code: 'INVALID_PAYLOAD' } });
    t.match(await emitExpectingError(socket, name), { code: 'INVALID_PAYLOAD', event: '42' });
  });

  t.test('the same socket still works afterwards', async (t) => {
    t.ok(socket.connected, 'not disconnected by bad input');
    t.same(await request(socket, statusChange, { status: 'away' }), { ok: true });
    t.match(await roundTrip(socket), { pong: true });
    t.equal(received[0], 'system:connected');
    t.notOk(received.includes('disconnect'));
  });

  t.test('/healthz answers 200', async (t) => {
    t.same(await getHealthz(url), { status: 200, body: { status: 'ok' } });
  });
});

/** Sends one status_change of `size` chars without an ack and returns the client's disconnect reason. */
async function sendOversize(client: ConnectedClient, size: number): Promise<string> {
  const disconnected = nextEvent<string>(client.socket, 'disconnect');
  untyped(client.socket).emit('player:status_change', { status: 'a'.repeat(size) });
  return disconnected;
}

for (const transport of ['websocket', 'polling'] as const) {
  t.test(`an oversize frame closes only that connection (${transport})`, async (t) => {
    const service = await startService(t);
    const { url } = service;
    const victim = await connectUser(t, url, 'big-u1', [transport]);
    const bystander = await connectUser(t, url, 'big-u2', [transport]);
    const victimId = victim.socket.id as string;
    t.equal(victim.socket.io.engine.transport.name, transport);

    // Under the limit, an invalid payload is an ordinary INVALID_PAYLOAD and the socket stays.
    t.match(await request(victim.socket, 'player:status_change', { status: 'a'.repeat(3000) }), {
      ok: false,
      error: { code: 'INVALID_PAYLOAD' },
    });
    t.ok(victim.socket.connected);

    const reason = await sendOversize(victim, 20_000);
    t.match(reason, /transport (close|error)/, `the client is disconnected (${reason})`);
    t.notOk(victim.socket.connected);
    await eventually(() => !service.app.io.sockets.sockets.has(victimId), WAIT_MS, 'server-side socket removed');
    t.pass('the server dropped the socket too');

    t.ok(bystander.socket.connected, 'the other client is still connected');
    t.match(await roundTrip(bystander.socket), { pong: true }, 'and still answered');
    const fresh = await connectUser(t, url, 'big-u3', [transport]);
    t.equal(fresh.connected.auth, 'ok', 'a new client can still connect');
    t.same(await getHealthz(url), { status: 200, body: { status: 'ok' } });
  });
}

t.test('MAX_PAYLOAD_BYTES is configurable', async (t) => {
  const { url } = await startService(t, { MAX_PAYLOAD_BYTES: '2048' });
  for (const transport of ['websocket', 'polling'] as const) {
    t.test(transport, async (t) => {
      const client = await connectUser(t, url, `small-${transport}`, [transport]);
      t.match(
        await request(client.socket, 'player:status_change', { status: 'a'.repeat(1500) }),
        { ok: false, error: { code: 'INVALID_PAYLOAD' } },
        '1500 chars are under 2048 bytes: refused by the schema only',
      );
      t.ok(client.socket.connected);
      const reason = await sendOversize(client, 3000);
      t.match(reason, /transport (close|error)/, `3000 chars close the connection (${reason})`);
      const again = await connectClient(t, url, { transports: [transport] });
      t.match(await roundTrip(again.socket), { pong: true }, 'the service still serves new clients');
    });
  }
});
