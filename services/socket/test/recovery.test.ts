import t from 'tap';
import { io, type Socket } from 'socket.io-client';
import { createEmitter } from '@gamesocket/emitter';
import type { ConnectedPayload } from '@gamesocket/protocol';
import {
  TEST_ORIGIN,
  authCookie,
  eventually,
  mintToken,
  startPods,
  startProxy,
  startRedis,
  waitFor,
  waitForCluster,
  withTimeout,
  type RunningService,
  type TapTest,
} from '../../../test/helpers/index.js';

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
  t.match(client.connects[1], { recovered: true, nodeId: 'pod-1' }, 'recovered on the other pod');
  await emitter.toLobby().emit('lobby:stats', stats(++n));
  await eventually(() => client.seen.length === n, 5000, 'every event');
  t.same(
    client.seen,
    Array.from({ length: n }, (_, i) => i + 1),
    `all ${n} events once each and in order (${n - before - 1} of them missed while moving)`,
  );
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
  t.equal(client.connects[1]?.recovered, false);
});
