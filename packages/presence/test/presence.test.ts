import t from 'tap';
import { Cluster, Redis } from 'ioredis';
import { MemoryPresence, RedisPresence } from '../src/index.js';
import { monitorCommands, startRedis, startRedisCluster, type TapTest } from '@gamesocket/test-helpers';
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

t.test("redis presence: a socket that moves to another node leaves the old node's set", async (t) => {
  const redis = await startRedis(t);
  const client = new Redis(redis.port, '127.0.0.1');
  t.teardown(() => client.quit());
  const presence = new RedisPresence(client);
  const entry = { socketId: 's1', userId: 'mover', username: 'Mover' };
  await presence.addSocket({ ...entry, nodeId: 'old' });
  const [oldSet] = await client.keys('gamesocket:*:n:old');
  t.ok(oldSet, 'the old node has a set');
  t.same(await client.smembers(oldSet ?? ''), ['s1 mover']);
  t.same(await presence.addSocket({ ...entry, nodeId: 'new' }), {
    accepted: true,
    denied: false,
    first: false,
    connections: 1,
    watched: false,
    rooms: [],
  });
  t.same(await client.smembers(oldSet ?? ''), [], 'the old node no longer lists it');
  t.same(await client.smembers((oldSet ?? '').replace(/old$/, 'new')), ['s1 mover'], 'the new node does');
});

for (const mode of ['standalone', '3-master cluster'] as const) {
  t.test(`redis presence (${mode}) removes a node in batches smaller than its sockets`, async (t) => {
    let client: Redis | Cluster;
    if (mode === 'standalone') {
      const redis = await startRedis(t);
      client = new Redis(redis.port, '127.0.0.1');
    } else {
      const cluster = await startRedisCluster(t);
      client = new Cluster(cluster.ports.map((port) => ({ host: '127.0.0.1', port })));
    }
    t.teardown(() => client.quit());
    // Two shards and batches of 3: each shard holds several batches of the node's sockets.
    const presence = new RedisPresence(client, { shards: 2, reapBatch: 3 });
    for (let i = 0; i < 20; i++) {
      await presence.addSocket({ socketId: `s${i}`, userId: `user${i % 8}`, nodeId: 'n1', username: `U${i % 8}` });
    }
    await presence.addSocket({ socketId: 'other', userId: 'user0', nodeId: 'n2', username: 'U0' });
    const gone = await presence.removeNode('n1');
    t.same(
      gone.map((user) => user.userId).sort(),
      ['user1', 'user2', 'user3', 'user4', 'user5', 'user6', 'user7'],
      'every user but user0 (still on n2) went offline, each once',
    );
    t.same(await presence.stats(), { online: 1, connections: 1, nodes: 0 });
    t.same(await presence.removeNode('n1'), [], 'nothing is left of n1');
  });
}

t.test('redis presence reloads its scripts when Redis lost them (restart, failover)', async (t) => {
  const redis = await startRedis(t);
  const client = new Redis(redis.port, '127.0.0.1');
  t.teardown(() => client.quit());
  const presence = new RedisPresence(client);
  await presence.addSocket({ socketId: 's1', userId: 'u1', nodeId: 'n', username: 'U1' });
  await client.script('FLUSH');
  t.same(await presence.addSocket({ socketId: 's2', userId: 'u1', nodeId: 'n', username: 'U1' }), {
    accepted: true,
    denied: false,
    first: false,
    connections: 2,
    watched: false,
    rooms: [],
  });
  t.same(await presence.removeNode('n'), [{ userId: 'u1', username: 'U1' }]);
  t.same(
    await new RedisPresence(client).stats(),
    { online: 0, connections: 0, nodes: 0 },
    'a second instance shares them',
  );
});

t.test('the MONITOR helper starts on a busy server without an unhandled error and sees what runs after', async (t) => {
  const redis = await startRedis(t);
  const client = new Redis(redis.port, '127.0.0.1');
  const busy = new Redis(redis.port, '127.0.0.1');
  t.teardown(() => Promise.all([client.quit(), busy.quit()]));
  let running = true;
  const load = (async () => {
    // Script lines land right behind MONITOR's +OK, in the same read: the race ioredis's own monitor() throws on.
    while (running) await Promise.all(Array.from({ length: 50 }, () => busy.eval("return redis.call('GET', 'k')", 0)));
  })();
  try {
    for (let attempt = 0; attempt < 20; attempt++) {
      await t.test(`start ${attempt}`, async (t) => {
        const log = await monitorCommands(t, client);
        await client.set('after-start', String(attempt));
        await log.settle();
        t.ok(
          log.sent().some((command) => command.args[0] === 'set' && command.args[2] === String(attempt)),
          'a command sent after the start is in the log',
        );
      });
    }
  } finally {
    running = false;
    await load;
  }
});

t.test('redis presence reads 200 users with one script call per shard, each naming only its shard', async (t) => {
  const redis = await startRedis(t);
  const client = new Redis(redis.port, '127.0.0.1');
  t.teardown(() => client.quit());
  const presence = new RedisPresence(client);
  const ids = Array.from({ length: 200 }, (_, i) => `reader${i}`);
  for (const userId of ids.slice(0, 50)) {
    await presence.addSocket({ socketId: `s-${userId}`, userId, nodeId: 'n', username: userId });
  }
  await presence.getMany(['warm-up']); // loads the script (a first EVALSHA may answer NOSCRIPT)
  const log = await monitorCommands(t, client);
  await log.settle();
  const from = log.commands.length;
  const many = await presence.getMany(ids);
  await log.settle();
  t.equal(many.filter((p) => p.online).length, 50, 'the 50 online users are read as online');
  const sent = log.sent(from);
  t.ok(sent.length >= 1 && sent.length <= 16, `${sent.length} calls for 200 users (16 shards)`);
  t.ok(
    sent.every((command) => command.args[0] === 'evalsha'),
    'each call is one script run',
  );
  const shardsOf = (args: string[]): Set<string> =>
    new Set(args.filter((arg) => arg.startsWith('gamesocket:')).map((key) => key.slice(0, key.indexOf('}') + 1)));
  t.ok(
    sent.every((command) => shardsOf(command.args).size === 1),
    'every key of a call is in one shard (one hash slot)',
  );
  t.equal(
    sent.reduce((keys, command) => keys + Number(command.args[2]), 0),
    400,
    'each user is named once: its socket hash and its meta hash',
  );
});
