import t from 'tap';
import { Emitter as StockEmitter } from '@socket.io/redis-emitter';
import { Redis } from 'ioredis';
import { createEmitter, type EmitterMode, type GameEmitter } from '@gamesocket/emitter';
import {
  connectClient,
  eventually,
  mintToken,
  publishUntil,
  startPods,
  startRedis,
  startRedisCluster,
  waitFor,
  waitForCluster,
  type ConnectedClient,
  type RunningService,
  type TapTest,
} from '@gamesocket/test-helpers';

const API_TOKEN = 'backend-api-token-for-tests';

/** Records every event a client receives, with its payload. */
function recorder(client: ConnectedClient): {
  events: [string, unknown][];
  got: (event: string, tag: string) => boolean;
} {
  const events: [string, unknown][] = [];
  client.socket.onAny((event: string, payload: unknown) => events.push([event, payload]));
  const got = (event: string, tag: string): boolean =>
    events.some(([name, payload]) => name === event && (payload as { tag?: string } | null)?.tag === tag);
  return { events, got };
}

async function api(pod: RunningService, path: string, body: unknown): Promise<Response> {
  return fetch(`${pod.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/**
 * One delivery contract for every cluster mode: emitter and HTTP publishes reach the right
 * sockets on every pod, and only those.
 */
async function deliveryContract(t: TapTest, mode: EmitterMode, redisUrl: string): Promise<void> {
  const pods = await startPods(t, 2, { REDIS_URL: redisUrl, ADAPTER: mode, PUBLISH_API_TOKEN: API_TOKEN });
  await waitForCluster(pods);
  const [podA, podB] = pods as [RunningService, RunningService];
  const emitter: GameEmitter = await createEmitter({ redis: redisUrl, mode });
  t.teardown(() => emitter.close());

  const token = (sub: string): Promise<string> => mintToken({ sub, username: sub });
  const alice = await connectClient(t, podA.url, { token: await token('u-a') });
  const alice2 = await connectClient(t, podB.url, { token: await token('u-a') });
  const bob = await connectClient(t, podB.url, { token: await token('u-b') });
  const carol = await connectClient(t, podB.url, { token: await token('u-c') });
  const anon = await connectClient(t, podA.url);
  const clients = { alice, alice2, bob, carol, anon };
  const rec = Object.fromEntries(Object.entries(clients).map(([name, client]) => [name, recorder(client)])) as Record<
    keyof typeof clients,
    ReturnType<typeof recorder>
  >;
  for (const client of [bob, anon]) t.same(await client.socket.emitWithAck('lobby:join'), { ok: true });

  let seq = 0;
  const stats = (tag: string) => ({ online: ++seq, connections: 0, nodes: 2, tag });
  // Every pod reads its subscriptions/stream before the assertions start.
  await publishUntil(
    () => emitter.toLobby().emit('lobby:stats', stats('warmup')),
    () => rec.bob.got('lobby:stats', 'warmup') && rec.anon.got('lobby:stats', 'warmup'),
  );

  t.test('emitter reaches a user on every pod, and only that user', async (t) => {
    await emitter.toUser('u-a').emit('lobby:stats', stats('to-alice'));
    await eventually(() => rec.alice.got('lobby:stats', 'to-alice') && rec.alice2.got('lobby:stats', 'to-alice'));
    t.pass('both sockets of u-a (pod A and pod B) got it');
  });

  t.test('except excludes', async (t) => {
    await emitter.toLobby().except('user:u-b').emit('lobby:stats', stats('not-bob'));
    await eventually(() => rec.anon.got('lobby:stats', 'not-bob'));
    t.pass('the lobby member outside user:u-b got it');
  });

  t.test('joinRoom puts every socket of a user in a room on every pod', async (t) => {
    await emitter.joinRoom({ userId: 'u-a', rooms: ['room:42'] });
    await publishUntil(
      () =>
        emitter.toRoom('42').emit('room:chat_message', {
          roomId: '42',
          from: { userId: 's', username: 's' },
          text: 'hi',
          timestamp: 1,
          tag: 'room-42',
        } as never),
      () => rec.alice.got('room:chat_message', 'room-42') && rec.alice2.got('room:chat_message', 'room-42'),
    );
    t.ok(
      (await podB.app.io.in('room:42').fetchSockets()).some((s) => s.id === alice2.socket.id),
      'alice2 is in room:42',
    );
    await emitter.leaveRoom({ userId: 'u-a', rooms: 'room:42' });
    await eventually(async () => (await podA.app.io.in('room:42').fetchSockets()).length === 0, 5000, 'room:42 empty');
    t.pass('leaveRoom empties the room');
  });

  t.test('HTTP API on pod A reaches sockets on every pod', async (t) => {
    const joined = await api(podA, '/v1/join', { user: 'u-c', rooms: ['match:7'] });
    t.equal(joined.status, 202);
    await publishUntil(
      async () => {
        const res = await api(podA, '/v1/publish', {
          to: 'match:7',
          event: 'match:state_update',
          data: { matchId: '7', state: {}, tag: 'http' },
        });
        t.equal(res.status, 202);
      },
      () => rec.carol.got('match:state_update', 'http'),
    );
    const leave = await api(podA, '/v1/leave', { user: 'u-c', rooms: 'match:7' });
    t.equal(leave.status, 202);
    await eventually(async () => (await podB.app.io.in('match:7').fetchSockets()).length === 0, 5000, 'match:7 empty');
    const res = await api(podB, '/v1/publish', {
      to: ['lobby'],
      except: 'user:u-b',
      event: 'lobby:stats',
      data: stats('http-lobby'),
    });
    t.equal(res.status, 202);
    await eventually(() => rec.anon.got('lobby:stats', 'http-lobby'));
  });

  t.test('a publish to several rooms reaches a socket in more than one of them once', async (t) => {
    // bob is in `lobby` and in `user:u-b` (pod B), anon in `lobby` only (pod A).
    const res = await api(podA, '/v1/publish', {
      to: ['lobby', 'user:u-b', 'user:u-none'],
      event: 'lobby:stats',
      data: stats('several'),
    });
    t.equal(res.status, 202);
    await eventually(() => rec.bob.got('lobby:stats', 'several') && rec.anon.got('lobby:stats', 'several'));
    // A later publish to the same sockets comes after any duplicate the pods would have written.
    await emitter.toLobby().emit('lobby:stats', stats('several-after'));
    await eventually(() => rec.bob.got('lobby:stats', 'several-after') && rec.anon.got('lobby:stats', 'several-after'));
    const count = (who: keyof typeof rec): number =>
      rec[who].events.filter(([, payload]) => (payload as { tag?: string } | null)?.tag === 'several').length;
    t.equal(count('bob'), 1, 'bob, in two of the rooms, got it once');
    t.equal(count('anon'), 1, 'anon got it once');
    t.equal(count('carol'), 0, 'carol, in none of them, did not get it');
  });

  if (mode === 'redis') {
    t.test('the unmodified @socket.io/redis-emitter works against the classic adapter', async (t) => {
      const client = new Redis(redisUrl);
      t.teardown(() => client.quit());
      const stock = new StockEmitter(client);
      await new Promise((resolve) => client.once('ready', resolve));
      stock.to('user:u-b').emit('lobby:stats', stats('stock'));
      await eventually(() => rec.bob.got('lobby:stats', 'stock'));
      stock.in('user:u-b').socketsJoin('room:9');
      await eventually(async () => (await podB.app.io.in('room:9').fetchSockets()).length === 1, 5000, 'bob in room:9');
      t.pass('stock emitter emit and socketsJoin delivered');
    });
  }

  t.test('disconnectUser closes that user on every pod and nobody else', async (t) => {
    const gone = [waitFor(alice.socket, 'disconnect'), waitFor(alice2.socket, 'disconnect')];
    await emitter.disconnectUser('u-a');
    await Promise.all(gone);
    const carolGone = waitFor(carol.socket, 'disconnect');
    t.equal((await api(podA, '/v1/disconnect', { user: 'u-c' })).status, 202);
    await carolGone;
    // A marker published after the disconnects reaches the survivors: they are still connected.
    await emitter.emit('lobby:stats', stats('after'));
    await eventually(() => rec.bob.got('lobby:stats', 'after') && rec.anon.got('lobby:stats', 'after'));
    t.ok(bob.socket.connected && anon.socket.connected, 'bob and the anonymous client stay connected');
  });

  t.test('nobody received what was not addressed to them', async (t) => {
    const names = (who: keyof typeof rec): string[] =>
      rec[who].events.map(([, payload]) => (payload as { tag?: string } | null)?.tag ?? '').filter(Boolean);
    t.notOk(names('bob').includes('to-alice'), 'bob never got the user:u-a event');
    t.notOk(names('carol').includes('to-alice'), 'carol never got the user:u-a event');
    t.notOk(names('bob').includes('not-bob'), 'except excluded bob');
    t.notOk(names('bob').includes('http-lobby'), 'except excluded bob (HTTP)');
    t.notOk(names('carol').includes('room-42'), 'carol was never in room:42');
    t.notOk(names('anon').includes('http'), 'anon was never in match:7');
  });
}

t.test('redis (classic pub/sub)', async (t) => {
  const redis = await startRedis(t);
  await deliveryContract(t, 'redis', redis.url);
});

t.test('redis-streams', async (t) => {
  const redis = await startRedis(t);
  await deliveryContract(t, 'redis-streams', redis.url);
});

t.test('redis-sharded on a 3-master Redis Cluster', async (t) => {
  const cluster = await startRedisCluster(t);
  await deliveryContract(t, 'redis-sharded', cluster.url);
});
