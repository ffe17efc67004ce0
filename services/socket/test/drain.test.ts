import t from 'tap';
import { io, type Socket } from 'socket.io-client';
import { createEmitter } from '@gamesocket/emitter';
import type { ConnectedPayload } from '@gamesocket/protocol';
import {
  TEST_ORIGIN,
  authCookie,
  eventually,
  mintToken,
  spawnService,
  startProxy,
  startRedis,
} from '@gamesocket/test-helpers';

const CLIENTS = 20;

t.test('SIGTERM drains a pod: its clients move to another pod and miss nothing (redis-streams)', async (t) => {
  const redis = await startRedis(t);
  const env = { REDIS_URL: redis.url, ADAPTER: 'redis-streams' };
  const podA = await spawnService(t, { ...env, NODE_ID: 'pod-a', DRAIN_WINDOW_MS: '1000' });
  const podB = await spawnService(t, { ...env, NODE_ID: 'pod-b' });
  // The load balancer: everything to pod A, then (A draining) to pod B.
  const proxy = await startProxy(t, podA.port);
  const emitter = await createEmitter({ redis: redis.url, mode: 'redis-streams' });
  t.teardown(() => emitter.close());

  const clients = await Promise.all(
    Array.from({ length: CLIENTS }, async (_, i) => {
      const socket: Socket = io(proxy.url, {
        transports: ['websocket'],
        extraHeaders: { origin: TEST_ORIGIN, cookie: authCookie(await mintToken({ sub: `player${i}` })) },
        reconnectionDelay: 100,
        reconnectionDelayMax: 500,
        forceNew: true,
      });
      t.teardown(() => {
        socket.disconnect();
      });
      const seen: number[] = [];
      const connects: ConnectedPayload[] = [];
      socket.on('room:update', (update: { seq: number }) => seen.push(update.seq));
      socket.on('system:connected', (payload: ConnectedPayload) => connects.push(payload));
      return { socket, seen, connects };
    }),
  );
  await eventually(() => clients.every((c) => c.connects.length === 1), 10_000, 'every client on pod A');
  for (const client of clients) t.equal(client.connects[0]?.nodeId, 'pod-a');
  await Promise.all(clients.map((c) => emitter.joinRoom({ userId: c.connects[0]!.user!.userId, rooms: 'match:1' })));
  await eventually(() => clients.every((c) => c.socket.connected));

  // A publisher sending numbered updates at a steady rate, through the whole move. (Not
  // match:state_update: it is volatile, so recovery never replays it; clients resync state instead.)
  let seq = 0;
  let firstSeen = 0;
  const publish = async (): Promise<void> => {
    await emitter
      .toMatch('1')
      .emit('room:update', { roomId: '1', name: 'match 1', players: 20, maxPlayers: 20, seq: ++seq });
  };
  // Wait until the stream readers deliver, then note where every client starts counting.
  await eventually(
    async () => {
      await publish();
      return clients.every((c) => c.seen.length > 0);
    },
    10_000,
    'the first update everywhere',
  );
  firstSeen = Math.max(...clients.map((c) => c.seen[0] ?? 0));
  const timer = setInterval(() => void publish(), 20);
  t.teardown(() => clearInterval(timer));

  proxy.switchTo(podB.port);
  const exit = podA.stop('SIGTERM', 20_000);
  t.equal(await exit, 0, 'the drained pod exits 0');
  await eventually(() => clients.every((c) => c.connects.length === 2), 15_000, 'every client reconnected');
  clearInterval(timer);
  const last = seq;
  await eventually(() => clients.every((c) => c.seen.includes(last)), 10_000, 'the last update everywhere');

  let delivered = 0;
  let duplicated = 0;
  let missing = 0;
  let resync = 0;
  for (const client of clients) {
    const expected = Array.from({ length: last - firstSeen + 1 }, (_, i) => firstSeen + i);
    const got = client.seen.filter((n) => n >= firstSeen);
    delivered += got.length;
    duplicated += got.length - new Set(got).size;
    missing += expected.filter((n) => !got.includes(n)).length;
    if (client.connects[1]?.recovered !== true) resync++;
    t.equal(client.connects[1]?.nodeId, 'pod-b', 'moved to pod B');
    t.same(
      got,
      [...got].sort((a, b) => a - b),
      'in order',
    );
  }
  t.comment(
    `drain: ${CLIENTS} clients, updates ${firstSeen}..${last}: delivered ${delivered}, duplicated ${duplicated}, missing ${missing}, resync ${resync}`,
  );
  t.equal(resync, 0, 'every client recovered');
  t.equal(duplicated, 0, 'no update twice');
  t.equal(missing, 0, 'no update missing');
});
