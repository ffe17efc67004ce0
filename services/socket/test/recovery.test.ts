import t from 'tap';
import { io, type Socket } from 'socket.io-client';
import { Redis } from 'ioredis';
import { createEmitter, type GameEmitter } from '@gamesocket/emitter';
import type { ConnectedPayload } from '@gamesocket/protocol';
import {
  TEST_ORIGIN,
  authCookie,
  eventually,
  freePort,
  mintToken,
  monitorCommands,
  startPods,
  startProxy,
  startRedis,
  waitFor,
  waitForCluster,
  withTimeout,
  type RunningService,
  type SwitchProxy,
  type TapTest,
} from '@gamesocket/test-helpers';

/** A client that reconnects by itself (recovery needs the same Manager), recording lobby:stats. */
function reconnectingClient(t: TapTest, url: string, cookie: string | undefined) {
  const socket: Socket = io(url, {
    transports: ['websocket'],
    extraHeaders: { origin: TEST_ORIGIN, ...(cookie !== undefined && { cookie }) },
    reconnectionDelay: 100,
    reconnectionDelayMax: 200,
    randomizationFactor: 0,
    forceNew: true,
  });
  t.teardown(() => {
    socket.disconnect();
  });
  const seen: number[] = [];
  const connects: ConnectedPayload[] = [];
  socket.on('lobby:stats', (stats: { online: number }) => seen.push(stats.online));
  socket.on('system:connected', (payload: ConnectedPayload) => connects.push(payload));
  return { socket, seen, connects };
}

const stats = (n: number) => ({ online: n, connections: 0, nodes: 0 });

t.test('memory mode: a dropped client recovers its rooms and missed events, once each, in order', async (t) => {
  const [pod] = (await startPods(t, 1)) as [RunningService];
  const client = reconnectingClient(t, pod.url, authCookie(await mintToken({ sub: 'alice' })));
  await eventually(() => client.connects.length === 1);
  t.same(await client.socket.timeout(5000).emitWithAck('lobby:join'), { ok: true });
  pod.app.io.to('lobby').emit('lobby:stats', stats(1));
  await eventually(() => client.seen.length === 1);

  const gone = waitFor(client.socket, 'disconnect');
  client.socket.io.engine.close(); // the transport drops; the client reconnects by itself
  await gone;
  for (let n = 2; n <= 5; n++) pod.app.io.to('lobby').emit('lobby:stats', stats(n));
  await eventually(() => client.connects.length === 2, 5000, 'the reconnect');
  t.equal(client.connects[1]?.recovered, true, 'system:connected says recovered');
  t.equal(client.socket.recovered, true);
  await eventually(() => client.seen.length >= 5);
  pod.app.io.to('lobby').emit('lobby:stats', stats(6));
  await eventually(() => client.seen.includes(6), 5000, 'still in the lobby');
  t.same(client.seen, [1, 2, 3, 4, 5, 6], 'every event once, in order');
});

t.test(
  'memory mode: events broadcast while a recovered socket is still in its middlewares reach it once',
  async (t) => {
    const [pod] = (await startPods(t, 1)) as [RunningService];
    const client = reconnectingClient(t, pod.url, authCookie(await mintToken({ sub: 'frank' })));
    await eventually(() => client.connects.length === 1);
    t.same(await client.socket.timeout(5000).emitWithAck('lobby:join'), { ok: true });
    // A slow middleware (say, a deny-list lookup) holds the reconnecting socket.
    let release = (): void => undefined;
    let held = (): void => undefined;
    const holding = new Promise<void>((resolve) => (held = resolve));
    pod.app.io.use((socket, next) => {
      if (!socket.recovered) return next();
      held();
      release = next;
    });
    const gone = waitFor(client.socket, 'disconnect');
    client.socket.io.engine.close();
    await gone;
    pod.app.io.to('lobby').emit('lobby:stats', stats(1));
    await withTimeout(holding, 5000, 'the recovered socket in the middleware');
    pod.app.io.to('lobby').emit('lobby:stats', stats(2));
    release();
    await eventually(() => client.connects.length === 2, 5000, 'the reconnect');
    t.equal(client.connects[1]?.recovered, true);
    pod.app.io.to('lobby').emit('lobby:stats', stats(3));
    await eventually(() => client.seen.includes(3), 5000, 'the event after the reconnect');
    t.same(client.seen, [1, 2, 3], 'the replayed, the held and the live event, once each, in order');
  },
);

