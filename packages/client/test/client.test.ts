import t from 'tap';
import type { ConnectedPayload, SystemErrorPayload } from '@gamesocket/protocol';
import { createGameSocket, type GameSocket, type GameSocketOptions } from '@gamesocket/client';
import {
  authCookie,
  mintToken,
  startRedis,
  startService,
  TEST_ORIGIN,
  waitFor,
  withTimeout,
  type Teardown,
} from '@gamesocket/test-helpers';

// Reconnects and token expiry take up to ~2 s each; every wait on them is bounded by this.
const RECONNECT_MS = 10_000;

/** A GameSocket for tests (real socket.io-client underneath), closed at teardown; fast reconnects by default. */
function client(
  t: Teardown,
  url: string,
  options: Omit<GameSocketOptions, 'url'> & { token?: string; defaultReconnectionDelay?: boolean } = {},
): GameSocket {
  const { token, defaultReconnectionDelay = false, ...rest } = options;
  const extraHeaders: Record<string, string> = { origin: TEST_ORIGIN };
  if (token !== undefined) extraHeaders.cookie = authCookie(token);
  const game = createGameSocket({ url, extraHeaders, ...rest });
  if (!defaultReconnectionDelay) game.socket.io.reconnectionDelay(50);
  t.teardown(() => game.close());
  return game;
}

/** A promise and the function that resolves it (e.g. from an onResync callback). */
function signal<T>(): { promise: Promise<T>; fire: (value: T) => void; calls: T[] } {
  const calls: T[] = [];
  let fire!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    fire = (value) => {
      calls.push(value);
      resolve(value);
    };
  });
  return { promise, fire, calls };
}

/** What `ready` rejected with (fails the test when it resolved). */
async function rejection(ready: Promise<unknown>): Promise<Error & { data?: { code?: string } }> {
  const outcome = await withTimeout(
    ready.then(
      () => new Error('ready resolved'),
      (err: unknown) => err,
    ),
    RECONNECT_MS,
    'ready to settle',
  );
  if (!(outcome instanceof Error) || outcome.message === 'ready resolved') throw new Error('ready did not reject');
  return outcome as Error & { data?: { code?: string } };
}

t.test('ready, typed requests, ping and the helpers against a real service', async (t) => {
  const service = await startService(t);
  const game = client(t, service.url, { token: await mintToken({ sub: 'u1', username: 'alice' }) });

  const info = await withTimeout(game.ready, RECONNECT_MS, 'ready');
  t.equal(info.auth, 'ok', 'the cookie authenticated the socket');
  t.equal(info.user?.userId, 'u1');
  t.equal(info.recovered, false, 'a first connection recovers nothing');
  t.equal(game.connected, info, 'connected is the last system:connected');
  t.equal(game.recovered, false);

  const rtt = await game.ping();
  t.ok(Number.isFinite(rtt) && rtt >= 0, `ping answers a round trip in ms (${rtt})`);

  t.same(await game.joinLobby(), { ok: true }, 'lobby:join');
  const stats = await game.lobbyStats();
  t.ok(stats.ok, 'lobby:stats acks ok');
  if (stats.ok) t.match(stats.data, { online: 1, connections: 1, nodes: 1 }, 'one user, one socket, one node');
  t.same(await game.setStatus('away'), { ok: true }, 'player:status_change');

  const watched = await game.watch(['u1', 'u2']);
  t.ok(watched.ok, 'player:watch acks ok');
  if (watched.ok) {
    t.match(
      watched.data?.find((p) => p.userId === 'u1'),
      { online: true, status: 'away' },
      'u1 is online, away',
    );
    t.match(
      watched.data?.find((p) => p.userId === 'u2'),
      { online: false, status: null },
      'u2 is offline',
    );
  }
  t.same(await game.unwatch(['u2']), { ok: true }, 'player:unwatch');
  t.same(await game.request('lobby:leave'), { ok: true }, 'a raw typed request');

  // Server errors are results, never exceptions.
  t.match(await game.setStatus('Not A Status!'), { ok: false, error: { code: 'INVALID_PAYLOAD' } });
  t.match(await game.joinRoom('r1', 'not-a-ticket'), { ok: false, error: { code: 'FORBIDDEN' } });
  t.match(await game.joinMatch('m1', 'not-a-ticket'), { ok: false, error: { code: 'FORBIDDEN' } });
  t.same(await game.leaveRoom('r1'), { ok: true }, 'leaving a room one is not in is fine');
  t.match(
    await game.sendIntent('room:create', { name: 'table 1' }),
    { ok: false, error: { code: 'UNAVAILABLE' } },
    'memory mode with no backend in its process answers UNAVAILABLE',
  );

  const anonymous = client(t, service.url);
  const anonymousInfo = await withTimeout(anonymous.ready, RECONNECT_MS, 'anonymous ready');
  t.equal(anonymousInfo.auth, 'anonymous');
  t.equal(anonymousInfo.user, null);
  t.same(await anonymous.joinLobby(), { ok: true }, 'anonymous sockets may join the lobby');
  t.match(await anonymous.setStatus('away'), { ok: false, error: { code: 'AUTH_REQUIRED' } });
});

