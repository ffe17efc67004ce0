import t from 'tap';
import { Cluster, Redis } from 'ioredis';
import { closeClient, createRedisClient, type RedisClient } from '@gamesocket/redis';
import { freePort, startRedis, startRedisCluster, waitFor, withTimeout, type TapTest } from '@gamesocket/test-helpers';

/** A client the test closes at the end whatever happens. */
function track(t: TapTest, client: RedisClient): RedisClient {
  client.on('error', () => undefined);
  t.teardown(() => client.disconnect());
  return client;
}

t.test('one URL: a standalone client on the database of its path, with its connection name', async (t) => {
  const redis = await startRedis(t);
  const client = track(t, createRedisClient(`${redis.url}/3`, { name: 'pod-a:pub' }));
  t.ok(client instanceof Redis, 'a standalone client');
  await waitFor(client, 'ready');
  await client.set('where', 'db3');
  const check = track(t, new Redis({ port: redis.port, host: '127.0.0.1', db: 3 }));
  t.equal(await check.get('where'), 'db3', 'the write went to database 3');
  t.match(await check.client('LIST'), /name=pod-a:pub /, 'CLIENT LIST shows the connection name');
});

t.test('a subscriber that subscribes while it connects stays subscribed', async (t) => {
  const redis = await startRedis(t);
  for (let i = 0; i < 5; i++) {
    const client = track(t, createRedisClient(redis.url, { name: `sub-${i}`, subscriber: true }));
    // Between 'connect' and 'ready' ioredis writes SUBSCRIBE at once (an adapter built at that moment does this).
    await waitFor(client, 'connect');
    const subscribed = client.subscribe(`early-${i}`);
    await waitFor(client, 'ready');
    await subscribed;
    const check = track(t, new Redis({ port: redis.port, host: '127.0.0.1' }));
    t.same(await check.pubsub('NUMSUB', `early-${i}`), [`early-${i}`, 1], `attempt ${i}: still subscribed`);
    t.match(await check.client('LIST'), new RegExp(`name=sub-${i} [^\\n]*sub=1`), 'on its first connection');
    await closeClient(client);
  }
});

t.test(
  "with subscribingDuplicates, a duplicate that subscribes while it connects stays subscribed (a library's)",
  async (t) => {
    const redis = await startRedis(t);
    const client = track(t, createRedisClient(redis.url, { name: 'pub', subscribingDuplicates: true }));
    for (let i = 0; i < 5; i++) {
      // The streams adapter subscribes through a duplicate of the client it is given, when a namespace is built.
      const copy = track(t, client.duplicate());
      const subscribed = new Promise((resolve, reject) => {
        copy.once('connect', () => copy.subscribe(`copy-${i}`).then(resolve, reject));
      });
      await withTimeout(subscribed, undefined, 'SUBSCRIBE answered');
      t.same(await client.pubsub('NUMSUB', `copy-${i}`), [`copy-${i}`, 1], `attempt ${i}: still subscribed`);
      await closeClient(copy);
    }
  },
);

t.test(
  "without subscribingDuplicates, duplicates keep ioredis' ready check (commands wait for a loading Redis)",
  async (t) => {
    const redis = await startRedis(t);
    const plain = track(t, createRedisClient(redis.url));
    const copy = track(t, plain.duplicate());
    t.equal((copy as Redis).options.enableReadyCheck, true);
    const subscribing = track(t, createRedisClient(redis.url, { subscribingDuplicates: true }));
    const subscribingCopy = track(t, subscribing.duplicate());
    t.equal((subscribingCopy as Redis).options.enableReadyCheck, false, 'the option is what turns it off');
  },
);

t.test('several URLs (a comma list or an array) make a Redis Cluster client', async (t) => {
  const [a, b] = [await freePort(), await freePort()];
  for (const urls of [
    `redis://127.0.0.1:${a}, redis://127.0.0.1:${b}`,
    [`redis://127.0.0.1:${a}`, `redis://127.0.0.1:${b}`],
  ]) {
    const client = track(t, createRedisClient(urls));
    t.ok(client instanceof Cluster, `${JSON.stringify(urls)}: a Cluster client`);
    client.disconnect();
  }
});

t.test('a command while Redis is down fails after the retries instead of waiting for it', async (t) => {
  const redis = await startRedis(t);
  const client = track(t, createRedisClient(redis.url));
  await waitFor(client, 'ready');
  await redis.kill();
  await t.rejects(withTimeout(client.get('k'), 10_000, 'the failed GET'), /max retries per request/i);
  await redis.restart();
  await waitFor(client, 'ready', 10_000);
  t.equal(await client.get('k'), null, 'the client reconnected by itself');
});