t.test(
  'memory mode: recovery re-runs auth — another identity gets a fresh socket, no old rooms, no missed events',
  async (t) => {
    const [pod] = (await startPods(t, 1)) as [RunningService];
    const client = reconnectingClient(t, pod.url, authCookie(await mintToken({ sub: 'alice' })));
    await eventually(() => client.connects.length === 1);
    t.same(await client.socket.timeout(5000).emitWithAck('lobby:join'), { ok: true });

    const gone = waitFor(client.socket, 'disconnect');
    // The cookie is gone (expired, logged out) by the time the client reconnects.
    client.socket.io.opts.extraHeaders = { origin: TEST_ORIGIN };
    client.socket.io.engine.close();
    await gone;
    pod.app.io.to('user:alice').emit('lobby:stats', stats(99));
    pod.app.io.to('lobby').emit('lobby:stats', stats(98));
    await eventually(() => client.connects.length === 2, 5000, 'the reconnect');
    t.match(client.connects[1], { recovered: false, auth: 'anonymous', user: null });
    const sockets = await pod.app.io.in('user:alice').fetchSockets();
    t.equal(sockets.length, 0, 'not in user:alice');
    t.equal((await pod.app.io.in('lobby').fetchSockets()).length, 0, 'not in the lobby it had joined');
    // A round trip after the reconnect: anything replayed would have arrived before its answer.
    await withTimeout(client.socket.timeout(5000).emitWithAck('system:ping'));
    t.same(client.seen, [], 'none of the missed private events was replayed');
  },
);

t.test('redis-streams: a client moved to another pod recovers there', async (t) => {
  const redis = await startRedis(t);
  const pods = (await startPods(t, 2, { REDIS_URL: redis.url, ADAPTER: 'redis-streams' })) as [
    RunningService,
    RunningService,
  ];
  await waitForCluster(pods);
  const emitter = await createEmitter({ redis: redis.url, mode: 'redis-streams' });
  t.teardown(() => emitter.close());
  const proxy = await startProxy(t, pods[0].port);
  const client = reconnectingClient(t, proxy.url, authCookie(await mintToken({ sub: 'bob' })));
  await eventually(() => client.connects.length === 1);
  t.equal(client.connects[0]?.nodeId, 'pod-0');
  t.same(await client.socket.timeout(5000).emitWithAck('lobby:join'), { ok: true });
  t.match(await client.socket.timeout(5000).emitWithAck('player:watch', { userIds: ['carol'] }), { ok: true });
  const watchedOnline: string[] = [];
  client.socket.on('player:online', (p: { userId: string }) => watchedOnline.push(p.userId));
  // The streams reader may start after the first XADD: publish until one arrives.
  let n = 0;
  while (client.seen.length === 0) {
    await emitter.toLobby().emit('lobby:stats', stats(++n));
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (n > 100) throw new Error('no lobby event reached the client');
  }
  await eventually(() => client.seen.length === n);
  const before = client.seen.length;

  const gone = waitFor(client.socket, 'disconnect');
  proxy.switchTo(pods[1].port);
  proxy.dropAll();
  await gone;
  for (let i = 0; i < 5; i++) await emitter.toLobby().emit('lobby:stats', stats(++n));
  await eventually(() => client.connects.length === 2, 10_000, 'the reconnect through the proxy');
  t.match(
    client.connects[1],
    { recovered: true, nodeId: 'pod-1', recoveryWindowMs: 120_000 },
    'recovered on the other pod',
  );
  await emitter.toLobby().emit('lobby:stats', stats(++n));
  await eventually(() => client.seen.length === n, 5000, 'every event');
  t.same(
    client.seen,
    Array.from({ length: n }, (_, i) => i + 1),
    `all ${n} events once each and in order (${n - before - 1} of them missed while moving)`,
  );

  // Recovered into its watch room, the socket made pod-1 a watcher of carol (pod-0 lets go after the recovery window).
  const store = new Redis(redis.url);
  t.teardown(() => store.quit());
  const watchers = async (): Promise<string[]> => {
    const [key] = await store.keys('gamesocket:*:w:carol');
    return key === undefined ? [] : (await store.smembers(key)).sort();
  };
  await eventually(async () => (await watchers()).includes('pod-1'), 5000, 'pod-1 to watch carol');
  t.same(await watchers(), ['pod-0', 'pod-1'], 'pod-0 still registered within the recovery window');
  const carol = reconnectingClient(t, pods[0].url, authCookie(await mintToken({ sub: 'carol' })));
  await eventually(() => carol.connects.length === 1, 5000, 'carol to connect');
  await eventually(() => watchedOnline.includes('carol'), 5000, "carol's player:online to reach the recovered watcher");
  t.same(watchedOnline, ['carol'], 'the recovered socket still watches carol');
});

