import t from 'tap';
import { Redis } from 'ioredis';
import type { LobbyStats } from '@gamesocket/protocol';
import { createEmitter, EmitterError, type GameEmitter, type RedisEmitter } from '@gamesocket/emitter';
import {
  connectClient,
  eventually,
  freePort,
  mintToken,
  publishUntil,
  startRedis,
  startService,
  waitFor,
  withTimeout,
  type ConnectedClient,
  type TapTest,
} from '@gamesocket/test-helpers';

/** A lobby:stats payload with a tag, so each emit can be told apart (the catalogue types the rest). */
function stats(tag: string): LobbyStats {
  const payload: LobbyStats & { tag: string } = { online: 1, connections: 1, nodes: 1, tag };
  return payload;
}

/** Records the tags of the `lobby:stats` events a client receives from now on (not presence). */
function record(client: ConnectedClient): { tags: () => string[]; got: (tag: string) => boolean } {
  const tags: string[] = [];
  client.socket.on('lobby:stats', (payload: unknown) => tags.push((payload as { tag?: string } | null)?.tag ?? '?'));
  // publishUntil may repeat a warm-up emit: keep those out of exact comparisons.
  const seen = (): string[] => tags.filter((tag) => !tag.startsWith('warmup'));
  return { tags: seen, got: (tag) => tags.includes(tag) };
}

const count = (tags: string[], tag: string): number => tags.filter((seen) => seen === tag).length;

/** Resolves with the EmitterError `promise` rejects with (bounded); fails the test otherwise. */
async function rejection(t: TapTest, promise: Promise<unknown>, what: string): Promise<EmitterError | undefined> {
  const outcome = await withTimeout(
    promise.then(
      () => undefined,
      (err: unknown) => err,
    ),
    15_000,
    what,
  );
  t.type(outcome, EmitterError, `${what} rejects with an EmitterError`);
  return outcome instanceof EmitterError ? outcome : undefined;
}