t.test('closeClient quits a live client, and does not hang on one whose Redis is down', async (t) => {
  const redis = await startRedis(t);
  const live = track(t, createRedisClient(redis.url));
  await waitFor(live, 'ready');
  const ended = waitFor(live, 'end');
  await closeClient(live);
  await ended;
  t.equal(live.status, 'end', 'a live client ends');
  await withTimeout(closeClient(live), 1000, 'closeClient of an ended client');

  const orphan = track(t, createRedisClient(redis.url));
  await waitFor(orphan, 'ready');
  await redis.kill();
  await withTimeout(closeClient(orphan), 5000, 'closeClient during an outage');
  t.pass('closeClient resolves while Redis is down');
});

/** Counts the writes that reach a client's connection: one per uncork, whatever was written while corked. */
function countWrites(client: Redis): number[] {
  const stream = client.stream;
  const writes: number[] = [];
  const writev = stream._writev?.bind(stream);
  const write = stream._write.bind(stream);
  stream._writev = (chunks, cb) => {
    writes.push(chunks.length);
    writev!(chunks, cb);
  };
  stream._write = (chunk, encoding, cb) => {
    writes.push(1);
    write(chunk, encoding, cb);
  };
  return writes;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

t.test('coalesceWrites: the commands of one event-loop turn leave in one write, each with its own reply', async (t) => {
  const redis = await startRedis(t);
  const client = track(t, createRedisClient(redis.url, { coalesceWrites: true })) as Redis;
  await waitFor(client, 'ready');
  const stream = client.stream;
  const writes = countWrites(client);
  const replies = Array.from({ length: 50 }, (_, i) => client.set(`k${i}`, String(i)).then(() => client.get(`k${i}`)));
  t.equal(stream.writableCorked, 1, 'the connection is corked while the turn issues commands');
  t.same(
    await Promise.all(replies),
    Array.from({ length: 50 }, (_, i) => String(i)),
    'every command got its own reply',
  );
  t.equal(writes[0], 50, 'the 50 SETs of the first turn left in one write');
  // Redis answers the 50 SETs in one write, so their GETs are issued in one turn too (or a few, if split).
  t.ok(writes.length > 1 && writes.length <= 5, `the 50 GETs left in a few writes too (${writes.length - 1})`);
  t.equal(stream.writableCorked, 0, 'uncorked once the turn is over');

  const plain = track(t, createRedisClient(redis.url)) as Redis;
  await waitFor(plain, 'ready');
  void plain.ping();
  t.equal(plain.stream.writableCorked, 0, 'a client without the option writes each command at once');
  await plain.ping();
});

t.test('flushDelayMs: on a busy connection a write waits for the delay and takes what came meanwhile', async (t) => {
  const redis = await startRedis(t);
  // Long enough that the commands below all come within it of the first write on any machine.
  const client = track(t, createRedisClient(redis.url, { coalesceWrites: true, flushDelayMs: 2000 })) as Redis;
  await waitFor(client, 'ready');
  const writes = countWrites(client);

  const first = client.set('a', '1');
  await nextTurn();
  t.same(writes, [1], 'the first command of an idle connection leaves at the end of its turn');
  // Its reply cannot have come yet (no poll phase since the write): the connection is busy.
  const later: Promise<string | null>[] = [client.set('b', '2')];
  await nextTurn();
  t.equal(client.stream.writableCorked, 1, 'a command while a reply is awaited is held past its turn');
  later.push(client.set('c', '3'));
  await nextTurn();
  later.push(client.get('a'));
  t.same(writes, [1], 'nothing written while the delay runs');
  t.equal(await first, 'OK');
  t.same(await withTimeout(Promise.all(later), 10_000, 'the held commands'), ['OK', 'OK', '1'], 'each its own reply');
  t.same(writes, [1, 3], 'the three commands of three turns left in one write');
  t.equal(client.stream.writableCorked, 0, 'uncorked after the write');

  // A chain of dependent commands: each follows every earlier reply, so none waits.
  for (let i = 0; i < 3; i++) {
    const reply = client.incr('chain');
    await nextTurn();
    t.equal(writes.length, 3 + i, `step ${i + 1} of a chain leaves at the end of its turn`);
    t.equal(await reply, i + 1);
  }
});

t.test('coalesceWrites on a cluster client: each node connection coalesces its own commands', async (t) => {
  const cluster = await startRedisCluster(t);
  const client = track(t, createRedisClient(cluster.url, { coalesceWrites: true })) as Cluster;
  await waitFor(client, 'ready');
  const keys = Array.from({ length: 30 }, (_, i) => `key-${i}`);
  await Promise.all(keys.map((key, i) => client.set(key, String(i))));
  const nodes = client.nodes('master');
  t.equal(nodes.length, 3, 'three masters');
  const issued = keys.map((key) => client.get(key));
  // 30 keys over 3 masters: every master owns some (all miss one with a probability of about 2e-5).
  t.ok(
    nodes.every((node) => node.stream.writableCorked === 1),
    'each node connection is corked while the turn issues its commands',
  );
  t.same(
    await Promise.all(issued),
    keys.map((_, i) => String(i)),
    'each GET answered by the node that owns its key',
  );
  t.ok(
    nodes.every((node) => node.stream.writableCorked === 0),
    'every node connection uncorked once the turn is over',
  );
});