/** The recovery window of the watcher test: short, so its registrations' linger ends within the test. */
const WINDOW_MS = 4000;

t.test("redis-streams: a watcher away within the recovery window gets its watched users' changes", async (t) => {
  const redis = await startRedis(t);
  const pods = (await startPods(t, 2, {
    REDIS_URL: redis.url,
    ADAPTER: 'redis-streams',
    RECOVERY_WINDOW_MS: String(WINDOW_MS),
  })) as [RunningService, RunningService];
  await waitForCluster(pods);
  const store = new Redis(redis.url);
  t.teardown(() => store.quit());
  const proxy = await startProxy(t, pods[0].port);
  const watcher = reconnectingClient(t, proxy.url, authCookie(await mintToken({ sub: 'wes' })));
  await eventually(() => watcher.connects.length === 1, 5000, 'the watcher to connect');
  const events: string[] = [];
  watcher.socket.on('player:offline', (p: { userId: string }) => events.push(`offline:${p.userId}`));
  watcher.socket.on('player:online', (p: { userId: string }) => events.push(`online:${p.userId}`));
  t.match(await watcher.socket.timeout(5000).emitWithAck('player:watch', { userIds: ['carol'] }), {
    ok: true,
    data: [{ userId: 'carol', online: false }],
  });
  // A broadcast received first: a client recovers from the offset of the last one it got.
  const carol = reconnectingClient(t, pods[0].url, authCookie(await mintToken({ sub: 'carol' })));
  await eventually(() => events.includes('online:carol'), 5000, "carol's player:online");

  // The watcher is away (its reconnects refused) while carol leaves: pod-0, which its socket left,
  // still publishes her offline for the replay.
  const gone = waitFor(watcher.socket, 'disconnect');
  proxy.switchTo(await freePort());
  proxy.dropAll();
  await gone;
  // Pod-0 has seen the watcher go (its presence removed), and one more request through its event loop
  // is behind whatever that close made it send.
  const emitter = await createEmitter({ redis: redis.url, mode: 'redis-streams' });
  t.teardown(() => emitter.close());
  await eventually(async () => !(await emitter.presence.get('wes')).online, 5000, 'pod-0 to remove the watcher');
  t.equal((await fetch(`${pods[0].url}/readyz`)).status, 200);
  carol.socket.disconnect();
  const offlineInStream = async (): Promise<boolean> =>
    (await store.xrange('socket.io', '-', '+')).some(([, fields]) => fields.join(' ').includes('player:offline'));
  await eventually(offlineInStream, 5000, "carol's player:offline to be published while the watcher is away");
  proxy.switchTo(pods[1].port);
  await eventually(() => watcher.connects.length === 2, 10_000, 'the reconnect to pod-1');
  t.match(watcher.connects[1], { recovered: true, nodeId: 'pod-1' }, 'recovered on the other pod');
  await eventually(() => events.includes('offline:carol'), 5000, "the replay to bring carol's offline");
  t.same(events, ['online:carol', 'offline:carol'], 'the missed one replayed, once');

  // Gone for good: a recovery window later, neither pod is registered any more.
  const [key] = await store.keys('gamesocket:*:w:carol');
  t.ok(key !== undefined && (await store.scard(key)) > 0, 'carol is watched');
  watcher.socket.disconnect();
  await eventually(async () => (await store.exists(key ?? '')) === 0, WINDOW_MS * 3, 'both registrations to go');
});