t.test('against a real service in redis mode', async (t) => {
  const redis = await startRedis(t);
  const service = await startService(t, { REDIS_URL: redis.url, ADAPTER: 'redis' });
  t.equal(service.app.cluster.mode, 'redis');
  const alice = await connectClient(t, service.url, { token: await mintToken({ sub: 'u-a', username: 'alice' }) });
  const anon = await connectClient(t, service.url);
  for (const client of [alice, anon]) {
    t.same(await client.socket.timeout(5000).emitWithAck('lobby:join'), { ok: true }, 'joined the lobby');
  }
  const rec = { alice: record(alice), anon: record(anon) };

  const emitter: RedisEmitter = await createEmitter({ redis: redis.url, mode: 'redis' });
  t.teardown(() => emitter.close());
  t.equal(emitter.redis.status, 'ready', 'createEmitter from a URL resolves once connected');
  // The service subscribes asynchronously: publish until it is listening.
  await publishUntil(
    () => emitter.toLobby().emit('lobby:stats', stats('warmup')),
    () => rec.alice.got('warmup') && rec.anon.got('warmup'),
  );

  /** Emits a marker to both clients and waits for it: everything emitted before it has arrived. */
  const settle = async (tag: string): Promise<void> => {
    await emitter.toLobby().emit('lobby:stats', stats(tag));
    await eventually(() => rec.alice.got(tag) && rec.anon.got(tag), 5000, `marker ${tag}`);
  };

  t.test('createEmitter({ redis: url }) delivers to a user and to the lobby', async (t) => {
    await emitter.toUser('u-a').emit('lobby:stats', stats('to-user'));
    await emitter.toLobby().emit('lobby:stats', stats('to-lobby'));
    await eventually(() => rec.alice.got('to-lobby') && rec.anon.got('to-lobby'), 5000, 'the lobby emit');
    t.ok(rec.alice.got('to-user'), 'alice got the user emit');
    t.notOk(rec.anon.got('to-user'), 'the anonymous client did not');
  });

  t.test('an existing ioredis client works, and close() does not quit it', async (t) => {
    const client = new Redis(redis.url);
    client.on('error', () => undefined);
    t.teardown(() => client.disconnect());
    await waitFor(client, 'ready');
    const borrowed = await createEmitter({ redis: client, mode: 'redis' });
    t.equal(borrowed.redis, client, 'the emitter writes with the given client');
    await borrowed.toUser('u-a').emit('lobby:stats', stats('borrowed'));
    await eventually(() => rec.alice.got('borrowed'), 5000, 'the emit through the borrowed client');
    await borrowed.close();
    t.equal(client.status, 'ready', 'the client is still open after close()');
    t.equal(await client.ping(), 'PONG', 'and still usable');
    const again = await createEmitter({ redis: client, mode: 'redis' });
    await again.toUser('u-a').emit('lobby:stats', stats('borrowed-again'));
    await eventually(() => rec.alice.got('borrowed-again'), 5000, 'an emit after close() of the first emitter');

    // The other side of the contract: a client the emitter made from a URL is closed by close().
    const owned = await createEmitter({ redis: redis.url, mode: 'redis' });
    await owned.close();
    await eventually(() => owned.redis.status === 'end', 5000, 'the owned client to end');
    t.equal(owned.redis.status, 'end', 'close() quits a client the emitter created');
  });

  t.test('to([a, b]) delivers once to a socket in both rooms', async (t) => {
    await emitter.to(['lobby', 'user:u-a']).emit('lobby:stats', stats('both'));
    await emitter.to('lobby').to('user:u-a').emit('lobby:stats', stats('both-chained'));
    await settle('after-both');
    t.equal(count(rec.alice.tags(), 'both'), 1, 'alice (lobby and user:u-a) got it once');
    t.equal(count(rec.anon.tags(), 'both'), 1, 'the anonymous client (lobby) got it once');
    t.equal(count(rec.alice.tags(), 'both-chained'), 1, 'chained .to().to(): alice once');
    t.equal(count(rec.anon.tags(), 'both-chained'), 1, 'chained .to().to(): anonymous once');
  });

  t.test('a volatile emit still reaches a ready client', async (t) => {
    await emitter.toUser('u-a').volatile.emit('lobby:stats', stats('volatile'));
    await eventually(() => rec.alice.got('volatile'), 5000, 'the volatile emit');
    t.pass('alice got the volatile emit');
  });

  t.test('to().except() is immutable: the base operator is unaffected', async (t) => {
    const lobby = emitter.toLobby();
    const notAlice = lobby.except('user:u-a');
    await notAlice.emit('lobby:stats', stats('not-alice'));
    await lobby.emit('lobby:stats', stats('base-after-except'));
    // A derived operator reused after deriving another from the base is unchanged too.
    const sibling = lobby.except('user:other');
    await notAlice.emit('lobby:stats', stats('not-alice-again'));
    await sibling.emit('lobby:stats', stats('also'));
    await settle('after-except');
    t.notOk(rec.alice.got('not-alice'), 'except(user:u-a) excluded alice');
    t.ok(rec.anon.got('not-alice'), 'the derived operator still reached the lobby');
    t.ok(rec.alice.got('base-after-except'), 'the base operator still reaches alice after .except on a derived one');
    t.notOk(rec.alice.got('not-alice-again'), 'the derived operator keeps its except');
    t.ok(rec.alice.got('also') && rec.anon.got('also'), 'a sibling operator has only its own except');
  });

  t.test('every client got exactly what was addressed to it, in order', async (t) => {
    t.same(rec.alice.tags(), [
      'to-user',
      'to-lobby',
      'borrowed',
      'borrowed-again',
      'both',
      'both-chained',
      'after-both',
      'volatile',
      'base-after-except',
      'also',
      'after-except',
    ]);
    t.same(rec.anon.tags(), [
      'to-lobby',
      'both',
      'both-chained',
      'after-both',
      'not-alice',
      'base-after-except',
      'not-alice-again',
      'also',
      'after-except',
    ]);
  });

  t.test(
    'setStatus: a change to the watchers one by one, to the lobby as a one-entry diff; a repeat, nothing',
    async (t) => {
      const watcher = await connectClient(t, service.url, {
        token: await mintToken({ sub: 'u-w', username: 'wendy' }),
      });
      t.same(await watcher.socket.timeout(5000).emitWithAck('player:watch', { userIds: ['u-a'] }), {
        ok: true,
        data: [{ userId: 'u-a', online: true, connections: 1, status: 'online' }],
      });
      const statuses: unknown[] = [];
      watcher.socket.on('player:status_change', (payload) => statuses.push(payload));
      // The lobby also gets the pod's own diffs (wendy coming online): only status entries count here.
      const lobbyStatuses: unknown[] = [];
      anon.socket.on('lobby:presence_diff', (diff) => {
        if (diff.status.length > 0) lobbyStatuses.push(diff);
      });
      t.equal(await emitter.setStatus('u-a', 'in_match'), true, 'alice is online: stored');
      t.equal(await emitter.setStatus('u-a', 'in_match'), true, 'the same status again: still online');
      t.equal(await emitter.setStatus('u-nobody', 'in_match'), false, 'an offline user: nothing stored');
      await settle('after-status');
      await eventually(() => statuses.length > 0, 5000, 'the watcher to get the change');
      t.match(statuses, [{ userId: 'u-a', status: 'in_match', timestamp: Number }], 'one player:status_change');
      t.same(
        lobbyStatuses,
        [{ online: [], offline: [], status: [{ userId: 'u-a', status: 'in_match' }] }],
        'one lobby:presence_diff, with the one status',
      );
    },
  );
});

