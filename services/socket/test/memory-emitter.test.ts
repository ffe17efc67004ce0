import t from 'tap';
import { createMemoryEmitter, type IntentHandler, type LifecycleHandler } from '@gamesocket/emitter';
import type {
  AnyIntentEntry,
  LifecycleEntry,
  LobbyStats,
  PlayerJoinedPayload,
  PlayerLeftPayload,
  PlayerStatusPayload,
} from '@gamesocket/protocol';
import {
  WAIT_MS,
  connectClient,
  eventually,
  mintToken,
  request,
  startService,
  waitFor,
  type ConnectedClient,
  type TapTest,
} from '@gamesocket/test-helpers';

/** A lobby:stats payload with a tag, so each emit can be told apart. */
function stats(tag: string): LobbyStats {
  const payload: LobbyStats & { tag: string } = { online: 1, connections: 1, nodes: 1, tag };
  return payload;
}

/** The tags of the `lobby:stats` a client receives from now on. */
function tagsOf(client: ConnectedClient): string[] {
  const tags: string[] = [];
  client.socket.on('lobby:stats', (payload: unknown) => tags.push((payload as { tag?: string }).tag ?? '?'));
  return tags;
}

const signIn = async (t: TapTest, url: string, name: string): Promise<ConnectedClient> =>
  connectClient(t, url, { token: await mintToken({ sub: name, username: name }) });