t.test('an ack that never comes resolves UNAVAILABLE timeout', async (t) => {
  // Never connected: the emit stays buffered and its ack times out.
  const game = createGameSocket({ url: 'http://127.0.0.1:9', autoConnect: false, ackTimeoutMs: 100 });
  t.teardown(() => game.close());
  t.same(await game.joinLobby(), { ok: false, error: { code: 'UNAVAILABLE', message: 'timeout' } });
  await t.rejects(game.ping(), 'ping rejects on timeout (it has no envelope to resolve)');
});

t.test('ready rejects when the handshake is refused', async (t) => {
  const service = await startService(t, { MAX_CONNECTIONS_PER_USER: '1' });
  const token = await mintToken({ sub: 'u1' });
  const first = client(t, service.url, { token });
  t.equal((await withTimeout(first.ready, RECONNECT_MS, 'first ready')).auth, 'ok');

  const second = client(t, service.url, { token });
  const err = await rejection(second.ready);
  t.equal(err.data?.code, 'CONNECTION_LIMIT', 'the connect_error data of the refused handshake');
  t.equal(second.connected, undefined, 'never connected');

  const foreign = createGameSocket({
    url: service.url,
    extraHeaders: { origin: 'https://evil.example' },
    transports: ['websocket'],
  });
  t.teardown(() => foreign.close());
  t.type(await rejection(foreign.ready), Error, 'a foreign origin is refused before the handshake');
});

t.test('onResync after a reconnect that did not recover: classic redis mode', async (t) => {
  const redis = await startRedis(t);
  const service = await startService(t, { REDIS_URL: redis.url, ADAPTER: 'redis' });
  const resync = signal<ConnectedPayload>();
  const game = client(t, service.url, { token: await mintToken({ sub: 'u1' }), onResync: resync.fire });
  const first = await withTimeout(game.ready, RECONNECT_MS, 'ready');
  t.same(resync.calls, [], 'not called for the first connection');

  game.socket.io.engine.close();
  const info = await withTimeout(resync.promise, RECONNECT_MS, 'onResync');
  t.equal(info.recovered, false, 'redis mode cannot recover');
  t.equal(info.auth, 'ok');
  t.not(info.socketId, first.socketId, 'a new socket');
  t.equal(game.recovered, false);
  t.equal(game.connected, info);
  t.equal(resync.calls.length, 1, 'called once');
});

t.test('memory mode: a recovered reconnect needs no resync; a new identity does', async (t) => {
  const service = await startService(t);
  const resync = signal<ConnectedPayload>();
  const game = client(t, service.url, { token: await mintToken({ sub: 'u1' }), onResync: resync.fire });
  const first = await withTimeout(game.ready, RECONNECT_MS, 'ready');
  t.same(await game.joinLobby(), { ok: true });

  // Same cookie: the session (rooms, missed events) is recovered.
  const reconnected = waitFor<ConnectedPayload>(game.socket, 'system:connected', RECONNECT_MS);
  game.socket.io.engine.close();
  const recovered = await reconnected;
  t.equal(recovered.recovered, true, 'the server recovered the session');
  t.equal(recovered.socketId, first.socketId, 'the same socket id');
  t.equal(game.recovered, true);
  t.same(resync.calls, [], 'onResync is not called when the session was recovered');

  // Without the cookie the server refuses to hand the session to another identity: resync.
  game.socket.io.opts.extraHeaders = { origin: TEST_ORIGIN };
  game.socket.io.engine.close();
  const info = await withTimeout(resync.promise, RECONNECT_MS, 'onResync');
  t.equal(info.recovered, false);
  t.equal(info.auth, 'anonymous');
  t.equal(game.recovered, false);
  t.equal(resync.calls.length, 1);
});

