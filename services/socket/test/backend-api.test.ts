import t from 'tap';
import type { LobbyStats } from '@gamesocket/protocol';
import {
  connectClient,
  eventually,
  mintToken,
  startService,
  waitFor,
  type ConnectedClient,
  type RunningService,
  type TapTest,
} from '@gamesocket/test-helpers';

/** At least 16 characters, as the config requires. */
const API_TOKEN = 'backend-api-token-for-tests';
const BEARER = `Bearer ${API_TOKEN}`;

/** What one HTTP call answered. */
interface ApiAnswer {
  status: number;
  headers: Headers;
  /** The parsed JSON body, or the raw text when it is not JSON. */
  body: unknown;
}

interface CallOptions {
  method?: string;
  /** Authorization header; default the right bearer token; null sends none. */
  authorization?: string | null;
  /** Content-Type header; default application/json; null sends none. */
  contentType?: string | null;
  /** Sent as is instead of JSON.stringify(body). */
  raw?: string;
}

async function call(
  service: RunningService,
  path: string,
  body?: unknown,
  options: CallOptions = {},
): Promise<ApiAnswer> {
  const headers: Record<string, string> = {};
  const authorization = options.authorization === undefined ? BEARER : options.authorization;
  if (authorization !== null) headers.authorization = authorization;
  const contentType = options.contentType === undefined ? 'application/json' : options.contentType;
  const method = options.method ?? 'POST';
  const payload = method === 'GET' ? undefined : (options.raw ?? JSON.stringify(body));
  // fetch adds text/plain for a string body unless a Content-Type is given: send raw bytes then.
  const sent = contentType === null && payload !== undefined ? new TextEncoder().encode(payload) : payload;
  if (contentType !== null) headers['content-type'] = contentType;
  const res = await fetch(`${service.url}${path}`, {
    method,
    headers,
    body: sent,
    signal: AbortSignal.timeout(5000),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

/** A lobby:stats payload carrying a tag, so each publish can be told apart. */
function stats(tag: string): LobbyStats & { tag: string } {
  return { online: 1, connections: 1, nodes: 1, tag };
}

const tagOf = (payload: unknown): string | undefined => (payload as { tag?: string } | null)?.tag;

/**
 * Records every event a client receives from now on, with its payload, but the presence the service
 * itself sends to the lobby (`lobby:presence_diff`, an interval after a user connects). `tags()`
 * lists the tags of the `lobby:stats` events the tests publish.
 */
function record(client: ConnectedClient): {
  events: [string, unknown][];
  tags: () => string[];
  got: (tag: string) => boolean;
} {
  const events: [string, unknown][] = [];
  client.socket.onAny((event: string, payload: unknown) => {
    if (event !== 'lobby:presence_diff') events.push([event, payload]);
  });
  const tags = (): string[] =>
    events.filter(([event]) => event === 'lobby:stats').map(([, payload]) => tagOf(payload) ?? '?');
  return { events, tags, got: (tag) => tags().includes(tag) };
}

async function joinLobby(t: TapTest, client: ConnectedClient): Promise<void> {
  t.same(await client.socket.timeout(5000).emitWithAck('lobby:join'), { ok: true }, 'joined the lobby');
}

t.test('the API is off (404) when PUBLISH_API_TOKEN is unset', async (t) => {
  const service = await startService(t);
  const client = await connectClient(t, service.url, { token: await mintToken({ sub: 'u-off' }) });
  await joinLobby(t, client);
  const rec = record(client);

  const publish = await call(service, '/v1/publish', { to: 'lobby', event: 'lobby:stats', data: stats('off') });
  t.equal(publish.status, 404, 'POST /v1/publish is 404');
  t.equal((await call(service, '/v1/join', { user: 'u-off', rooms: 'room:1' })).status, 404, 'POST /v1/join is 404');
  t.equal((await call(service, '/v1/disconnect', { user: 'u-off' })).status, 404, 'POST /v1/disconnect is 404');

  // A marker sent by the service itself: anything the API had delivered would have arrived first.
  const marker: LobbyStats = stats('marker');
  service.app.io.to('lobby').emit('lobby:stats', marker);
  await eventually(() => rec.got('marker'), 5000, 'the marker');
  t.same(rec.events, [['lobby:stats', stats('marker')]], 'nothing from the disabled API reached the client');
  t.ok(client.socket.connected, 'the client is still connected');
});

t.test('memory mode: publish, join, leave and disconnect reach the right sockets', async (t) => {
  const service = await startService(t, { PUBLISH_API_TOKEN: API_TOKEN });
  t.equal(service.app.cluster.mode, 'memory', 'no REDIS_URL: the in-memory adapter');
  const aliceToken = await mintToken({ sub: 'u-a', username: 'alice' });
  const alice1 = await connectClient(t, service.url, { token: aliceToken });
  const alice2 = await connectClient(t, service.url, { token: aliceToken });
  const bob = await connectClient(t, service.url, { token: await mintToken({ sub: 'u-b', username: 'bob' }) });
  const anon = await connectClient(t, service.url);
  await joinLobby(t, bob);
  await joinLobby(t, anon);
  const rec = { alice1: record(alice1), alice2: record(alice2), bob: record(bob), anon: record(anon) };
  const publish = async (t: TapTest, body: Record<string, unknown>): Promise<void> => {
    const res = await call(service, '/v1/publish', body);
    t.equal(res.status, 202, `publish ${JSON.stringify(body.data)} is accepted`);
    t.same(res.body, { ok: true });
  };
  const roomMembers = async (room: string): Promise<string[]> =>
    (await service.app.io.in(room).fetchSockets()).map((socket) => socket.id).sort();

  t.test('to the lobby: its members only', async (t) => {
    await publish(t, { to: 'lobby', event: 'lobby:stats', data: stats('lobby') });
    await eventually(() => rec.bob.got('lobby') && rec.anon.got('lobby'), 5000, 'lobby members to get it');
    t.pass('bob and the anonymous client got it');
  });

  t.test('to a user: every tab of that user', async (t) => {
    await publish(t, { to: 'user:u-a', event: 'lobby:stats', data: stats('user-a') });
    await eventually(() => rec.alice1.got('user-a') && rec.alice2.got('user-a'), 5000, 'both tabs of u-a');
    t.pass('both tabs of u-a got it');
  });

  t.test('to several rooms with except', async (t) => {
    await publish(t, { to: ['user:u-a', 'user:u-b'], except: 'lobby', event: 'lobby:stats', data: stats('not-lobby') });
    await eventually(() => rec.alice1.got('not-lobby') && rec.alice2.got('not-lobby'), 5000, 'both tabs of u-a');
    t.pass('u-a got it (bob is excluded by being in the lobby)');
  });

  t.test('/v1/join and /v1/leave move every socket of a user', async (t) => {
    await publish(t, { to: 'room:1', event: 'lobby:stats', data: stats('room-empty') });
    const joined = await call(service, '/v1/join', { user: 'u-a', rooms: 'room:1' });
    t.equal(joined.status, 202);
    t.same(joined.body, { ok: true, changed: ['room:1'] }, 'the memberships that are new');
    await eventually(async () => (await roomMembers('room:1')).length === 2, 5000, 'both tabs in room:1');
    t.same(await roomMembers('room:1'), [alice1.socket.id, alice2.socket.id].sort(), 'exactly the two tabs of u-a');

    await publish(t, { to: 'room:1', event: 'lobby:stats', data: stats('room-1') });
    await eventually(() => rec.alice1.got('room-1') && rec.alice2.got('room-1'), 5000, 'both tabs to get room-1');

    const left = await call(service, '/v1/leave', { user: 'u-a', rooms: ['room:1'] });
    t.equal(left.status, 202);
    t.same(left.body, { ok: true, changed: ['room:1'] }, 'the memberships that ended');
    await eventually(async () => (await roomMembers('room:1')).length === 0, 5000, 'room:1 to be empty');
    await publish(t, { to: 'room:1', event: 'lobby:stats', data: stats('room-after-leave') });
    // Per-socket order: once the marker is in, the room publish would have been too.
    await publish(t, { to: 'user:u-a', event: 'lobby:stats', data: stats('after-leave-marker') });
    await eventually(
      () => rec.alice1.got('after-leave-marker') && rec.alice2.got('after-leave-marker'),
      5000,
      'the marker',
    );
    t.notOk(rec.alice1.got('room-after-leave') || rec.alice2.got('room-after-leave'), 'nothing after leaving');
  });

  t.test("/v1/disconnect closes that user's sockets only", async (t) => {
    const gone = [waitFor<string>(alice1.socket, 'disconnect'), waitFor<string>(alice2.socket, 'disconnect')];
    const res = await call(service, '/v1/disconnect', { user: 'u-a' });
    t.equal(res.status, 202);
    t.same(res.body, { ok: true });
    t.same(await Promise.all(gone), ['io server disconnect', 'io server disconnect'], 'both tabs closed by the server');
    await publish(t, { to: 'lobby', event: 'lobby:stats', data: stats('final') });
    await eventually(() => rec.bob.got('final') && rec.anon.got('final'), 5000, 'the survivors to get the marker');
    t.ok(bob.socket.connected && anon.socket.connected, 'bob and the anonymous client stay connected');
  });

  t.test('every client got exactly what was addressed to it', async (t) => {
    t.same(rec.alice1.tags(), ['user-a', 'not-lobby', 'room-1', 'after-leave-marker']);
    t.same(rec.alice2.tags(), ['user-a', 'not-lobby', 'room-1', 'after-leave-marker']);
    t.same(rec.bob.tags(), ['lobby', 'final']);
    t.same(rec.anon.tags(), ['lobby', 'final']);
    t.ok(
      [...rec.alice1.events, ...rec.bob.events, ...rec.anon.events]
        .filter(([, payload]) => tagOf(payload) !== undefined)
        .every(([event]) => event === 'lobby:stats'),
      'each delivery kept its event name',
    );
    t.same(
      rec.bob.events.find(([event]) => event === 'lobby:stats'),
      ['lobby:stats', stats('lobby')],
      'and its data, as published',
    );
  });
});

/** A bad request, the status it must get and the error code of its `{ ok: false }` body. */
interface BadCase {
  name: string;
  path: string;
  body?: unknown;
  options?: CallOptions;
  status: number;
  /** Undefined: the body is not the API's envelope (fastify's own 404). */
  code: string | undefined;
}

t.test('bad requests get the exact status and error code, and none reaches a client', async (t) => {
  const service = await startService(t, { PUBLISH_API_TOKEN: API_TOKEN });
  // The target of every bad request: in the lobby and (like every user) in its own user room.
  const watcher = await connectClient(t, service.url, { token: await mintToken({ sub: 'watcher' }) });
  await joinLobby(t, watcher);
  const rec = record(watcher);

  // Each body would reach the watcher if it got through; its tag says which one leaked.
  const publish = (tag: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    to: 'lobby',
    event: 'lobby:stats',
    data: stats(tag),
    ...extra,
  });
  const big = (tag: string, bytes: number): Record<string, unknown> => ({
    to: ['lobby', 'user:watcher'],
    event: 'lobby:stats',
    data: { ...stats(tag), padding: 'x'.repeat(bytes) },
  });
  const cases: BadCase[] = [
    // Authentication: checked before anything else.
    {
      name: 'no Authorization header',
      path: '/v1/publish',
      body: publish('no-auth'),
      options: { authorization: null },
      status: 401,
      code: 'AUTH_REQUIRED',
    },
    {
      name: 'a wrong bearer token',
      path: '/v1/publish',
      body: publish('wrong-token'),
      options: { authorization: 'Bearer wrong-token' },
      status: 403,
      code: 'FORBIDDEN',
    },
    {
      name: 'the right token with another scheme',
      path: '/v1/publish',
      body: publish('basic'),
      options: { authorization: 'Basic xxx' },
      status: 401,
      code: 'AUTH_REQUIRED',
    },
    {
      name: 'a wrong token on /v1/disconnect',
      path: '/v1/disconnect',
      body: { user: 'watcher' },
      options: { authorization: 'Bearer wrong-token' },
      status: 403,
      code: 'FORBIDDEN',
    },
    {
      name: 'no token on /v1/join',
      path: '/v1/join',
      body: { user: 'watcher', rooms: 'room:leak' },
      options: { authorization: null },
      status: 401,
      code: 'AUTH_REQUIRED',
    },
    // 401/403 come before the body is read: no 413 for an unauthenticated 100 KiB body.
    {
      name: 'an unauthenticated 100 KiB body',
      path: '/v1/publish',
      body: big('big-no-auth', 100 * 1024),
      options: { authorization: null },
      status: 401,
      code: 'AUTH_REQUIRED',
    },
    {
      name: 'a 100 KiB body with a wrong token',
      path: '/v1/publish',
      body: big('big-wrong-token', 100 * 1024),
      options: { authorization: 'Bearer wrong-token' },
      status: 403,
      code: 'FORBIDDEN',
    },
    // Event names.
    {
      name: 'an event outside the catalogue',
      path: '/v1/publish',
      body: publish('nope', { event: 'lobby:nope' }),
      status: 400,
      code: 'INVALID_PAYLOAD',
    },
    ...['system:connected', 'system:pong', 'room:join', 'player:watch'].map((event): BadCase => ({
      name: `the server's own or a client-only event ${event}`,
      path: '/v1/publish',
      body: publish('not-publishable', { event }),
      status: 400,
      code: 'INVALID_PAYLOAD',
    })),
    ...['Hello', 'a:b:c', 'system', 'Lobby:stats', 'lobby:stats ', ''].map((event): BadCase => ({
      name: `the event name ${JSON.stringify(event)}`,
      path: '/v1/publish',
      body: publish(`event-${event}`, { event }),
      status: 400,
      code: 'INVALID_PAYLOAD',
    })),
    // Types and shape.
    ...(
      [
        ['to: 5', { to: 5 }],
        ['to: []', { to: [] }],
        ['to: null', { to: null }],
        ['to: {}', { to: {} }],
        ['event: 5', { event: 5 }],
        ['except: {}', { except: {} }],
        ['except: []', { except: [] }],
      ] as const
    ).map(([name, extra]): BadCase => ({
      name,
      path: '/v1/publish',
      body: publish(name, extra),
      status: 400,
      code: 'INVALID_PAYLOAD',
    })),
    {
      name: 'no to',
      path: '/v1/publish',
      body: { event: 'lobby:stats', data: stats('no-to') },
      status: 400,
      code: 'INVALID_PAYLOAD',
    },
    {
      name: 'no event',
      path: '/v1/publish',
      body: { to: 'lobby', data: stats('no-event') },
      status: 400,
      code: 'INVALID_PAYLOAD',
    },
    {
      name: 'a JSON array body',
      path: '/v1/publish',
      body: [publish('array-body')],
      status: 400,
      code: 'INVALID_PAYLOAD',
    },
    // Rooms that are not ours.
    ...['elsewhere', 'room:', 'room:has space', 'user:', 'match:a/b', 'lobby2', 'LOBBY'].map((room): BadCase => ({
      name: `publish to ${JSON.stringify(room)}`,
      path: '/v1/publish',
      body: publish(`room-${room}`, { to: ['lobby', room] }),
      status: 400,
      code: 'INVALID_PAYLOAD',
    })),
    {
      name: 'except a room that is not ours',
      path: '/v1/publish',
      body: publish('except-elsewhere', { except: 'elsewhere' }),
      status: 400,
      code: 'INVALID_PAYLOAD',
    },
    // Membership: users' private rooms cannot be joined or left, user ids must be valid.
    {
      name: '/v1/join into a user:x room',
      path: '/v1/join',
      body: { user: 'watcher', rooms: 'user:x' },
      status: 400,
      code: 'INVALID_PAYLOAD',
    },
    {
      name: '/v1/join into a list holding a user room',
      path: '/v1/join',
      body: { user: 'watcher', rooms: ['room:ok', 'user:x'] },
      status: 400,
      code: 'INVALID_PAYLOAD',
    },
    {
      name: "/v1/leave of the user's own room",
      path: '/v1/leave',
      body: { user: 'watcher', rooms: 'user:watcher' },
      status: 400,
      code: 'INVALID_PAYLOAD',
    },
    {
      name: '/v1/join into a room that is not ours',
      path: '/v1/join',
      body: { user: 'watcher', rooms: 'elsewhere' },
      status: 400,
      code: 'INVALID_PAYLOAD',
    },
    {
      name: '/v1/leave without rooms',
      path: '/v1/leave',
      body: { user: 'watcher' },
      status: 400,
      code: 'INVALID_PAYLOAD',
    },
    ...['', 'has space', 'a/b', 'user:watcher', '-watcher', 'w'.repeat(129)].flatMap((user): BadCase[] => [
      {
        name: `/v1/join of the user id ${JSON.stringify(user.slice(0, 20))}`,
        path: '/v1/join',
        body: { user, rooms: 'room:leak' },
        status: 400,
        code: 'INVALID_PAYLOAD',
      },
      {
        name: `/v1/disconnect of the user id ${JSON.stringify(user.slice(0, 20))}`,
        path: '/v1/disconnect',
        body: { user },
        status: 400,
        code: 'INVALID_PAYLOAD',
      },
    ]),
    {
      name: '/v1/disconnect without user',
      path: '/v1/disconnect',
      body: {},
      status: 400,
      code: 'INVALID_PAYLOAD',
    },
    // Body encoding.
    {
      name: 'invalid JSON',
      path: '/v1/publish',
      options: { raw: '{"to":"lobby","event":"lobby:stats","data":{"tag":"bad-json"}' },
      status: 400,
      code: 'INVALID_PAYLOAD',
    },
    { name: 'an empty JSON body', path: '/v1/publish', options: { raw: '' }, status: 400, code: 'INVALID_PAYLOAD' },
    {
      name: 'a body over 64 KiB',
      path: '/v1/publish',
      body: big('too-big', 64 * 1024),
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
    },
    // fastify has no parser for these: 415, in the API's envelope with the generic code.
    {
      name: 'a form-urlencoded body',
      path: '/v1/publish',
      options: { contentType: 'application/x-www-form-urlencoded', raw: 'to=lobby&event=lobby%3Astats' },
      status: 415,
      code: 'INVALID_PAYLOAD',
    },
    {
      name: 'no Content-Type',
      path: '/v1/publish',
      body: publish('no-content-type'),
      options: { contentType: null },
      status: 415,
      code: 'INVALID_PAYLOAD',
    },
    // fastify parses text/plain into a string, which the body schema then rejects: 400, not 415.
    {
      name: 'JSON sent as text/plain',
      path: '/v1/publish',
      body: publish('text-plain'),
      options: { contentType: 'text/plain' },
      status: 400,
      code: 'INVALID_PAYLOAD',
    },
  ];

  for (const bad of cases) {
    t.test(`${bad.name} -> ${bad.status}`, async (t) => {
      const res = await call(service, bad.path, bad.body, bad.options);
      t.equal(res.status, bad.status, 'status');
      t.match(res.headers.get('content-type') ?? '', /^application\/json/, 'a JSON answer');
      t.match(res.body, { ok: false, error: { code: bad.code, message: String } }, 'the error envelope');
      if (bad.status === 401) t.equal(res.headers.get('www-authenticate'), 'Bearer', 'www-authenticate: Bearer');
    });
  }

  t.test('GET on a POST route is 404 or 405', async (t) => {
    for (const path of ['/v1/publish', '/v1/join', '/v1/leave', '/v1/disconnect']) {
      const res = await call(service, path, undefined, { method: 'GET' });
      t.ok([404, 405].includes(res.status), `GET ${path} -> ${res.status}`);
      t.equal(res.status, 404, 'fastify answers 404 (no 405 for a path known under another method)');
    }
  });

  t.test('nothing reached the client; a valid publish afterwards does', async (t) => {
    const sockets = await service.app.io.in('user:watcher').fetchSockets();
    t.equal(sockets.length, 1, 'the watcher is still connected (no bad /v1/disconnect went through)');
    t.same(
      [...(sockets[0]?.rooms ?? [])].sort(),
      [watcher.socket.id, 'lobby', 'user:watcher'].sort(),
      'its rooms are unchanged (no bad /v1/join or /v1/leave went through)',
    );
    const res = await call(service, '/v1/publish', {
      to: ['lobby', 'user:watcher'],
      event: 'lobby:stats',
      data: stats('marker'),
    });
    t.equal(res.status, 202);
    await eventually(() => rec.got('marker'), 5000, 'the marker');
    t.same(rec.tags(), ['marker'], 'the marker is the only event the client received');
    t.same(rec.events, [['lobby:stats', stats('marker')]]);
    t.ok(watcher.socket.connected, 'still connected');
  });

  t.test('the service is still healthy', async (t) => {
    const res = await call(service, '/healthz', undefined, { method: 'GET' });
    t.equal(res.status, 200);
    t.same(res.body, { status: 'ok' });
  });
});

/**
 * The body schemas say `additionalProperties: false` and exact types, but fastify's default Ajv
 * options are `removeAdditional: true` and `coerceTypes: 'array'`: an unknown property is silently
 * dropped (a misspelt `except` widens a publish) and `7` or `['7']` becomes the user id `'7'`.
 */
t.test(
  'the body schema is strict: extra properties and wrong types are rejected, not stripped or coerced',
  async (t) => {
    const service = await startService(t, { PUBLISH_API_TOKEN: API_TOKEN });
    // A real user whose id is what type coercion would make of 7 or ['7'].
    const seven = await connectClient(t, service.url, { token: await mintToken({ sub: '7' }) });
    await joinLobby(t, seven);
    const rec = record(seven);
    const members = async (room: string): Promise<number> => (await service.app.io.in(room).fetchSockets()).length;

    const misspelt = await call(service, '/v1/publish', {
      to: 'lobby',
      exept: 'user:7',
      event: 'lobby:stats',
      data: stats('extra-property'),
    });
    t.equal(misspelt.status, 400, 'a publish with an extra property (a misspelt except) is 400');
    t.match(misspelt.body, { ok: false, error: { code: 'INVALID_PAYLOAD' } });

    const extraJoin = await call(service, '/v1/join', { user: '7', rooms: 'room:extra', extra: true });
    t.equal(extraJoin.status, 400, '/v1/join with an extra property is 400');
    t.match(extraJoin.body, { ok: false, error: { code: 'INVALID_PAYLOAD' } });
    t.equal(await members('room:extra'), 0, 'user 7 was not put in room:extra');

    const arrayUser = await call(service, '/v1/join', { user: ['7'], rooms: 'room:coerced' });
    t.equal(arrayUser.status, 400, "/v1/join { user: ['7'] } is 400");
    t.match(arrayUser.body, { ok: false, error: { code: 'INVALID_PAYLOAD' } });
    t.equal(await members('room:coerced'), 0, 'user 7 was not put in room:coerced');

    const numberUser = await call(service, '/v1/disconnect', { user: 7 });
    t.equal(numberUser.status, 400, '/v1/disconnect { user: 7 } is 400');
    t.match(numberUser.body, { ok: false, error: { code: 'INVALID_PAYLOAD' } });

    // Marker to user 7: it arrives unless the socket was disconnected, after anything leaked before it.
    t.equal((await call(service, '/v1/publish', { to: 'user:7', event: 'lobby:stats', data: stats('m') })).status, 202);
    await eventually(() => rec.got('m') || !seven.socket.connected, 5000, 'the marker or a disconnect');
    t.ok(seven.socket.connected, 'user 7 is still connected');
    t.same(rec.tags(), ['m'], 'the marker is the only event user 7 received');
  },
);
