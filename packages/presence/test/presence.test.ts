import t from 'tap';
import { Cluster, Redis } from 'ioredis';
import { MemoryPresence, RedisPresence } from '../src/index.js';
import { startRedis, startRedisCluster, type TapTest } from '../../../test/helpers/index.js';
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