t.test('AUTH_EXPIRED calls refreshAuth, and the reconnect uses the refreshed cookie', async (t) => {
  const service = await startService(t, { JWT_CLOCK_TOLERANCE_SEC: '0' });

  t.test('the refresh is done before socket.io-client reconnects', async (t) => {
    let refreshes = 0;
    // exp is whole seconds: 2 s leaves the first handshake time to see the token valid.
    const game = client(t, service.url, {
      token: await mintToken({ sub: 'u1' }, { expiresIn: 2 }),
      // socket.io-client's own reconnection delay (0.5-1.5 s) is what gives the refresh its time.
      defaultReconnectionDelay: true,
      refreshAuth: async () => {
        refreshes++;
        const cookie = authCookie(await mintToken({ sub: 'u1' }));
        game.socket.io.opts.extraHeaders = { origin: TEST_ORIGIN, cookie };
      },
    });
    t.equal((await withTimeout(game.ready, RECONNECT_MS, 'ready')).auth, 'ok');

    const expired = waitFor<SystemErrorPayload>(game.socket, 'system:error', RECONNECT_MS);
    const reconnected = waitFor<ConnectedPayload>(game.socket, 'system:connected', RECONNECT_MS);
    t.equal((await expired).code, 'AUTH_EXPIRED', 'the server ends the expired identity');
    const info = await reconnected;
    t.equal(refreshes, 1, 'refreshAuth ran once');
    t.equal(info.auth, 'ok', 'back with the refreshed token');
    t.equal(info.user?.userId, 'u1');
    t.equal(game.connected, info);
  });

  t.test('a refresh slower than the reconnect forces one more reconnect', async (t) => {
    const seen: ConnectedPayload[] = [];
    const game = client(t, service.url, {
      token: await mintToken({ sub: 'u2' }, { expiresIn: 2 }),
      // Finishes only after the socket came back without a valid token.
      refreshAuth: async () => {
        await waitFor(game.socket, 'system:connected', RECONNECT_MS);
        const cookie = authCookie(await mintToken({ sub: 'u2' }));
        game.socket.io.opts.extraHeaders = { origin: TEST_ORIGIN, cookie };
      },
    });
    game.socket.on('system:connected', (info) => seen.push(info));
    await withTimeout(game.ready, RECONNECT_MS, 'ready');
    const back = new Promise<void>((resolve) =>
      game.socket.on('system:connected', (info) => {
        if (info.auth === 'ok') resolve();
      }),
    );
    await withTimeout(back, RECONNECT_MS, 'a connection with the refreshed token');
    t.same(
      seen.map((info) => info.auth),
      ['ok', 'expired', 'ok'],
      'first the expired token came back anonymous, then the refreshed one',
    );
    t.equal(game.connected?.user?.userId, 'u2');
  });
});

t.test('system:token_expiring: refresh first, then reconnect with the new cookie', async (t) => {
  const service = await startService(t, { TOKEN_EXPIRY_WARNING_SEC: '60' });
  const cookies: string[] = [];
  // Warned 60 s before exp: 1-2 s from now.
  const game = client(t, service.url, {
    token: await mintToken({ sub: 'u1' }, { expiresIn: 62 }),
    refreshAuth: async () => {
      const cookie = authCookie(await mintToken({ sub: 'u1' }));
      cookies.push(cookie);
      game.socket.io.opts.extraHeaders = { origin: TEST_ORIGIN, cookie };
    },
  });
  const first = await withTimeout(game.ready, RECONNECT_MS, 'ready');

  const warned = waitFor<{ exp: number }>(game.socket, 'system:token_expiring', RECONNECT_MS);
  const reconnected = waitFor<ConnectedPayload>(game.socket, 'system:connected', RECONNECT_MS);
  t.type((await warned).exp, 'number');
  const info = await reconnected;
  t.equal(cookies.length, 1, 'refreshAuth ran once');
  t.equal(info.auth, 'ok');
  t.equal(info.recovered, true, 'same user: the forced reconnect recovers the session');
  t.equal(info.socketId, first.socketId);
});

t.test('token: sent in the CONNECT payload (no cookie)', async (t) => {
  const service = await startService(t);
  const game = createGameSocket({
    url: service.url,
    extraHeaders: { origin: TEST_ORIGIN },
    token: await mintToken({ sub: 'native-u1' }),
  });
  t.teardown(() => game.close());
  const info = await withTimeout(game.ready, RECONNECT_MS, 'ready');
  t.equal(info.auth, 'ok');
  t.equal(info.user?.userId, 'native-u1');
});

t.test('getToken is called again before each reconnect: a second token replaces the expired one', async (t) => {
  const service = await startService(t, { JWT_CLOCK_TOLERANCE_SEC: '0' });
  // exp is whole seconds: 2 s leaves the first handshake time to see the token valid.
  const tokens = [
    await mintToken({ sub: 'native-u2', username: 'first' }, { expiresIn: 2 }),
    await mintToken({ sub: 'native-u2', username: 'second' }),
  ];
  let calls = 0;
  const game = createGameSocket({
    url: service.url,
    extraHeaders: { origin: TEST_ORIGIN },
    getToken: async () => tokens[Math.min(calls++, tokens.length - 1)],
  });
  game.socket.io.reconnectionDelay(50);
  t.teardown(() => game.close());
  const first = await withTimeout(game.ready, RECONNECT_MS, 'ready');
  t.equal(first.user?.username, 'first', 'the first token');
  t.equal(calls, 1, 'getToken ran for the first CONNECT');

  const expired = waitFor<SystemErrorPayload>(game.socket, 'system:error', RECONNECT_MS);
  const reconnected = waitFor<ConnectedPayload>(game.socket, 'system:connected', RECONNECT_MS);
  t.equal((await expired).code, 'AUTH_EXPIRED', 'the first token expired');
  const info = await reconnected;
  t.equal(calls, 2, 'getToken ran again for the reconnect');
  t.equal(info.auth, 'ok', 'back with the second token');
  t.equal(info.user?.username, 'second');
});

t.test('a getToken that rejects connects without a token, as anonymous', async (t) => {
  const service = await startService(t);
  const game = createGameSocket({
    url: service.url,
    extraHeaders: { origin: TEST_ORIGIN },
    getToken: () => Promise.reject(new Error('no token store')),
  });
  t.teardown(() => game.close());
  t.equal((await withTimeout(game.ready, RECONNECT_MS, 'ready')).auth, 'anonymous');
});
