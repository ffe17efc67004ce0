import t from 'tap';
import { Redis } from 'ioredis';
import { consumeIntents, type ConsumeOptions, type IntentConsumer, type IntentHandler } from '@gamesocket/emitter';
import { MemoryIntents } from '@gamesocket/presence';
import type { AnyIntentEntry, IntentSender } from '@gamesocket/protocol';
import { WAIT_MS, eventually, startRedis, type TapTest } from '@gamesocket/test-helpers';
import { memoryIntentWriter, redisIntentWriter, type IntentWriter } from '../src/intents/intent-stream.js';

/**
 * The client-intent seam, both ends: the socket service's `IntentWriter` and a backend's consumer-group reader
 * (the emitter's `consumeIntents`). One contract, run against the in-process streams of `memory` mode and
 * against Redis Streams on a real redis-server.
 */
interface IntentSeam {
  writer: IntentWriter;
  consume(options: ConsumeOptions, handler: IntentHandler): Promise<IntentConsumer>;
}

/** Makes an empty seam for one subtest. */
type SeamFactory = (t: TapTest) => Promise<IntentSeam>;

const MAX_LEN = 1000;
const SENDER: IntentSender = { userId: 'u-1', username: 'alice', socketId: 'sock-1', nodeId: 'node-1' };
// Short, so a retry comes soon; the claim is bounded by the same waits as everything else.
const CLAIM_IDLE_MS = 100;

/** What a consumer's handler saw, in order, with a bounded wait on it. */
function recorder(fail: (entry: AnyIntentEntry, seen: number) => boolean = () => false) {
  const seen: AnyIntentEntry[] = [];
  const handler: IntentHandler = (entry) => {
    const before = seen.filter((other) => other.id === entry.id).length;
    seen.push(entry);
    if (fail(entry, before)) throw new Error(`refused ${entry.id}`);
  };
  return {
    seen,
    handler,
    ids: () => seen.map((entry) => entry.id),
    until: (check: (ids: string[]) => boolean, what: string) =>
      eventually(() => check(seen.map((entry) => entry.id)), WAIT_MS, what),
  };
}

/** Appends `room:create` intents named `names`, in order; resolves their ids. */
async function appendRooms(writer: IntentWriter, names: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const name of names) ids.push(await writer.append('room:create', { name, maxPlayers: 2 }, SENDER));
  return ids;
}