t.test('classic redis mode: no recovery, the client is told to resync', async (t) => {
  const redis = await startRedis(t);
  const [pod] = (await startPods(t, 1, { REDIS_URL: redis.url, ADAPTER: 'redis' })) as [RunningService];
  const client = reconnectingClient(t, pod.url, authCookie(await mintToken({ sub: 'carol' })));
  await eventually(() => client.connects.length === 1);
  const gone = waitFor(client.socket, 'disconnect');
  client.socket.io.engine.close();
  await gone;
  await eventually(() => client.connects.length === 2, 5000, 'the reconnect');
  t.match(client.connects, [
    { recovered: false, recoveryWindowMs: 0 },
    { recovered: false, recoveryWindowMs: 0 },
  ]);
});

/** A redis-streams pair behind a proxy on pod 0, an emitter, and a raw Redis client. */
async function streamsPair(t: TapTest, env: Record<string, string> = {}) {
  const redis = await startRedis(t);
  const pods = (await startPods(t, 2, { REDIS_URL: redis.url, ADAPTER: 'redis-streams', ...env })) as [
    RunningService,
    RunningService,
  ];
  await waitForCluster(pods);
  const emitter = await createEmitter({ redis: redis.url, mode: 'redis-streams' });
  const store = new Redis(redis.url);
  t.teardown(async () => {
    await emitter.close();
    store.disconnect();
  });
  const proxy = await startProxy(t, pods[0].port);
  return { pods, emitter, store, proxy };
}

/** Drops the client's transport and keeps it away (no reconnect) until the test calls `connect()`; then it goes to `port`. */
async function dropAndHold(client: ReturnType<typeof reconnectingClient>, proxy: SwitchProxy, port: number) {
  client.socket.io.reconnection(false);
  const gone = waitFor(client.socket, 'disconnect');
  proxy.switchTo(port);
  proxy.dropAll();
  await gone;
  client.socket.io.reconnection(true);
}

/** Publishes lobby events until the client has one: the streams reader may start after the first XADD. */
async function firstLobbyEvent(emitter: GameEmitter, client: ReturnType<typeof reconnectingClient>): Promise<void> {
  await eventually(
    async () => {
      await emitter.toLobby().emit('lobby:stats', stats(1));
      return client.seen.length > 0;
    },
    10_000,
    'a first lobby event',
  );
}

t.test(
  'redis-streams: a client offline longer than the window is told to resync and is in no stale room',
  async (t) => {
    const { pods, emitter, store, proxy } = await streamsPair(t, { RECOVERY_WINDOW_MS: '1000' });
    const client = reconnectingClient(t, proxy.url, authCookie(await mintToken({ sub: 'dave' })));
    await eventually(() => client.connects.length === 1);
    t.same(await client.socket.timeout(5000).emitWithAck('lobby:join'), { ok: true });
    await firstLobbyEvent(emitter, client);

    await dropAndHold(client, proxy, pods[1].port);
    const missedFrom = client.seen.length;
    await emitter.toLobby().emit('lobby:stats', stats(42));
    // The window has passed once Redis has expired the session the old pod stored (stored first: the pod sees
    // the drop a moment after the client does).
    await eventually(async () => (await store.keys('sio:session:*')).length === 1, 10_000, 'the session stored');
    await eventually(async () => (await store.keys('sio:session:*')).length === 0, 10_000, 'the session to expire');
    client.socket.connect();
    await eventually(() => client.connects.length === 2, 10_000, 'the late reconnect');
    t.match(client.connects[1], { recovered: false, nodeId: 'pod-1', auth: 'ok' }, 'told to resync');
    t.equal(client.socket.recovered, false);
    t.equal((await pods[1].app.io.in('lobby').fetchSockets()).length, 0, 'not in the lobby it had joined');
    await withTimeout(client.socket.timeout(5000).emitWithAck('system:ping'));
    t.same(client.seen.slice(missedFrom), [], 'nothing replayed');
  },
);

