import t from 'tap';
import { Cluster, Redis } from 'ioredis';
import { MemoryPresence, RedisPresence } from '../src/index.js';
import { startRedis, startRedisCluster, type TapTest } from '@gamesocket/test-helpers';
import { presenceContract } from './presence-contract.js';

t.test('memory presence', async (t) => {
  presenceContract(t, async () => new MemoryPresence());
});

t.test('redis presence (standalone)', async (t) => {
  const redis = await startRedis(t);
  let db = 0;
  presenceContract(t, async (t: TapTest) => {
    // Each test gets an empty database of the same server.
    const client = new Redis(redis.port, '127.0.0.1', { db: db++ % 16 });
    await client.flushdb();
    t.teardown(() => client.quit());
    return new RedisPresence(client);
  });
});

t.test('redis presence on a 3-master Redis Cluster', async (t) => {
  const cluster = await startRedisCluster(t);
  let run = 0;
  presenceContract(t, async (t: TapTest) => {
    const client = new Cluster(cluster.ports.map((port) => ({ host: '127.0.0.1', port })));
    t.teardown(() => client.quit());
    // A prefix per test keeps tests apart on the shared cluster.
    return new RedisPresence(client, { prefix: `test${run++}` });
  });
});

t.test('redis presence judges node liveness on Redis time, not on a skewed pod clock', async (t) => {
  const redis = await startRedis(t);
  const client = new Redis(redis.port, '127.0.0.1');
  t.teardown(() => client.quit());
  const skewed = new RedisPresence(client);
  const reaper = new RedisPresence(client);
  await skewed.addSocket({ socketId: 's1', userId: 'u1', nodeId: 'slow-clock', username: 'U1' });
  // The pod's clock runs an hour late while it heartbeats.
  const realNow = Date.now;
  Date.now = () => realNow() - 3_600_000;
  try {
    t.equal(await skewed.heartbeat('slow-clock', 10_000), true, 'first heartbeat registers the node');
  } finally {
    Date.now = realNow;
  }
  t.same(await reaper.reapDeadNodes(), [], 'the node is alive: nobody is reaped');
  t.match(await reaper.stats(), { nodes: 1, online: 1 });
  const [seconds] = await client.time();
  const expiry = Number(await client.zscore('gamesocket:nodes', 'slow-clock'));
  t.ok(Math.abs(expiry - (Number(seconds) * 1000 + 10_000)) < 5_000, 'expiry = Redis time + ttl');
});