function intentContract(t: TapTest, fresh: SeamFactory): void {
  /** Starts a consumer, stopped at teardown. */
  const start = async (t: TapTest, seam: IntentSeam, options: ConsumeOptions, handler: IntentHandler) => {
    const consumer = await seam.consume({ claimIdleMs: CLAIM_IDLE_MS, blockMs: 200, ...options }, handler);
    t.teardown(() => consumer.stop());
    return consumer;
  };

  t.test('an appended intent reaches a consumer as the writer stamped it, under the id it returned', async (t) => {
    const seam = await fresh(t);
    const rec = recorder();
    await start(t, seam, { domain: 'room', group: 'g', consumer: 'c' }, rec.handler);
    const before = Date.now();
    const id = await seam.writer.append('room:create', { name: 'table', maxPlayers: 3 }, SENDER);
    const after = Date.now();
    t.match(id, /^\d+-\d+$/, 'a stream entry id');
    await rec.until((ids) => ids.includes(id), 'the intent to be consumed');
    const [entry] = rec.seen;
    t.same(entry, {
      id,
      event: 'room:create',
      payload: { name: 'table', maxPlayers: 3 },
      sender: SENDER,
      timestamp: entry?.timestamp,
    });
    t.ok(entry !== undefined && entry.timestamp >= before && entry.timestamp <= after, 'stamped when appended');
  });

  t.test("a domain's intents arrive in append order, with growing ids; other domains' are not in it", async (t) => {
    const seam = await fresh(t);
    const rooms = recorder();
    const matches = recorder();
    await start(t, seam, { domain: 'room', group: 'g', consumer: 'c' }, rooms.handler);
    await start(t, seam, { domain: 'match', group: 'g', consumer: 'c' }, matches.handler);
    const roomIds = await appendRooms(seam.writer, ['a', 'b']);
    const matchId = await seam.writer.append('match:start', { roomId: '7' }, SENDER);
    roomIds.push(...(await appendRooms(seam.writer, ['c'])));
    await rooms.until((ids) => ids.length >= 3, 'the room intents');
    await matches.until((ids) => ids.length >= 1, 'the match intent');
    t.same(rooms.ids(), roomIds, 'room intents, in order');
    t.same(
      rooms.seen.map((entry) => (entry.payload as { name: string }).name),
      ['a', 'b', 'c'],
    );
    t.same(matches.ids(), [matchId], 'the match intent only');
    t.same(matches.seen[0]?.payload, { roomId: '7' });
    const sorted = [...roomIds].sort((x, y) => {
      const [xm, xs] = x.split('-').map(Number) as [number, number];
      const [ym, ys] = y.split('-').map(Number) as [number, number];
      return xm - ym || xs - ys;
    });
    t.same(sorted, roomIds, 'ids grow in append order');
  });

  t.test('every group gets every intent; the consumers of one group share them, each once', async (t) => {
    const seam = await fresh(t);
    const first = recorder();
    const second = recorder();
    const shared = [recorder(), recorder()];
    await start(t, seam, { domain: 'room', group: 'first', consumer: 'c' }, first.handler);
    await start(t, seam, { domain: 'room', group: 'second', consumer: 'c' }, second.handler);
    for (const [i, rec] of shared.entries()) {
      await start(t, seam, { domain: 'room', group: 'shared', consumer: `c${i}` }, rec.handler);
    }
    const ids = await appendRooms(
      seam.writer,
      Array.from({ length: 12 }, (_, i) => `r${i}`),
    );
    await first.until((seen) => seen.length >= ids.length, 'group first to get all');
    await second.until((seen) => seen.length >= ids.length, 'group second to get all');
    const sharedIds = (): string[] => shared.flatMap((rec) => rec.ids());
    await eventually(() => sharedIds().length >= ids.length, WAIT_MS, 'group shared to get all');
    t.same(first.ids(), ids, 'one group: all, in order');
    t.same(second.ids(), ids, 'another group: all, in order');
    t.same([...sharedIds()].sort(), [...ids].sort(), 'two consumers of one group: every intent once between them');
  });

  t.test(
    'a handler that throws is told to onError and gets the intent again; once it resolves, never again',
    async (t) => {
      const seam = await fresh(t);
      const errors: [unknown, string | undefined][] = [];
      // The first delivery of each intent fails.
      const rec = recorder((_, seen) => seen === 0);
      await start(
        t,
        seam,
        { domain: 'room', group: 'g', consumer: 'c', onError: (err, entry) => errors.push([err, entry?.id]) },
        rec.handler,
      );
      const [id] = await appendRooms(seam.writer, ['flaky']);
      await rec.until((ids) => ids.filter((seen) => seen === id).length >= 2, 'the retry');
      t.equal(errors.length, 1, 'onError was told once');
      t.match(errors[0], [{ message: `refused ${id}` }, id], 'with the error and the entry');
      t.same(rec.seen[1], rec.seen[0], 'the same entry again');
      // A later intent is handled after the retry succeeded; the acknowledged one does not come back.
      const [marker] = await appendRooms(seam.writer, ['marker']);
      await rec.until(
        (ids) => ids.filter((seen) => seen === marker).length >= 2,
        'the marker, failed once then retried',
      );
      t.equal(rec.ids().filter((seen) => seen === id).length, 2, 'handled twice in all: refused, then acknowledged');
    },
  );

  t.test("a new group starts at the beginning by default, at the end with startId '$'", async (t) => {
    const seam = await fresh(t);
    const early = await appendRooms(seam.writer, ['before-1', 'before-2']);
    const fromStart = recorder();
    const fromEnd = recorder();
    await start(t, seam, { domain: 'room', group: 'all', consumer: 'c' }, fromStart.handler);
    await start(t, seam, { domain: 'room', group: 'new', consumer: 'c', startId: '$' }, fromEnd.handler);
    const late = await appendRooms(seam.writer, ['after']);
    await fromStart.until((ids) => ids.length >= 3, 'the default group to get all three');
    await fromEnd.until((ids) => ids.length >= 1, "the '$' group to get the new one");
    t.same(fromStart.ids(), [...early, ...late]);
    t.same(fromEnd.ids(), late);
  });

  t.test('a stopped consumer gets nothing more; the next consumer of its group picks up from there', async (t) => {
    const seam = await fresh(t);
    const gone = recorder();
    const consumer = await seam.consume({ domain: 'room', group: 'g', consumer: 'c1', blockMs: 200 }, gone.handler);
    const [first] = await appendRooms(seam.writer, ['first']);
    await gone.until((ids) => ids.length >= 1, 'the first intent');
    await consumer.stop();
    const [second] = await appendRooms(seam.writer, ['second']);
    const next = recorder();
    await start(t, seam, { domain: 'room', group: 'g', consumer: 'c2' }, next.handler);
    await next.until((ids) => ids.length >= 1, 'the second intent, to the next consumer');
    t.same(gone.ids(), [first], 'the stopped consumer had only the first');
    t.same(next.ids(), [second], 'the next one only the second (the first was acknowledged)');
  });
}

t.test('memory: MemoryIntents, as memory mode runs it', async (t) => {
  t.test('with no backend in the process reading a domain, its intents answer UNAVAILABLE', async (t) => {
    const writer = memoryIntentWriter(new MemoryIntents(MAX_LEN));
    await t.rejects(appendRooms(writer, ['unread']), { code: 'UNAVAILABLE' });
  });
  intentContract(t, async () => {
    const intents = new MemoryIntents(MAX_LEN);
    // A backend in the process reads both domains (as `npm start`'s demo does): its group exists from now on.
    for (const domain of ['room', 'match'] as const) {
      await intents.consume({ domain, group: 'backend', consumer: 'b' }, () => undefined).stop();
    }
    return {
      writer: memoryIntentWriter(intents),
      consume: async (options, handler) => intents.consume(options, handler),
    };
  });
});

t.test('redis: Redis Streams on a real redis-server', async (t) => {
  const redis = await startRedis(t);
  const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  t.teardown(() => client.quit());
  intentContract(t, async () => {
    // One server: each subtest starts from an empty one.
    await client.flushall();
    return {
      // A failed append rejects the append itself: the subtest fails there.
      writer: redisIntentWriter(client, MAX_LEN, () => undefined),
      consume: (options, handler) => consumeIntents(client, options, handler),
    };
  });
});
