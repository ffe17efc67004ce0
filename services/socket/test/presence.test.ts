import t from 'tap';
import { WebSocket } from 'ws';
import { createEmitter } from '@gamesocket/emitter';
import type { Ack, LobbyStats, UserPresence } from '@gamesocket/protocol';
import {
  connectClient,
  createClient,
  eventually,
  mintToken,
  request,
  startPods,
  startRedis,
  waitFor,
  waitForCluster,
  withTimeout,
  WAIT_MS,
  type ConnectedClient,
  type RunningService,
} from '@gamesocket/test-helpers';

const API_TOKEN = 'backend-api-token-for-tests';
const token = (sub: string): Promise<string> => mintToken({ sub, username: `name-${sub}` });

/** Records the presence events a client receives. */
function presenceLog(client: ConnectedClient): string[] {
  const log: string[] = [];
  client.socket.on('player:online', (p) => log.push(`online:${p.userId}`));
  client.socket.on('player:offline', (p) => log.push(`offline:${p.userId}`));
  client.socket.on('player:status_change', (p) => log.push(`status:${p.userId}:${p.status}`));
  return log;
}

async function stats(client: ConnectedClient): Promise<LobbyStats> {
  const ack = (await request<LobbyStats>(client.socket, 'lobby:stats')) as Ack<LobbyStats>;
  if (!ack.ok || ack.data === undefined) throw new Error(`lobby:stats failed: ${JSON.stringify(ack)}`);
  return ack.data;
}

