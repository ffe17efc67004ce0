import t from 'tap';
import { Redis } from 'ioredis';
import {
  createEmitter,
  createRoomTicket,
  type ConsumeOptions,
  type GameEmitter,
  type IntentHandler,
} from '@gamesocket/emitter';
import { encodeIntentFields, IntentDecodeError, type IntentEntry, type IntentSender } from '@gamesocket/protocol';
import {
  TEST_SECRET,
  connectClient,
  eventually,
  mintToken,
  request,
  startRedis,
  startService,
  withTimeout,
  type ConnectedClient,
  type TapTest,
} from '@gamesocket/test-helpers';

const ROOM_STREAM = 'gamesocket:intents:room';
const MATCH_STREAM = 'gamesocket:intents:match';
const NODE_ID = 'intents-pod';

/** A consumer under test and what its handler saw, in order. */
interface Recorded {
  seen: IntentEntry[];
  ids(): string[];
  stop(): Promise<void>;
}

t.test('consumeIntents against a redis-mode service', async (t) => {
  const redis = await startRedis(t);
  const service = await startService(t, { REDIS_URL: redis.url, ADAPTER: 'redis', NODE_ID });
  const emitter: GameEmitter = await createEmitter({ redis: redis.url, mode: 'redis' });
  t.teardown(() => emitter.close());
  const reader = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  t.teardown(() => reader.disconnect());

  const alice = await connectClient(t, service.url, { token: await mintToken({ sub: 'alice', username: 'Alice' }) });
  const bob = await connectClient(t, service.url, { token: await mintToken({ sub: 'bob', username: 'Bob' }) });
  const senderOf = (client: ConnectedClient): IntentSender => ({
    userId: client.connected.user?.userId ?? '',
    username: client.connected.user?.username ?? '',
    socketId: client.connected.socketId,
    nodeId: NODE_ID,
  });

  /** Sends an intent and returns its stream id (the ack's data.id); throws when refused. */
  async function intent(client: ConnectedClient, event: string, payload: unknown): Promise<string> {
    const ack = await request<{ id: string }>(client.socket, event, payload);
    if (!ack.ok || ack.data === undefined) throw new Error(`${event} refused: ${JSON.stringify(ack)}`);
    return ack.data.id;
  }
  const create = (client: ConnectedClient, name: string): Promise<string> => intent(client, 'room:create', { name });
  const streamIds = async (stream = ROOM_STREAM): Promise<string[]> =>
    (await reader.xrange(stream, '-', '+')).map(([id]) => id);
  const pending = async (group: string, stream = ROOM_STREAM): Promise<number> =>
    Number(((await reader.xpending(stream, group)) as [number, ...unknown[]])[0]);

  /** Starts a consumer that records every entry its handler is called with; stopped at teardown. */
  async function consume(
    t: TapTest,
    options: Omit<ConsumeOptions, 'domain'> & { domain?: ConsumeOptions['domain'] },
    handler: IntentHandler = () => undefined,
  ): Promise<Recorded> {
    const seen: IntentEntry[] = [];
    const consumer = await emitter.consumeIntents({ domain: 'room', blockMs: 100, ...options }, async (entry) => {
      seen.push(entry);
      await handler(entry);
    });
    t.teardown(() => consumer.stop());
    return { seen, ids: () => seen.map((e) => e.id), stop: () => consumer.stop() };
  }

  const byName = new Map<string, string>();

  t.test('each accepted intent reaches a group exactly once, with the sender; a later group gets all', async (t) => {
    // Appended before any consumer exists: the group is created at '0' and still gets them.
    for (const [client, name] of [
      [alice, 'a1'],
      [bob, 'b1'],
      [alice, 'a2'],
    ] as const) {
      byName.set(name, await create(client, name));
    }
    const forged = await request(alice.socket, 'room:create', { name: 'forged', userId: 'admin' });
    t.equal(forged.ok ? 'ok' : forged.error.code, 'INVALID_PAYLOAD', 'a refused intent is never appended');

    const g1 = await consume(t, { group: 'g1', consumer: 'c1' });
    await eventually(() => g1.seen.length >= 3, 5000, 'the backlog');

    t.same(
      await request(alice.socket, 'room:join', {
        roomId: '42',
        ticket: await createRoomTicket({ userId: 'alice', room: 'room:42', secret: TEST_SECRET }),
      }),
      {
        ok: true,
        data: { room: 'room:42', members: [{ userId: 'alice', username: 'Alice', online: true, connections: 1 }] },
      },
      'alice joins room:42 (the ack lists its members)',
    );
    const chatId = await intent(alice, 'room:chat_message', { roomId: '42', text: 'ready?' });
    const readyId = await intent(bob, 'room:create', { name: 'b2', maxPlayers: 4, settings: { map: 'dust' } });
    const matchId = await intent(alice, 'match:start', { roomId: '42' });
    const marker = await create(bob, 'marker-1');
    await eventually(() => g1.ids().includes(marker), 5000, 'the marker');

    const all = await streamIds();
    t.same(all, [byName.get('a1'), byName.get('b1'), byName.get('a2'), chatId, readyId, marker], 'the stream');
    t.same(g1.ids(), all, 'every entry once, in stream order');
    // Entry ids are per stream (ms-seq): the match entry may share an id with a room entry, so compare events.
    t.same(
      g1.seen.filter((e) => !e.event.startsWith('room:')),
      [],
      'a match intent is not in the room domain',
    );

    const [a1, b1] = g1.seen;
    t.same(a1, {
      id: byName.get('a1'),
      event: 'room:create',
      payload: { name: 'a1' },
      sender: senderOf(alice),
      timestamp: a1?.timestamp,
    });
    t.ok(typeof a1?.timestamp === 'number' && a1.timestamp > Date.now() - 60_000, 'a recent epoch ms timestamp');
    t.same(b1?.sender, senderOf(bob), 'bob stamped as bob');
    const chat = g1.seen.find((e) => e.id === chatId);
    t.match(chat, { event: 'room:chat_message', payload: { roomId: '42', text: 'ready?' }, sender: senderOf(alice) });
    t.same(g1.seen.find((e) => e.id === readyId)?.payload, { name: 'b2', maxPlayers: 4, settings: { map: 'dust' } });
    await eventually(async () => (await pending('g1')) === 0, 5000, 'g1 acknowledged everything');

    const g2 = await consume(t, { group: 'g2', consumer: 'c1' });
    await eventually(() => g2.ids().includes(marker), 5000, 'g2 catching up');
    t.same(g2.ids(), all, 'a second group gets every intent too');

    const matches = await consume(t, { domain: 'match', group: 'g1', consumer: 'c1' });
    await eventually(() => matches.seen.length >= 1, 5000, 'the match intent');
    t.match(matches.seen, [{ id: matchId, event: 'match:start', payload: { roomId: '42' }, sender: senderOf(alice) }]);
    t.same(await streamIds(MATCH_STREAM), [matchId]);

    const marker2 = await create(alice, 'marker-2');
    await eventually(() => g1.ids().includes(marker2) && g2.ids().includes(marker2), 5000, 'marker 2 in both');
    t.same(g1.ids(), [...all, marker2], 'g1: nothing twice');
    t.same(g2.ids(), [...all, marker2], 'g2: nothing twice');
  });

  t.test('two consumers in one group share the work', async (t) => {
    // Simulated work, so the other consumer gets a turn.
    const work = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));
    const w1 = await consume(t, { group: 'shared', consumer: 'w1', count: 1 }, work);
    const w2 = await consume(t, { group: 'shared', consumer: 'w2', count: 1 }, work);
    for (let i = 0; i < 20; i++) await create(i % 2 ? alice : bob, `shared-${i}`);
    const expected = await streamIds();
    await eventually(() => w1.seen.length + w2.seen.length >= expected.length, 10_000, 'every entry handled');
    await eventually(async () => (await pending('shared')) === 0, 5000, 'everything acknowledged');
    const handled = [...w1.ids(), ...w2.ids()].sort();
    t.same(handled, [...expected].sort(), 'each entry handled once by the group');
    t.same(
      w1.ids().filter((id) => w2.ids().includes(id)),
      [],
      'no entry handled by both',
    );
    t.ok(w1.seen.length > 0 && w2.seen.length > 0, `both worked (${w1.seen.length} + ${w2.seen.length})`);
  });

  t.test('a handler that throws leaves the entry pending; it is claimed again after claimIdleMs', async (t) => {
    const attempts = new Map<string, number>();
    const errors: (string | undefined)[] = [];
    const retry = await emitter.consumeIntents(
      {
        domain: 'room',
        group: 'retry',
        consumer: 'r1',
        claimIdleMs: 200,
        blockMs: 100,
        onError: (_err, entry) => errors.push(entry?.id),
      },
      (entry) => {
        const n = (attempts.get(entry.id) ?? 0) + 1;
        attempts.set(entry.id, n);
        if (n === 1) throw new Error(`first attempt of ${entry.id} fails`);
      },
    );
    t.teardown(() => retry.stop());
    const live = await create(alice, 'retry-me');
    const expected = await streamIds();
    await eventually(() => expected.every((id) => attempts.get(id) === 2), 10_000, 'every entry retried once');
    await eventually(async () => (await pending('retry')) === 0, 5000, 'acknowledged after the retry');
    t.ok(attempts.has(live), 'the live entry too');
    t.same(
      [...attempts.values()].filter((n) => n !== 2),
      [],
      'exactly two attempts each: fail, then succeed',
    );
    t.same(errors.sort(), [...expected].sort(), 'onError got each failing entry');
    await withTimeout(retry.stop(), 5000, 'stop()');
  });

  t.test('stop() mid-handler: waits for it; another consumer claims what it left pending', async (t) => {
    let release: (err: Error) => void = () => undefined;
    const gate = new Promise<never>((_, reject) => {
      release = reject;
    });
    let started: () => void = () => undefined;
    const inHandler = new Promise<void>((resolve) => {
      started = resolve;
    });
    const c1 = await consume(t, { group: 'handoff', consumer: 'c1' }, async () => {
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
    const first = c1.seen[0];
    const owners = (await reader.xpending(ROOM_STREAM, 'handoff')) as [number, string, string, [string, string][]];
    t.ok(owners[0] >= 1, `entries left pending (${owners[0]})`);
    t.same(
      owners[3].map(([consumer]) => consumer),
      ['c1'],
      'all owned by c1',
    );

    const c2 = await consume(t, { group: 'handoff', consumer: 'c2', claimIdleMs: 200 });
    const expected = await streamIds();
    await eventually(() => expected.every((id) => c2.ids().includes(id)), 10_000, 'c2 has every entry');
    await eventually(async () => (await pending('handoff')) === 0, 5000, 'nothing pending');
    t.same([...c2.ids()].sort(), [...expected].sort(), 'each entry handled once by c2');
    t.match(
      c2.seen.find((e) => e.id === first?.id),
      { event: first?.event, sender: first?.sender },
      'c1’s entry',
    );

    const late = await create(bob, 'after-stop');
    await eventually(() => c2.ids().includes(late), 5000, 'a new intent');
    t.equal(c1.seen.length, 1, 'a stopped consumer reads nothing more');
  });

  t.test('stop() ends a consumer blocked in a long read', async (t) => {
    const idle = await consume(t, { group: 'idle', consumer: 'i1', blockMs: 30_000 });
    const expected = await streamIds();
    await eventually(() => idle.seen.length === expected.length, 5000, 'backlog consumed');
    await eventually(async () => (await pending('idle')) === 0, 5000, 'acknowledged');
    // Now blocked in XREADGROUP BLOCK 30000; stop() must not wait for it.
    await withTimeout(idle.stop(), 5000, 'stop() while blocked');
    t.pass('stopped');
  });

  t.test('a malformed entry reaches onError as an IntentDecodeError, is acknowledged and skipped', async (t) => {
    const errors: unknown[] = [];
    const decoding = await consume(t, {
      domain: 'match',
      group: 'decode',
      consumer: 'd1',
      startId: '$',
      onError: (err) => errors.push(err),
    });
    const sender: IntentSender = { userId: 'alice', username: 'Alice', socketId: 's1', nodeId: NODE_ID };
    const fields = encodeIntentFields({ event: 'match:end', payload: { matchId: 'm1' }, sender, timestamp: 1 });
    const badJson = await reader.xadd(MATCH_STREAM, '*', 'event', 'match:end', 'payload', '{not json');
    const noSender = await reader.xadd(MATCH_STREAM, '*', ...fields.slice(0, 4), 'timestamp', '1');
    const unknown = await reader.xadd(MATCH_STREAM, '*', 'event', 'match:nope', ...fields.slice(2));
    const good = await reader.xadd(MATCH_STREAM, '*', ...fields);
    await eventually(() => decoding.ids().includes(good ?? ''), 5000, 'the well-formed entry after them handled');
    await eventually(async () => (await pending('decode', MATCH_STREAM)) === 0, 5000, 'everything acknowledged');
    t.same(decoding.ids(), [good], 'the handler saw only the well-formed entry');
    t.ok(
      errors.every((err) => err instanceof IntentDecodeError),
      'each an IntentDecodeError',
    );
    t.match(
      errors,
      [
        { entryId: badJson, message: /payload is not JSON/ },
        { entryId: noSender, message: /missing field "userId"/ },
        { entryId: unknown, message: /not an intent event/ },
      ],
      'naming each entry and its fault, in stream order',
    );
    t.equal(errors.length, 3, 'each reported once (none is pending, so none can be claimed again)');
  });
});
