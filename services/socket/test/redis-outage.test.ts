import t from 'tap';
import { createEmitter, EmitterError, type EmitterMode } from '@gamesocket/emitter';
import {
  connectClient,
  eventually,
  mintToken,
  publishUntil,
  spawnService,
  startRedis,
  type TapTest,
} from '@gamesocket/test-helpers';

const API_TOKEN = 'backend-api-token-for-tests';

async function readyStatus(url: string): Promise<number> {
  return (await fetch(`${url}/readyz`)).status;
}

async function redisUpMetric(url: string): Promise<string | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return /^gamesocket_redis_up\{[^}]*\} (\d)$/m.exec(text)?.[1];
}

/**
 * SIGKILL Redis under two pods with connected clients: no pod exits, local connections stay,
 * /readyz is 503, emitter publishes reject cleanly; Redis back on the same port: /readyz 200 and
 * cross-pod delivery works again without restarting any pod.
 */
async function outage(t: TapTest, mode: EmitterMode): Promise<void> {
  const redis = await startRedis(t);
  const env = { REDIS_URL: redis.url, ADAPTER: mode, PUBLISH_API_TOKEN: API_TOKEN };
  const podA = await spawnService(t, { ...env, NODE_ID: 'pod-a' });
  const podB = await spawnService(t, { ...env, NODE_ID: 'pod-b' });
  await eventually(async () => (await readyStatus(podA.url)) === 200 && (await readyStatus(podB.url)) === 200);

  const emitter = await createEmitter({ redis: redis.url, mode });
  t.teardown(() => emitter.close());
  const alice = await connectClient(t, podA.url, { token: await mintToken({ sub: 'alice' }) });
  const bob = await connectClient(t, podB.url, { token: await mintToken({ sub: 'bob' }) });
  const seen: string[] = [];
  for (const client of [alice, bob]) {
    client.socket.on('lobby:stats', (stats) => seen.push(`${client.connected.user?.userId}:${stats.online}`));
    t.same(await client.socket.emitWithAck('lobby:join'), { ok: true });
  }
  const crossPod = async (online: number): Promise<void> => {
    // From pod A over the HTTP API to bob on pod B, and from the emitter to alice on pod A.
    await publishUntil(
      () =>
        fetch(`${podA.url}/v1/publish`, {
          method: 'POST',
          headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ to: 'user:bob', event: 'lobby:stats', data: { online, connections: 0, nodes: 2 } }),
        }),
      () => seen.includes(`bob:${online}`),
      15_000,
      250,
    );
    await publishUntil(
      // The emitter's own client may still be reconnecting: a rejected try is retried.
      () =>
        emitter
          .toUser('alice')
          .emit('lobby:stats', { online, connections: 0, nodes: 2 })
          .catch(() => undefined),
      () => seen.includes(`alice:${online}`),
      15_000,
      250,
    );
  };
  await crossPod(1);
  t.equal(await redisUpMetric(podA.url), '1', 'gamesocket_redis_up is 1');

  await redis.kill();
  await eventually(
    async () => (await readyStatus(podA.url)) === 503 && (await readyStatus(podB.url)) === 503,
    10_000,
    'readyz 503',
  );
  t.pass('/readyz is 503 on both pods while Redis is down');
  t.equal(await redisUpMetric(podB.url), '0', 'gamesocket_redis_up is 0');

  const rejected = await emitter
    .toLobby()
    .emit('lobby:stats', { online: 0, connections: 0, nodes: 0 })
    .then(
      () => undefined,
      (err: unknown) => err,
    );
  t.ok(rejected instanceof EmitterError, 'an emitter publish during the outage rejects with EmitterError');
  t.equal((rejected as EmitterError).code, 'UNAVAILABLE');

  const apiDown = await fetch(`${podA.url}/v1/publish`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ to: 'lobby', event: 'lobby:stats', data: {} }),
  });
  t.equal(apiDown.status, 503, 'the HTTP API answers 503 while Redis is down');

  // Local work goes on: pings, pod-local broadcasts, new connections.
  for (const client of [alice, bob]) {
    t.ok(client.socket.connected, 'the client stayed connected');
    const pong = (await client.socket.timeout(5000).emitWithAck('system:ping')) as { pong: boolean };
    t.equal(pong.pong, true, 'the pod still answers');
  }
  const status = await alice.socket.timeout(5000).emitWithAck('player:status_change', { status: 'away' });
  t.match(
    status,
    { ok: false, error: { code: 'UNAVAILABLE' } },
    'a status change (stored in Redis) answers UNAVAILABLE',
  );
  t.same(await alice.socket.timeout(5000).emitWithAck('lobby:join'), { ok: true }, 'pod-local events still work');
  const late = await connectClient(t, podB.url, { token: await mintToken({ sub: 'carol' }) });
  t.equal(late.connected.auth, 'ok', 'a new client connects during the outage');
  t.ok(podA.alive() && podB.alive(), 'no pod exited');

  await redis.restart();
  await eventually(
    async () => (await readyStatus(podA.url)) === 200 && (await readyStatus(podB.url)) === 200,
    20_000,
    'readyz 200',
  );
  t.pass('/readyz is 200 again once Redis is back');
  await crossPod(2);
  t.pass('cross-pod delivery works again without restarting a pod');
  // carol's `user:carol` room was created during the outage (in sharded mode: its own channel).
  let carolGot = false;
  late.socket.on('lobby:stats', () => (carolGot = true));
  await publishUntil(
    () =>
      emitter
        .toUser('carol')
        .emit('lobby:stats', { online: 3, connections: 0, nodes: 2 })
        .catch(() => undefined),
    () => carolGot,
    15_000,
    250,
  );
  t.pass('a room first created during the outage receives cross-pod events afterwards');
  t.ok(podA.alive() && podB.alive(), 'no pod exited');

  t.equal(await podA.stop('SIGTERM'), 0, 'pod A exits 0 on SIGTERM');
  t.equal(await podB.stop('SIGTERM'), 0, 'pod B exits 0 on SIGTERM');
  const errors = [...podA.lines, ...podB.lines].filter((line) => line.includes('"unhandled rejection"'));
  t.same(errors, [], 'no unhandled rejection was logged');
}

for (const mode of ['redis', 'redis-streams', 'redis-sharded'] as const) {
  t.test(`Redis outage in ${mode} mode`, (t) => outage(t, mode));
}
