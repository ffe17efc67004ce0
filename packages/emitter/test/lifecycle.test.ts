import t from 'tap';
import {
  consumeLifecycle,
  createEmitter,
  type RedisEmitter,
  type LifecycleConsumeOptions,
  type LifecycleHandler,
  type LifecycleSource,
  type RedisClient,
} from '@gamesocket/emitter';
import {
  encodeLifecycleFields,
  LifecycleDecodeError,
  presenceKeys,
  shardOf,
  type LifecycleData,
  type LifecycleEntry,
  type LifecycleEvent,
} from '@gamesocket/protocol';
import { eventually, startRedis, startRedisCluster, withTimeout, type TapTest } from '@gamesocket/test-helpers';

const NODE_ID = 'lifecycle-pod';
const SHARDS = 4;

/** What a consumer's handler saw, in order; `key` is `<shard>/<id>` (ids are unique per shard only). */
interface Recorded {
  seen: { key: string; entry: LifecycleEntry; source: LifecycleSource }[];
  keys(): string[];
  stop(): Promise<void>;
}

const streamOf = (shard: number, prefix: string): string => presenceKeys.lifecycle(presenceKeys.shard(shard, prefix));
const sorted = (keys: readonly string[]): string[] => [...keys].sort();

for (const mode of ['standalone', '3-master cluster'] as const) {
  t.test(`consumeLifecycle on a ${mode} Redis`, async (t) => {
    const url = mode === 'standalone' ? (await startRedis(t)).url : (await startRedisCluster(t)).url;
    let run = 0;

    /** An emitter on its own presence prefix (so tests share the server without meeting), closed at teardown. */
    async function feed(t: TapTest, presence: { prefix?: string; shards?: number } = {}) {
      const prefix = presence.prefix ?? `lc${run++}`;
      const shards = presence.shards ?? SHARDS;
      const emitter: RedisEmitter = await createEmitter({ redis: url, mode: 'redis', presence: { prefix, shards } });
      t.teardown(() => emitter.close());
      const redis: RedisClient = emitter.redis;
      const stream = (shard: number): string => streamOf(shard, prefix);
      /** Appends a well-formed entry as the pods' scripts do; resolves with its `<shard>/<id>` key. */
      const append = async (
        shard: number,
        event: LifecycleEvent = 'player:online',
        data: LifecycleData = { userId: `u${shard}`, username: `U${shard}` },
      ): Promise<string> => {
        const id = await redis.xadd(
          stream(shard),
          '*',
          ...encodeLifecycleFields({ event, data, nodeId: NODE_ID, ts: 1 }),
        );
        return `${shard}/${id}`;
      };
      /** Appends raw fields (a malformed entry); resolves with its id. */
      const appendRaw = async (shard: number, fields: string[]): Promise<string> =>
        (await redis.xadd(stream(shard), '*', ...fields)) ?? '';
      const pending = async (group: string): Promise<number> => {
        let total = 0;
        for (let shard = 0; shard < shards; shard++) {
          total += Number(((await redis.xpending(stream(shard), group)) as [number, ...unknown[]])[0]);
        }
        return total;
      };
      /** Starts a consumer that records every entry its handler gets; stopped at teardown. */
      const consume = async (
        t: TapTest,
        options: LifecycleConsumeOptions,
        handler: LifecycleHandler = () => undefined,
      ): Promise<Recorded> => {
        const seen: Recorded['seen'] = [];
        const consumer = await emitter.consumeLifecycle({ blockMs: 100, pollMs: 20, ...options }, async (e, s) => {
          seen.push({ key: `${s.shard}/${e.id}`, entry: e, source: s });
          await handler(e, s);
        });
        t.teardown(() => consumer.stop());
        return { seen, keys: () => seen.map((r) => r.key), stop: () => consumer.stop() };
      };
      return { emitter, redis, prefix, shards, stream, append, appendRaw, pending, consume };
    }

    t.test('entries of every shard reach one consumer, each once, decoded, and are acknowledged', async (t) => {
      // The defaults, as the pods write them: gamesocket:{p0}:lifecycle … gamesocket:{p15}:lifecycle.
      const emitter = await createEmitter({ redis: url, mode: 'redis' });
      t.teardown(() => emitter.close());
      const { redis } = emitter;
      const expected: string[] = [];
      const append = async (shard: number, event: LifecycleEvent, data: LifecycleData): Promise<void> => {
        const id = await redis.xadd(
          `gamesocket:{p${shard}}:lifecycle`,
          '*',
          ...encodeLifecycleFields({ event, data, nodeId: NODE_ID, ts: 1_700_000_000_000 + shard }),
        );
        expected.push(`${shard}/${id}`);
      };
      for (let shard = 0; shard < 16; shard++) await append(shard, 'player:online', { userId: `u${shard}` });
      // Streams that are not the feed: a shard beyond the count, another prefix.
      await redis.xadd(
        'gamesocket:{p16}:lifecycle',
        '*',
        ...encodeLifecycleFields({ event: 'player:online', data: {}, nodeId: NODE_ID, ts: 1 }),
      );
      await redis.xadd(
        'other:{p0}:lifecycle',
        '*',
        ...encodeLifecycleFields({ event: 'player:online', data: {}, nodeId: NODE_ID, ts: 1 }),
      );

      const seen: { key: string; entry: LifecycleEntry; source: LifecycleSource }[] = [];
      const consumer = await emitter.consumeLifecycle(
        { group: 'all', consumer: 'c1', blockMs: 100, pollMs: 20 },
        (entry, source) => {
          seen.push({ key: `${source.shard}/${entry.id}`, entry, source });
        },
      );
      t.teardown(() => consumer.stop());
      await eventually(() => seen.length >= 16, 10_000, 'the backlog of 16 shards');
      // Live entries, three in one shard, in order.
      await append(3, 'room:player_joined', { userId: 'u3', username: 'U3', room: 'room:42' });
      await append(3, 'room:player_left', { userId: 'u3', room: 'room:42', reason: 'kicked' });
      await append(7, 'room:emptied', { room: 'room:42' });
      await append(3, 'player:offline', { userId: 'u3' });
      await eventually(() => seen.length >= expected.length, 10_000, 'the live entries');

      const keys = seen.map((r) => r.key);
      t.same(sorted(keys), sorted(expected), 'every entry of every shard, each once, nothing else');
      t.same(
        keys.filter((key) => key.startsWith('3/')),
        expected.filter((key) => key.startsWith('3/')),
        'one shard in stream order',
      );
      const left = seen.find((r) => r.entry.event === 'room:player_left');
      t.same(left?.entry, {
        id: left?.entry.id,
        event: 'room:player_left',
        data: { userId: 'u3', room: 'room:42', reason: 'kicked' },
        nodeId: NODE_ID,
        ts: 1_700_000_000_003,
      });
      t.same(left?.source, { shard: 3, stream: 'gamesocket:{p3}:lifecycle' }, 'its source');
      t.same(
        seen.find((r) => r.entry.event === 'room:emptied')?.entry.data,
        { room: 'room:42' },
        'a room event without a user',
      );
      await eventually(
        async () => {
          for (let shard = 0; shard < 16; shard++) {
            const [count] = (await redis.xpending(`gamesocket:{p${shard}}:lifecycle`, 'all')) as [number];
            if (Number(count) !== 0) return false;
          }
          return true;
        },
        5000,
        'nothing pending on any shard',
      );
      t.same(await redis.xinfo('GROUPS', 'gamesocket:{p16}:lifecycle'), [], 'no group on a shard beyond the count');
      t.same(await redis.xinfo('GROUPS', 'other:{p0}:lifecycle'), [], 'nor on another prefix');
      await withTimeout(consumer.stop(), 5000, 'stop()');
    });

    t.test('the transitions the emitter makes reach the feed as the presence scripts write them', async (t) => {
      const prefix = `scripts${run++}`;
      const emitter = await createEmitter({
        redis: url,
        mode: 'redis',
        presence: { prefix, shards: SHARDS },
        nodeId: 'emitter-under-test',
      });
      t.teardown(() => emitter.close());
      const seen: { entry: LifecycleEntry; source: LifecycleSource }[] = [];
      const consumer = await emitter.consumeLifecycle(
        { group: 'scripts', consumer: 'c1', startId: '$', blockMs: 100, pollMs: 20 },
        (entry, source) => {
          seen.push({ entry, source });
        },
      );
      t.teardown(() => consumer.stop());
      const since = Date.now() - 60_000;
      await emitter.joinRoom({ userId: 'ann', rooms: 'room:7', username: 'Ann' });
      await emitter.joinRoom({ userId: 'bob', rooms: 'room:7', username: 'Bob' });
      await emitter.leaveRoom({ userId: 'ann', rooms: 'room:7' });
      await emitter.closeRoom('room:7');
      await eventually(() => seen.length >= 5, 10_000, 'five transitions');
      const summary = seen.map(({ entry, source }) => ({ event: entry.event, data: entry.data, shard: source.shard }));
      const ann = shardOf('ann', SHARDS);
      const bob = shardOf('bob', SHARDS);
      t.same(
        [...summary].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
        [
          { event: 'room:emptied', data: { room: 'room:7' }, shard: shardOf('room:7', SHARDS) },
          { event: 'room:player_joined', data: { userId: 'ann', username: 'Ann', room: 'room:7' }, shard: ann },
          { event: 'room:player_joined', data: { userId: 'bob', username: 'Bob', room: 'room:7' }, shard: bob },
          { event: 'room:player_left', data: { userId: 'ann', room: 'room:7', reason: 'kicked' }, shard: ann },
          { event: 'room:player_left', data: { userId: 'bob', room: 'room:7', reason: 'closed' }, shard: bob },
        ].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
        'each transition once, in its shard, decoded',
      );
      t.ok(
        seen.every(({ entry }) => entry.nodeId === 'emitter-under-test' && entry.ts > since),
        'stamped with the emitter and Redis time',
      );
      t.same(
        summary.filter((e) => e.data.userId === 'ann').map((e) => e.event),
        ['room:player_joined', 'room:player_left'],
        "one user's transitions in order",
      );
    });

    t.test('two consumers of one group share the work, never the same entry', async (t) => {
      const f = await feed(t);
      // Simulated work, so the other consumer gets a turn.
      const work = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));
      const w1 = await f.consume(t, { group: 'shared', consumer: 'w1', count: 1 }, work);
      const w2 = await f.consume(t, { group: 'shared', consumer: 'w2', count: 1 }, work);
      const expected: string[] = [];
      for (let i = 0; i < 40; i++) expected.push(await f.append(i % f.shards));
      await eventually(() => w1.seen.length + w2.seen.length >= expected.length, 10_000, 'every entry handled');
      await eventually(async () => (await f.pending('shared')) === 0, 5000, 'everything acknowledged');
      t.same(sorted([...w1.keys(), ...w2.keys()]), sorted(expected), 'each entry handled once by the group');
      t.same(
        w1.keys().filter((key) => w2.keys().includes(key)),
        [],
        'no entry handled by both',
      );
      t.ok(w1.seen.length > 0 && w2.seen.length > 0, `both worked (${w1.seen.length} + ${w2.seen.length})`);
    });

    t.test('entries a dead consumer read and never acknowledged are claimed after claimIdleMs', async (t) => {
      const f = await feed(t);
      const expected: string[] = [];
      for (let shard = 0; shard < f.shards; shard++) {
        await f.redis.xgroup('CREATE', f.stream(shard), 'rescue', '0', 'MKSTREAM');
        expected.push(await f.append(shard), await f.append(shard));
      }
      // A consumer that takes every entry (one stream at a time, as on a Cluster) and dies before acknowledging.
      for (let shard = 0; shard < f.shards; shard++) {
        await f.redis.xreadgroup('GROUP', 'rescue', 'ghost', 'COUNT', 10, 'STREAMS', f.stream(shard), '>');
      }
      t.equal(await f.pending('rescue'), expected.length, 'all pending, owned by the dead consumer');
      const rescuer = await f.consume(t, { group: 'rescue', consumer: 'r1', claimIdleMs: 200 });
      await eventually(() => rescuer.seen.length >= expected.length, 10_000, 'every entry claimed');
      await eventually(async () => (await f.pending('rescue')) === 0, 5000, 'acknowledged');
      t.same(sorted(rescuer.keys()), sorted(expected), 'each entry of every shard, once');
    });

    t.test('stop() mid-handler waits for it; another consumer claims what it left pending', async (t) => {
      const f = await feed(t);
      let release: (err: Error) => void = () => undefined;
      const gate = new Promise<never>((_, reject) => {
        release = reject;
      });
      let started: () => void = () => undefined;
      const inHandler = new Promise<void>((resolve) => {
        started = resolve;
      });
      const expected: string[] = [];
      for (let shard = 0; shard < f.shards; shard++) expected.push(await f.append(shard));
      const c1 = await f.consume(t, { group: 'handoff', consumer: 'c1' }, async () => {
        started();
        await gate;
      });
      await withTimeout(inHandler, 5000, 'c1 in its first handler');
      let stopped = false;
      const stopping = c1.stop().then(() => {
        stopped = true;
      });
      await new Promise((resolve) => setImmediate(resolve));
      t.notOk(stopped, 'stop() waits for the handler in progress');
      release(new Error('c1 crashed mid-handler'));
      await withTimeout(stopping, 5000, 'c1.stop()');
      t.equal(c1.seen.length, 1, 'c1 handled nothing after stop()');
      t.ok((await f.pending('handoff')) >= 1, 'entries left pending');

      const c2 = await f.consume(t, { group: 'handoff', consumer: 'c2', claimIdleMs: 200 });
      await eventually(() => expected.every((key) => c2.keys().includes(key)), 10_000, 'c2 has every entry');
      await eventually(async () => (await f.pending('handoff')) === 0, 5000, 'nothing pending');
      t.same(sorted(c2.keys()), sorted(expected), 'each entry handled once by c2');
      const late = await f.append(1);
      await eventually(() => c2.keys().includes(late), 5000, 'a new entry');
      t.equal(c1.seen.length, 1, 'a stopped consumer reads nothing more');
    });

    t.test('a handler that throws leaves the entry pending; it is handled again after claimIdleMs', async (t) => {
      const f = await feed(t);
      const attempts = new Map<string, number>();
      const errors: { err: unknown; key: string }[] = [];
      const retry = await f.consume(
        t,
        {
          group: 'retry',
          consumer: 'r1',
          claimIdleMs: 200,
          onError: (err, entry, source) => errors.push({ err, key: `${source?.shard}/${entry?.id}` }),
        },
        (entry, source) => {
          const key = `${source.shard}/${entry.id}`;
          const n = (attempts.get(key) ?? 0) + 1;
          attempts.set(key, n);
          if (n === 1) throw new Error(`first attempt of ${key} fails`);
        },
      );
      const expected = [await f.append(0), await f.append(2)];
      await eventually(() => expected.every((key) => attempts.get(key) === 2), 10_000, 'each entry retried once');
      await eventually(async () => (await f.pending('retry')) === 0, 5000, 'acknowledged after the retry');
      t.same(sorted(retry.keys()), sorted([...expected, ...expected]), 'two attempts each: fail, then succeed');
      t.same(sorted(errors.map((e) => e.key)), sorted(expected), 'onError got each failing entry and its source');
      t.match(errors[0]?.err, { message: /first attempt of .* fails/ });
    });

    t.test('a malformed entry is reported, acknowledged and skipped; the entries after it are handled', async (t) => {
      const f = await feed(t);
      const valid = encodeLifecycleFields({ event: 'player:offline', data: { userId: 'u1' }, nodeId: NODE_ID, ts: 5 });
      const good1 = await f.append(0);
      const missing = await f.appendRaw(0, valid.slice(0, 4).concat('ts', '5')); // no nodeId
      const badJson = await f.appendRaw(0, ['event', 'player:offline', 'data', '{oops', 'nodeId', NODE_ID, 'ts', '5']);
      const good2 = await f.append(0, 'player:offline', { userId: 'u1' });
      const unknown = await f.appendRaw(1, ['event', 'player:teleported', ...valid.slice(2)]);
      const good3 = await f.append(1, 'room:emptied', { room: 'room:7' });
      const errors: { err: unknown; entry?: LifecycleEntry; source?: LifecycleSource }[] = [];
      const c = await f.consume(t, {
        group: 'decode',
        consumer: 'd1',
        claimIdleMs: 200,
        onError: (err, entry, source) => errors.push({ err, entry, source }),
      });
      await eventually(() => c.keys().includes(good2) && c.keys().includes(good3), 5000, 'the well-formed entries');
      await eventually(async () => (await f.pending('decode')) === 0, 5000, 'the malformed ones acknowledged too');
      t.same(sorted(c.keys()), sorted([good1, good2, good3]), 'the handler saw only the well-formed entries');
      t.ok(
        errors.every(({ err }) => err instanceof LifecycleDecodeError),
        'each a LifecycleDecodeError',
      );
      const byKey = new Map(errors.map((e) => [`${e.source?.shard}/${(e.err as LifecycleDecodeError).entryId}`, e]));
      t.match(byKey.get(`0/${missing}`), { err: { message: /missing field "nodeId"/ } }, 'missing field');
      t.match(byKey.get(`0/${badJson}`), { err: { message: /data is not JSON/ } }, 'bad JSON');
      t.match(byKey.get(`1/${unknown}`), { err: { message: /not a lifecycle event/ } }, 'unknown event');
      t.same(
        errors.map((e) => e.entry),
        [undefined, undefined, undefined],
        'reported once each (none is pending, so none comes back), with no entry',
      );
      t.same(errors.find((e) => e.source?.shard === 1)?.source, { shard: 1, stream: f.stream(1) }, 'with the stream');
    });

    t.test('two groups each get every entry; the standalone consumeLifecycle reads the same feed', async (t) => {
      const f = await feed(t, { prefix: `groups${run++}`, shards: 3 });
      const a = await f.consume(t, { group: 'a', consumer: 'c' });
      const seenB: string[] = [];
      const b = await consumeLifecycle(
        f.redis,
        { prefix: f.prefix, shards: 3, group: 'b', consumer: 'c', blockMs: 100, pollMs: 20 },
        (entry, source) => {
          seenB.push(`${source.shard}/${entry.id}`);
        },
      );
      t.teardown(() => b.stop());
      const expected: string[] = [];
      for (let i = 0; i < 9; i++) expected.push(await f.append(i % 3));
      await eventually(() => a.seen.length >= 9 && seenB.length >= 9, 10_000, 'both groups');
      t.same(sorted(a.keys()), sorted(expected), 'group a: every entry once');
      t.same(sorted(seenB), sorted(expected), 'group b: every entry once');
      await eventually(async () => (await f.pending('a')) + (await f.pending('b')) === 0, 5000, 'both acknowledged');
      await t.rejects(
        consumeLifecycle(f.redis, { group: 'x', consumer: 'c', shards: 0 }, () => undefined),
        RangeError,
        'a shard count below 1 is refused',
      );
    });

    t.test('stop() ends an idle consumer at once (blocked in a read, or between polls)', async (t) => {
      const f = await feed(t);
      // Appended first: a polling consumer that found nothing would not look again for 30 s.
      const key = await f.append(2);
      const idle = await f.consume(t, { group: 'idle', consumer: 'i1', blockMs: 30_000, pollMs: 30_000 });
      await eventually(() => idle.keys().includes(key), 5000, 'an entry');
      await eventually(async () => (await f.pending('idle')) === 0, 5000, 'acknowledged');
      await withTimeout(idle.stop(), 2000, 'stop() while idle');
      t.pass('stopped');
    });
  });
}