const api = (pod: RunningService, path: string, init: RequestInit = {}): Promise<Response> =>
  fetch(`${pod.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
  });

t.test('presence across two pods (redis mode)', async (t) => {
  const redis = await startRedis(t);
  const pods = await startPods(t, 2, {
    REDIS_URL: redis.url,
    PUBLISH_API_TOKEN: API_TOKEN,
    MAX_CONNECTIONS_PER_USER: '3',
  });
  await waitForCluster(pods);
  const [podA, podB] = pods as [RunningService, RunningService];
  const observer = await connectClient(t, podA.url);
  const seen = presenceLog(observer);
  t.same(await observer.socket.emitWithAck('lobby:join'), { ok: true });
  const emitter = await createEmitter({ redis: redis.url, mode: 'redis' });
  t.teardown(() => emitter.close());

  t.test('two tabs on two pods: one online, one offline', async (t) => {
    const tab1 = await connectClient(t, podA.url, { token: await token('alice') });
    await eventually(() => seen.includes('online:alice'));
    const tab2 = await connectClient(t, podB.url, { token: await token('alice') });
    t.same(await stats(tab2), { online: 1, connections: 2, nodes: 2 }, 'one user, two sockets, two pods');
    t.same(
      await emitter.presence.count(),
      { online: 1, connections: 2, nodes: 2 },
      'the emitter reads the same counters',
    );
    tab1.socket.disconnect();
    await eventually(async () => (await stats(observer)).connections === 1, 5000, 'tab 1 removed');
    tab2.socket.disconnect();
    await eventually(() => seen.includes('offline:alice'));
    // A marker published after everything reached the observer: nothing else was in flight.
    const marker = waitFor(observer.socket, 'lobby:stats');
    await emitter.toLobby().emit('lobby:stats', { online: -1, connections: 0, nodes: 0 });
    await marker;
    await eventually(async () => (await stats(observer)).online === 0);
    t.same(
      seen.filter((e) => e.endsWith(':alice')),
      ['online:alice', 'offline:alice'],
      'exactly one online and one offline for two tabs on two pods',
    );
  });

  t.test('watchers get only their watched users’ events', async (t) => {
    const watcher = await connectClient(t, podB.url, { token: await token('wendy') });
    const watched = presenceLog(watcher);
    const ack = (await request<UserPresence[]>(watcher.socket, 'player:watch', { userIds: ['bob', 'carol'] })) as Ack<
      UserPresence[]
    >;
    t.same(ack, {
      ok: true,
      data: [
        { userId: 'bob', online: false, connections: 0, status: null },
        { userId: 'carol', online: false, connections: 0, status: null },
      ],
    });
    const bob = await connectClient(t, podA.url, { token: await token('bob') });
    await eventually(() => watched.includes('online:bob'));
    await connectClient(t, podA.url, { token: await token('dave') });
    t.same(await request(bob.socket, 'player:status_change', { status: 'in_match' }), { ok: true });
    await eventually(() => watched.includes('status:bob:in_match'));
    t.equal(await emitter.setStatus('bob', 'in_game'), true, 'a backend sets a status');
    await eventually(() => watched.includes('status:bob:in_game'));
    t.equal(
      (await api(podA, '/v1/status', { method: 'POST', body: JSON.stringify({ user: 'bob', status: 'busy' }) })).status,
      202,
    );
    await eventually(() => watched.includes('status:bob:busy'));
    t.same(await emitter.presence.get('bob'), { userId: 'bob', online: true, connections: 1, status: 'busy' });
    t.same(await (await api(podB, '/v1/presence/bob')).json(), {
      userId: 'bob',
      online: true,
      connections: 1,
      status: 'busy',
    });
    const batch = (await (await api(podB, '/v1/presence?users=bob,carol')).json()) as { users: UserPresence[] };
    t.same(
      batch.users.map((u) => [u.userId, u.online]),
      [
        ['bob', true],
        ['carol', false],
      ],
    );
    t.same(await request(watcher.socket, 'player:unwatch', { userIds: ['bob'] }), { ok: true });
    bob.socket.disconnect();
    await eventually(() => seen.includes('offline:bob'), 5000, 'the lobby saw bob go');
    t.notOk(watched.includes('online:dave'), 'dave was never watched');
    t.notOk(watched.includes('offline:bob'), 'unwatched: no more events for bob');
  });

  t.test('player:watch bad input', async (t) => {
    const watcher = await connectClient(t, podA.url, { token: await token('erin') });
    const anon = await connectClient(t, podA.url);
    const bad = [
      'bob',
      { userIds: 'bob' },
      { userIds: [] },
      { userIds: Array.from({ length: 201 }, (_, i) => `u${i}`) },
      { userIds: [1, 2] },
      { userIds: ['a b'] },
      { userIds: ['x', 'x'] },
      { userIds: ['x'], extra: 1 },
    ];
    for (const payload of bad) {
      const ack = (await request(watcher.socket, 'player:watch', payload)) as Ack;
      t.equal(ack.ok ? 'ok' : ack.error.code, 'INVALID_PAYLOAD', JSON.stringify(payload).slice(0, 60));
    }
    const first = await request(watcher.socket, 'player:watch', {
      userIds: Array.from({ length: 200 }, (_, i) => `w${i}`),
    });
    t.equal(first.ok, true, '200 users is the limit');
    const more = (await request(watcher.socket, 'player:watch', { userIds: ['one-more'] })) as Ack;
    t.equal(more.ok ? 'ok' : more.error.code, 'INVALID_PAYLOAD', 'not more than 200 per socket');
    const anonAck = (await request(anon.socket, 'player:watch', { userIds: ['bob'] })) as Ack;
    t.equal(anonAck.ok ? 'ok' : anonAck.error.code, 'AUTH_REQUIRED');
  });

  t.test('the per-user cap holds across pods', async (t) => {
    const sockets = [];
    for (let i = 0; i < 3; i++)
      sockets.push(await connectClient(t, (i % 2 ? podB : podA).url, { token: await token('capped') }));
    const refused = createClient(t, podB.url, { token: await token('capped') });
    const err = await waitFor<Error & { data?: unknown }>(refused, 'connect_error');
    t.same(err.data, { code: 'CONNECTION_LIMIT', message: 'at most 3 connections per user' });
    sockets[0]?.socket.disconnect();
    await eventually(async () => (await emitter.presence.get('capped')).connections === 2);
    const again = await connectClient(t, podB.url, { token: await token('capped') });
    t.equal(again.connected.auth, 'ok', 'a socket is accepted again below the cap');
  });

  t.test('100 concurrent connect/disconnect cycles leave presence exactly consistent', async (t) => {
    // 49 users: at most 3 sockets each (this test's per-user cap), a user's sockets on both pods.
    const users = Array.from({ length: 49 }, (_, i) => `churn${i}`);
    const tokens = await Promise.all(users.map(token));
    const kept: ConnectedClient[] = [];
    await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const client = await connectClient(t, (i % 2 ? podA : podB).url, { token: tokens[i % 49] });
        if (i % 7 === 0 && kept.filter((c) => c.connected.user?.userId === client.connected.user?.userId).length < 2) {
          kept.push(client);
        } else {
          client.socket.disconnect();
        }
      }),
    );
    const expected = new Map<string, number>();
    for (const client of kept) {
      const id = client.connected.user?.userId ?? '';
      expected.set(id, (expected.get(id) ?? 0) + 1);
    }
    await eventually(
      async () => {
        const all = await emitter.presence.getMany(users);
        return all.every((p) => p.connections === (expected.get(p.userId) ?? 0) && p.online === expected.has(p.userId));
      },
      10_000,
      'presence equal to the remaining sockets',
    );
    t.pass(`presence matches ${kept.length} remaining sockets of ${expected.size} users`);
  });
});

t.test('memory mode: presence and lobby:stats on a single node', async (t) => {
  const [pod] = await startPods(t, 1);
  const a = await connectClient(t, pod!.url, { token: await token('m1') });
  await connectClient(t, pod!.url, { token: await token('m1') });
  await connectClient(t, pod!.url);
  t.same(await stats(a), { online: 1, connections: 2, nodes: 1 }, 'anonymous sockets are not in presence');
});

t.test('10 000 ids in player:watch: INVALID_PAYLOAD when the frame fits, else the frame limit closes it', async (t) => {
  const [roomy] = await startPods(t, 1, { MAX_PAYLOAD_BYTES: '200000' });
  const client = await connectClient(t, roomy!.url, { token: await token('big') });
  const userIds = Array.from({ length: 10_000 }, (_, i) => `u${i}`);
  const ack = (await request(client.socket, 'player:watch', { userIds })) as Ack;
  t.equal(ack.ok ? 'ok' : ack.error.code, 'INVALID_PAYLOAD');
  const [strict] = await startPods(t, 1);
  const small = await connectClient(t, strict!.url, { token: await token('big') });
  const closed = waitFor(small.socket, 'disconnect');
  small.socket.emit('player:watch', { userIds });
  t.equal(await closed, 'transport close', 'over MAX_PAYLOAD_BYTES the connection is closed');
});

t.test('a handshake aborted by the client leaves no ghost in presence', async (t) => {
  const redis = await startRedis(t);
  const [pod] = await startPods(t, 1, { REDIS_URL: redis.url, MAX_CONNECTIONS_PER_USER: '2' });
  const cookie = `accessToken=${await token('flaky')}`;
  for (let i = 0; i < 12; i++) {
    const ws = new WebSocket(`${pod!.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`, {
      headers: { cookie, origin: 'http://localhost:5173' },
    });
    // Send the Socket.IO CONNECT and hang up at once, before the handshake completes.
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        ws.once('open', () => {
          ws.send('40');
          ws.terminate();
          resolve();
        });
        ws.once('error', reject);
      }),
      WAIT_MS,
      'the raw websocket to open',
    );
  }
  const emitter = await createEmitter({ redis: redis.url, mode: 'redis' });
  t.teardown(() => emitter.close());
  await eventually(async () => (await emitter.presence.get('flaky')).connections === 0, 5000, 'no ghost sockets');
  const first = await connectClient(t, pod!.url, { token: await token('flaky') });
  const second = await connectClient(t, pod!.url, { token: await token('flaky') });
  t.ok(first.connected.auth === 'ok' && second.connected.auth === 'ok', 'the user can still use both slots');
});