t.test('redis-streams: recovery re-runs auth — an expired cookie comes back anonymous, out of its rooms', async (t) => {
  const { pods, emitter, proxy } = await streamsPair(t, { JWT_CLOCK_TOLERANCE_SEC: '0' });
  const exp = Math.floor(Date.now() / 1000) + 2;
  const client = reconnectingClient(t, proxy.url, authCookie(await mintToken({ sub: 'erin' }, { exp })));
  await eventually(() => client.connects.length === 1);
  t.match(client.connects[0], { auth: 'ok', user: { userId: 'erin' } });
  t.same(await client.socket.timeout(5000).emitWithAck('lobby:join'), { ok: true });
  await firstLobbyEvent(emitter, client);

  await dropAndHold(client, proxy, pods[1].port);
  const missedFrom = client.seen.length;
  await emitter.toUser('erin').emit('lobby:stats', stats(99));
  await emitter.toLobby().emit('lobby:stats', stats(98));
  // The cookie the browser still sends has expired by the time it reconnects.
  await eventually(() => Date.now() / 1000 > exp + 0.5, 5000, 'the token to expire');
  client.socket.connect();
  await eventually(() => client.connects.length === 2, 10_000, 'the reconnect');
  t.match(client.connects[1], { recovered: false, auth: 'expired', user: null, nodeId: 'pod-1' });
  t.equal((await pods[1].app.io.in('user:erin').fetchSockets()).length, 0, 'not in user:erin');
  t.equal((await pods[1].app.io.in('lobby').fetchSockets()).length, 0, 'not in the lobby');
  await withTimeout(client.socket.timeout(5000).emitWithAck('system:ping'));
  t.same(client.seen.slice(missedFrom), [], 'none of the missed events was replayed');
});

t.test('redis-streams: volatile state updates the client already got are not replayed by a recovery', async (t) => {
  const { pods, emitter, proxy } = await streamsPair(t);
  const client = reconnectingClient(t, proxy.url, authCookie(await mintToken({ sub: 'gina' })));
  const updates: number[] = [];
  client.socket.on('match:state_update', (update: { seq: number }) => updates.push(update.seq));
  await eventually(() => client.connects.length === 1);
  t.same(await client.socket.timeout(5000).emitWithAck('lobby:join'), { ok: true });
  await firstLobbyEvent(emitter, client);
  // Volatile updates carry no offset: the client's recovery offset stays at the last lobby event.
  await emitter.toLobby().emit('match:state_update', { matchId: 'm', seq: 1, state: {} });
  await emitter.toLobby().emit('match:state_update', { matchId: 'm', seq: 2, state: {} });
  await eventually(() => updates.length === 2, 5000, 'both updates');

  const gone = waitFor(client.socket, 'disconnect');
  proxy.switchTo(pods[1].port);
  proxy.dropAll();
  await gone;
  await emitter.toLobby().emit('lobby:stats', stats(7));
  await eventually(() => client.connects.length === 2, 10_000, 'the reconnect');
  t.match(client.connects[1], { recovered: true, nodeId: 'pod-1' });
  await eventually(() => client.seen.includes(7), 5000, 'the missed lobby event, replayed');
  await withTimeout(client.socket.timeout(5000).emitWithAck('system:ping'));
  t.same(updates, [1, 2], 'each state update once');
});

t.test('redis-streams: a dropped socket records its owner after its session, on the same connection', async (t) => {
  // Whoever finds the owner record (a recovering handshake on another pod) then finds the session too.
  const redis = await startRedis(t);
  const [pod] = (await startPods(t, 1, { REDIS_URL: redis.url, ADAPTER: 'redis-streams' })) as [RunningService];
  const store = new Redis(redis.url);
  t.teardown(() => store.quit());
  const log = await monitorCommands(t, store);
  const client = reconnectingClient(t, pod.url, authCookie(await mintToken({ sub: 'hana' })));
  await eventually(() => client.connects.length === 1);
  client.socket.io.reconnection(false);
  const gone = waitFor(client.socket, 'disconnect');
  client.socket.io.engine.close(); // a recoverable close: the pod keeps the session
  await gone;
  await eventually(async () => (await store.keys('gamesocket:session-owner:*')).length === 1, 5000, 'the owner record');
  await log.settle();
  const sets = log.sent().filter((command) => command.args[0] === 'set');
  const session = sets.findIndex((command) => command.args[1]?.startsWith('sio:session:'));
  const owner = sets.findIndex((command) => command.args[1]?.startsWith('gamesocket:session-owner:'));
  t.ok(session >= 0 && owner >= 0, 'both written');
  t.ok(session < owner, 'the session first');
  t.equal(sets[owner]?.source, sets[session]?.source, 'by the same connection');
});
