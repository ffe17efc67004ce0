import t from 'tap';
import { Cluster, Redis } from 'ioredis';
import { decodeLifecycleEntry, presenceKeys, type LifecycleEntry } from '@gamesocket/protocol';
import {
  MemoryDenyList,
  MemoryLifecycle,
  MemoryMemberships,
  MemoryPresence,
  RedisDenyList,
  RedisMemberships,
  RedisPresence,
  type RedisClient,
} from '../src/index.js';
import { startRedis, startRedisCluster, type TapTest } from '@gamesocket/test-helpers';
import { membershipsContract, type ClusterState } from './memberships-contract.js';

function redisState(client: RedisClient, options: { prefix?: string; graceMs: number }): ClusterState {
  const store = { prefix: options.prefix, membershipGraceMs: options.graceMs };
  return {
    presence: new RedisPresence(client, store),
    memberships: new RedisMemberships(client, store),
    denyList: new RedisDenyList(client, store),
    async lifecycle() {
      const streams = Array.from({ length: 16 }, (_, shard) =>
        presenceKeys.lifecycle(presenceKeys.shard(shard, options.prefix)),
      );
      const read = await Promise.all(streams.map((stream) => client.xrange(stream, '-', '+')));
      return read.flat().map(([id, fields]) => decodeLifecycleEntry(id, fields));
    },
  };
}

t.test('memory memberships', async (t) => {
  membershipsContract(t, async (_t, { graceMs }) => {
    const entries: LifecycleEntry[] = [];
    const lifecycle = new MemoryLifecycle();
    lifecycle.subscribe((entry) => entries.push(entry));
    const memberships = new MemoryMemberships({ graceMs, lifecycle });
    const denyList = new MemoryDenyList();
    const presence = new MemoryPresence({ memberships, denyList, lifecycle });
    return { presence, memberships, denyList, lifecycle: async () => [...entries] };
  });
});

t.test('redis memberships (standalone)', async (t) => {
  const redis = await startRedis(t);
  let db = 0;
  membershipsContract(t, async (t: TapTest, { graceMs }) => {
    const client = new Redis(redis.port, '127.0.0.1', { db: db++ % 16 });
    await client.flushdb();
    t.teardown(() => client.quit());
    return redisState(client, { graceMs });
  });
});

t.test('redis memberships on a 3-master Redis Cluster', async (t) => {
  const cluster = await startRedisCluster(t);
  let run = 0;
  membershipsContract(t, async (t: TapTest, { graceMs }) => {
    const client = new Cluster(cluster.ports.map((port) => ({ host: '127.0.0.1', port })));
    t.teardown(() => client.quit());
    return redisState(client, { prefix: `test${run++}`, graceMs });
  });
});