t.test('a memory emitter on a memory-mode service in the same process', async (t) => {
  const service = await startService(t);
  const { local } = service.app;
  if (local === undefined) throw new Error('a memory-mode app exposes its node (app.local)');
  const emitter = createMemoryEmitter(local);
  t.teardown(() => emitter.close());

  const alice = await signIn(t, service.url, 'alice');
  const bob = await signIn(t, service.url, 'bob');
  const anon = await connectClient(t, service.url);
  for (const client of [alice, anon]) t.same(await request(client.socket, 'lobby:join'), { ok: true });
  const clients = { alice, bob, anon };
  const tags = { alice: tagsOf(alice), bob: tagsOf(bob), anon: tagsOf(anon) };

  /** Emits a marker to every socket and waits for it everywhere: what was emitted before it has arrived. */
  const settle = async (tag: string): Promise<void> => {
    await emitter.emit('lobby:stats', stats(tag));
    await eventually(() => Object.values(tags).every((seen) => seen.includes(tag)), WAIT_MS, `marker ${tag}`);
  };
  const got = (tag: string): string[] =>
    Object.entries(tags)
      .filter(([, seen]) => seen.includes(tag))
      .map(([name]) => name);

  t.test('emits reach the lobby, a user, a room; except leaves sockets out', async (t) => {
    await emitter.toLobby().emit('lobby:stats', stats('lobby'));
    await emitter.toUser('bob').emit('lobby:stats', stats('user'));
    await emitter.toLobby().except('user:alice').emit('lobby:stats', stats('lobby-but-alice'));
    await emitter.to(['user:alice', 'user:bob']).emit('lobby:stats', stats('two-users'));
    await settle('emits');
    t.same(got('lobby'), ['alice', 'anon'], 'the lobby');
    t.same(got('user'), ['bob'], 'one user');
    t.same(got('lobby-but-alice'), ['anon'], 'the lobby except alice');
    t.same(got('two-users'), ['alice', 'bob'], 'two user rooms, each once');
    t.equal(tags.bob.filter((tag) => tag === 'two-users').length, 1, 'a socket in two targeted rooms gets it once');
  });

  t.test('joinRoom, leaveRoom and closeRoom go through the node: memberships, sockets, announcements', async (t) => {
    const joined = waitFor<PlayerJoinedPayload>(alice.socket, 'room:player_joined');
    t.same(await emitter.joinRoom({ userId: 'alice', rooms: 'room:r1' }), ['room:r1'], 'a new membership');
    t.same(await joined, { roomId: 'r1', room: 'room:r1', user: { userId: 'alice', username: 'alice' } });
    t.same(await emitter.joinRoom({ userId: 'alice', rooms: 'room:r1' }), [], 'joining again is no new membership');
    t.match(await emitter.roomMembers('room:r1'), [
      { userId: 'alice', username: 'alice', online: true, connections: 1 },
    ]);
    t.same(await emitter.roomsOf('alice'), ['room:r1']);

    await emitter.toRoom('r1').emit('lobby:stats', stats('room'));
    await settle('after-room');
    t.same(got('room'), ['alice'], 'a room emit reaches its member only');

    const secondTab = await signIn(t, service.url, 'alice');
    t.same(secondTab.connected.rooms, ['room:r1'], "the user's next socket is put in the membership at once");

    const left = waitFor<PlayerLeftPayload>(alice.socket, 'room:player_left');
    t.same(await emitter.leaveRoom({ userId: 'alice', rooms: 'room:r1' }), ['room:r1']);
    t.same(await left, { roomId: 'r1', room: 'room:r1', userId: 'alice', reason: 'kicked' });
    await emitter.toRoom('r1').emit('lobby:stats', stats('room-after-kick'));
    await settle('after-kick');
    t.same(got('room-after-kick'), [], 'a kicked user is out of the room');
    t.same(await emitter.roomsOf('alice'), []);

    await emitter.joinRoom({ userId: 'bob', username: 'bob', rooms: ['room:r2'] });
    const closed = waitFor<PlayerLeftPayload>(bob.socket, 'room:player_left');
    t.same(await emitter.closeRoom('room:r2'), ['bob'], 'closing resolves who held it');
    t.match(await closed, { room: 'room:r2', userId: 'bob', reason: 'closed' });
    t.same(await emitter.roomMembers('room:r2'), []);
  });

  t.test('presence reads and setStatus use the node', async (t) => {
    t.match(await emitter.presence.get('bob'), { online: true, connections: 1 });
    t.match(await emitter.presence.getMany(['bob', 'nobody']), [{ online: true }, { online: false }]);
    t.match(await emitter.presence.count(), { online: 2, nodes: 1 });
    t.match(await request(alice.socket, 'player:watch', { userIds: ['bob'] }), { ok: true });
    const change = waitFor<PlayerStatusPayload>(alice.socket, 'player:status_change');
    t.equal(await emitter.setStatus('bob', 'in_match'), true);
    t.match(await change, { userId: 'bob', status: 'in_match' }, 'watchers hear it');
    t.equal(await emitter.setStatus('nobody', 'away'), false, 'an offline user has no status');
  });

  t.test("consumeIntents reads the node's intents, stamped with the sender", async (t) => {
    const seen: AnyIntentEntry[] = [];
    const handler: IntentHandler = (entry) => {
      seen.push(entry);
    };
    const consumer = await emitter.consumeIntents({ domain: 'room', group: 'test', consumer: 'c' }, handler);
    t.teardown(() => consumer.stop());
    const ack = await request<{ id: string }>(alice.socket, 'room:create', { name: 'from a socket', maxPlayers: 2 });
    const id = ack.ok ? ack.data?.id : undefined;
    t.type(id, 'string', 'the ack carries the entry id');
    await eventually(() => seen.some((entry) => entry.id === id), WAIT_MS, 'the intent');
    t.match(
      seen.find((entry) => entry.id === id),
      {
        event: 'room:create',
        payload: { name: 'from a socket', maxPlayers: 2 },
        sender: { userId: 'alice', username: 'alice', socketId: alice.socket.id, nodeId: service.app.config.nodeId },
      },
    );
  });

  t.test("consumeLifecycle reads the node's transitions", async (t) => {
    const seen: LifecycleEntry[] = [];
    const handler: LifecycleHandler = (entry, source) => {
      t.equal(source.shard, 0, 'one feed, reported as shard 0');
      seen.push(entry);
    };
    const consumer = await emitter.consumeLifecycle({ group: 'test', consumer: 'c', startId: '$' }, handler);
    t.teardown(() => consumer.stop());
    const has = (event: string, userId: string): boolean =>
      seen.some((entry) => entry.event === event && entry.data.userId === userId);
    const carol = await signIn(t, service.url, 'carol');
    await eventually(() => has('player:online', 'carol'), WAIT_MS, 'player:online');
    await emitter.joinRoom({ userId: 'carol', rooms: 'room:r3' });
    await eventually(() => has('room:player_joined', 'carol'), WAIT_MS, 'room:player_joined');
    carol.socket.disconnect();
    await eventually(() => has('player:offline', 'carol'), WAIT_MS, 'player:offline');
    t.match(
      seen.find((entry) => entry.event === 'room:player_joined'),
      { data: { userId: 'carol', room: 'room:r3' } },
    );
  });

  t.test('revokeUser ends memberships, closes the sockets and denies the token', async (t) => {
    await emitter.joinRoom({ userId: 'bob', rooms: 'room:r4' });
    const gone = waitFor(clients.bob.socket, 'disconnect');
    await emitter.revokeUser('bob', { until: Date.now() + 60_000 });
    await gone;
    t.same(await emitter.roomsOf('bob'), [], 'no membership left');
    const again = await signIn(t, service.url, 'bob');
    t.match(again.connected, { user: null, auth: 'invalid' }, "the revoked user's token is not a login any more");
  });
});