t.test('bad input', async (t) => {
  const redis = await startRedis(t);
  const emitter = await createEmitter({ redis: redis.url, mode: 'redis' });
  t.teardown(() => emitter.close());

  t.test('an event that is not a publishable catalogue event rejects with INVALID_PAYLOAD', async (t) => {
    for (const event of ['Hello', 'a:b:c', 'system', 'lobby:', '', 'lobby:nope', 'system:connected', 'room:join']) {
      const err = await rejection(t, emitter.toLobby().emit(event as never, stats('bad') as never), event);
      t.equal(err?.code, 'INVALID_PAYLOAD', `${JSON.stringify(event)}: code INVALID_PAYLOAD`);
      t.equal(err?.name, 'EmitterError');
    }
    const err = await rejection(t, emitter.emit('Bad:Name' as never, stats('bad') as never), 'emit on the emitter');
    t.equal(err?.code, 'INVALID_PAYLOAD');
  });

  t.test('an invalid user or room id throws TypeError synchronously', async (t) => {
    t.throws(() => emitter.toUser('bad id with spaces'), TypeError, 'toUser');
    t.throws(() => emitter.toRoom(''), TypeError, 'toRoom with an empty id');
    t.throws(() => emitter.toMatch('a/b'), TypeError, 'toMatch with a slash');
    t.throws(() => emitter.disconnectUser('user:x'), TypeError, 'disconnectUser with a room name');
  });

  t.test('createEmitter rejects with UNAVAILABLE when nothing listens', async (t) => {
    const port = await freePort();
    const started = Date.now();
    const err = await rejection(
      t,
      createEmitter({ redis: `redis://127.0.0.1:${port}`, mode: 'redis' }),
      'createEmitter to a closed port',
    );
    t.equal(err?.code, 'UNAVAILABLE');
    t.ok(Date.now() - started < 15_000, 'within the 10 s connect timeout (plus slack)');
  });
});

t.test('with Redis killed, every call rejects with UNAVAILABLE and nothing is left unhandled', async (t) => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  process.on('unhandledRejection', onUnhandled);
  t.teardown(() => {
    process.off('unhandledRejection', onUnhandled);
  });

  const redis = await startRedis(t);
  const owned = await createEmitter({ redis: redis.url, mode: 'redis' });
  t.teardown(() => owned.close());
  const client = new Redis(redis.url);
  client.on('error', () => undefined);
  t.teardown(() => client.disconnect());
  await waitFor(client, 'ready');
  const borrowed = await createEmitter({ redis: client, mode: 'redis' });
  for (const emitter of [owned, borrowed]) await emitter.toLobby().emit('lobby:stats', stats('before'));
  t.pass('both emitters publish while Redis is up');

  await redis.kill();
  const calls = (emitter: GameEmitter): [string, () => Promise<unknown>][] => [
    ['emit', () => emitter.toLobby().emit('lobby:stats', stats('down'))],
    ['joinRoom', () => emitter.joinRoom({ userId: 'u-a', rooms: ['room:1'] })],
    ['leaveRoom', () => emitter.leaveRoom({ userId: 'u-a', rooms: 'room:1' })],
    ['disconnectUser', () => emitter.disconnectUser('u-a')],
  ];
  // Right after the kill (ioredis may not have noticed yet), then once it has.
  for (const [name, emitter] of [
    ['owned', owned],
    ['borrowed', borrowed],
  ] as const) {
    for (const [call, run] of calls(emitter)) {
      const err = await rejection(t, run(), `${name} ${call} right after the kill`);
      t.equal(err?.code, 'UNAVAILABLE', `${name} ${call}: UNAVAILABLE`);
    }
  }
  await eventually(() => owned.redis.status !== 'ready' && client.status !== 'ready', 5000, 'clients to notice');
  for (const [name, emitter] of [
    ['owned', owned],
    ['borrowed', borrowed],
  ] as const) {
    const results = await Promise.all(calls(emitter).map(([call, run]) => rejection(t, run(), `${name} ${call}`)));
    t.same(
      results.map((err) => err?.code),
      ['UNAVAILABLE', 'UNAVAILABLE', 'UNAVAILABLE', 'UNAVAILABLE'],
      `${name}: every call rejects with UNAVAILABLE while disconnected`,
    );
  }

  // Back on the same port: the emitter's own client reconnects and publishes again.
  await redis.restart();
  await eventually(() => owned.redis.status === 'ready', 10_000, 'the owned client to reconnect');
  await owned.toLobby().emit('lobby:stats', stats('after'));
  t.pass('the owned emitter publishes again after Redis is back');

  // Unhandled rejections are reported after the microtask queue drains: let one macrotask pass.
  await new Promise((resolve) => setImmediate(resolve));
  t.same(unhandled, [], 'no unhandled rejection');
});