t.test('a consumer outlives a Redis restarted empty: the group is made again and new entries arrive', async (t) => {
  const redis = await startRedis(t);
  const emitter = await createEmitter({ redis: redis.url, mode: 'redis', presence: { shards: 2 } });
  t.teardown(() => emitter.close());
  const seen: string[] = [];
  const errors: unknown[] = [];
  const consumer = await emitter.consumeLifecycle(
    { group: 'g', consumer: 'c', blockMs: 100, onError: (err) => errors.push(err) },
    (entry) => {
      seen.push(entry.data.userId ?? '');
    },
  );
  t.teardown(() => consumer.stop());
  const append = (userId: string) =>
    emitter.redis.xadd(
      streamOf(shardOf(userId, 2), 'gamesocket'),
      '*',
      ...encodeLifecycleFields({ event: 'player:online', data: { userId }, nodeId: NODE_ID, ts: 1 }),
    );
  await append('before');
  await eventually(() => seen.includes('before'), 5000, 'the first entry');
  await redis.kill();
  await redis.restart();
  // The pods append again into fresh streams; the consumer's group no longer exists there.
  await eventually(
    async () => {
      try {
        await append('after');
        return true;
      } catch {
        return false;
      }
    },
    10_000,
    'redis back',
  );
  await eventually(() => seen.includes('after'), 10_000, 'the entry after the restart');
  t.ok(
    errors.some((err) => String(err).includes('NOGROUP')),
    'the missing group was reported once it was noticed',
  );
  t.same(
    seen.filter((userId) => userId === 'after'),
    ['after'],
    'handled once',
  );
});
