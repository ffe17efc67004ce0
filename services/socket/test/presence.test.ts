import t from 'tap';
import { Redis } from 'ioredis';
import { WebSocket } from 'ws';
import { createEmitter } from '@gamesocket/emitter';
import type { Ack, LobbyPresenceDiffPayload, LobbyStats, UserPresence } from '@gamesocket/protocol';
import {
  connectClient,
  createClient,
  eventually,
  mintToken,
  monitorCommands,
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

/** Records the presence events a watcher receives one by one (`player:*`). */
function presenceLog(client: ConnectedClient): string[] {
  const log: string[] = [];
  client.socket.on('player:online', (p) => log.push(`online:${p.userId}`));
  client.socket.on('player:offline', (p) => log.push(`offline:${p.userId}`));
  client.socket.on('player:status_change', (p) => log.push(`status:${p.userId}:${p.status}`));
  return log;
}

/** What a lobby member receives: every `lobby:presence_diff`, and any per-user presence event (it must get none). */
interface LobbyLog {
  diffs: LobbyPresenceDiffPayload[];
  /** The diffs' entries in order, as `online:<id>`, `offline:<id>`, `status:<id>:<status>`. */
  entries: string[];
  /** `player:*` events received: none for a lobby member that watches nobody. */
  perUser: string[];
  /** The diffs applied in order: who is online, with which status. */
  state: Map<string, string>;
}

function lobbyLog(client: ConnectedClient): LobbyLog {
  const log: LobbyLog = { diffs: [], entries: [], perUser: [], state: new Map() };
  client.socket.on('lobby:presence_diff', (diff) => {
    log.diffs.push(diff);
    for (const entry of diff.online) {
      log.entries.push(`online:${entry.userId}`);
      log.state.set(entry.userId, entry.status);
    }
    for (const userId of diff.offline) {
      log.entries.push(`offline:${userId}`);
      log.state.delete(userId);
    }
    for (const entry of diff.status) {
      log.entries.push(`status:${entry.userId}:${entry.status}`);
      if (log.state.has(entry.userId)) log.state.set(entry.userId, entry.status);
    }
  });
  for (const event of ['player:online', 'player:offline', 'player:status_change'] as const) {
    client.socket.on(event, (p: { userId: string }) => log.perUser.push(`${event}:${p.userId}`));
  }
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
  const lobby = lobbyLog(observer);
  const seen = lobby.entries;
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
    t.same(
      lobby.diffs,
      [
        { online: [{ userId: 'alice', username: 'name-alice', status: 'online' }], offline: [], status: [] },
        { online: [], offline: ['alice'], status: [] },
      ],
      'one diff as she came, one as she went',
    );
    t.same(lobby.perUser, [], 'no per-user presence event to the lobby');
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
    // Bob has been listed, with his latest status: his going is a change for the lobby.
    await eventually(() => lobby.state.get('bob') === 'busy', 5000, 'the lobby to list bob busy');
    bob.socket.disconnect();
    await eventually(() => seen.includes('offline:bob'), 5000, 'the lobby saw bob go');
    t.notOk(watched.includes('online:dave'), 'dave was never watched');
    t.notOk(watched.includes('offline:bob'), 'unwatched: no more events for bob');
    t.same(lobby.perUser, [], 'the lobby got diffs only');
  });

  t.test('a user nobody watches comes and goes without a broadcast to watchers', async (t) => {
    const client = new Redis(redis.url);
    t.teardown(() => client.quit());
    const log = await monitorCommands(t, client);
    const watchPublishes = (userId: string): number =>
      log.sent().filter((c) => c.args[0] === 'publish' && c.args[1]?.includes(`#watch:${userId}#`)).length;
    const registered = async (userId: string): Promise<string[]> =>
      (await client.keys(`gamesocket:*:w:${userId}`)).length === 0
        ? []
        : client.smembers((await client.keys(`gamesocket:*:w:${userId}`))[0] ?? '');
    const comeAndGo = async (): Promise<void> => {
      const ulla = await connectClient(t, podA.url, { token: await token('ulla') });
      await eventually(async () => (await emitter.presence.get('ulla')).online, 5000, 'ulla online');
      ulla.socket.disconnect();
      await eventually(async () => !(await emitter.presence.get('ulla')).online, 5000, 'ulla offline');
      await log.settle();
    };
    await comeAndGo();
    t.equal(watchPublishes('ulla'), 0, 'unwatched: no player:online or player:offline published');

    const w1 = await connectClient(t, podB.url, { token: await token('wilma') });
    const w2 = await connectClient(t, podB.url, { token: await token('walt') });
    const seen1 = presenceLog(w1);
    for (const w of [w1, w2]) t.match(await request(w.socket, 'player:watch', { userIds: ['ulla'] }), { ok: true });
    t.same(await registered('ulla'), ['pod-1'], 'pod B is registered as a watcher of ulla');
    await comeAndGo();
    await eventually(() => seen1.includes('offline:ulla'), 5000, 'the watcher to see ulla go');
    t.same(seen1, ['online:ulla', 'offline:ulla'], 'watched: both announced');
    t.equal(watchPublishes('ulla'), 2, 'one publish each');

    t.same(await request(w1.socket, 'player:unwatch', { userIds: ['ulla'] }), { ok: true });
    await log.settle();
    t.same(await registered('ulla'), ['pod-1'], 'one socket of pod B still watches: still registered');
    w2.socket.disconnect();
    await eventually(async () => (await registered('ulla')).length === 0, 5000, "pod B's registration to go");
    const before = watchPublishes('ulla');
    await comeAndGo();
    t.equal(watchPublishes('ulla') - before, 0, 'nobody watches any more: nothing published');
  });

  t.test('player:watch answers the presence of the newly watched users only', async (t) => {
    const watcher = await connectClient(t, podA.url, { token: await token('wanda') });
    await connectClient(t, podB.url, { token: await token('olive') });
    const presenceOf = (userId: string, online: boolean): UserPresence =>
      online
        ? { userId, online: true, connections: 1, status: 'online' }
        : { userId, online: false, connections: 0, status: null };
    t.same(await request(watcher.socket, 'player:watch', { userIds: ['olive', 'nora'] }), {
      ok: true,
      data: [presenceOf('olive', true), presenceOf('nora', false)],
    });
    t.same(
      await request(watcher.socket, 'player:watch', { userIds: ['olive', 'nora'] }),
      { ok: true, data: [] },
      'watched already: nothing new to answer',
    );
    t.same(
      await request(watcher.socket, 'player:watch', { userIds: ['nora', 'pia', 'olive'] }),
      { ok: true, data: [presenceOf('pia', false)] },
      'only pia is new',
    );
    t.same(await request(watcher.socket, 'player:unwatch', { userIds: ['olive'] }), { ok: true });
    t.same(
      await request(watcher.socket, 'player:watch', { userIds: ['olive'] }),
      { ok: true, data: [presenceOf('olive', true)] },
      'watched again after an unwatch: new again',
    );
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

t.test('200 users in about a second on 2 pods: a few lobby diffs list them all, no per-user event', async (t) => {
  const INTERVAL_MS = 250;
  const redis = await startRedis(t);
  const pods = await startPods(t, 2, {
    REDIS_URL: redis.url,
    PRESENCE_DIFF_MS: String(INTERVAL_MS),
    HANDSHAKE_CONCURRENCY: '1000',
  });
  await waitForCluster(pods);
  const listener = await connectClient(t, pods[0]!.url);
  t.same(await request(listener.socket, 'lobby:join'), { ok: true });
  const lobby = lobbyLog(listener);
  const arrivals: number[] = [];
  listener.socket.on('lobby:presence_diff', () => arrivals.push(Date.now()));
  const users = Array.from({ length: 200 }, (_, i) => `crowd${i}`);
  const tokens = await Promise.all(users.map(token));

  const started = Date.now();
  await Promise.all(users.map((_, i) => connectClient(t, pods[i % 2]!.url, { token: tokens[i] })));
  const listed = (): Set<string> => new Set(lobby.diffs.flatMap((diff) => diff.online.map((entry) => entry.userId)));
  await eventually(() => listed().size === users.length, WAIT_MS * 2, 'every user listed online');
  const elapsed = (arrivals.at(-1) ?? started) - started;
  // Everything sent before this reached the listener: no diff is still on its way.
  const marker = waitFor(listener.socket, 'lobby:stats');
  pods[0]!.app.io.to('lobby').emit('lobby:stats', { online: -1, connections: 0, nodes: 0 });
  await marker;

  const bound = pods.length * (Math.floor(elapsed / INTERVAL_MS) + 1);
  t.comment(
    `${users.length} users connected and listed in ${elapsed} ms: ${lobby.diffs.length} diffs (bound ${bound})`,
  );
  t.ok(
    lobby.diffs.length <= bound,
    `${lobby.diffs.length} diffs, at most ${bound} (2 pods x (${elapsed} ms / ${INTERVAL_MS} ms + 1))`,
  );
  const online = lobby.diffs.flatMap((diff) => diff.online);
  t.same(online.map((entry) => entry.userId).sort(), [...users].sort(), 'every user listed online, each once');
  t.ok(
    online.every((entry) => entry.username === `name-${entry.userId}` && entry.status === 'online'),
    'with their name and status',
  );
  t.same(
    lobby.diffs.flatMap((diff) => [...diff.offline, ...diff.status.map((entry) => entry.userId)]),
    [],
    'nobody offline, no status change',
  );
  t.same(lobby.perUser, [], 'no player:online / player:offline / player:status_change to the lobby');
});

t.test('one pod, redis mode: intervals, watchers, unchanged statuses, the status budget, watch reads', async (t) => {
  const redis = await startRedis(t);
  const [pod] = await startPods(t, 1, {
    REDIS_URL: redis.url,
    // Long enough that a connect and a disconnect always share one interval.
    PRESENCE_DIFF_MS: '1500',
    // No heartbeat or reap while commands are counted below.
    PRESENCE_TTL_MS: '600000',
  });
  const url = pod!.url;
  const listener = await connectClient(t, url);
  t.same(await request(listener.socket, 'lobby:join'), { ok: true });
  const lobby = lobbyLog(listener);
  const watcher = await connectClient(t, url, { token: await token('watcher') });
  const watched = presenceLog(watcher);
  t.equal(
    (await request<UserPresence[]>(watcher.socket, 'player:watch', { userIds: ['flash', 'steady', 'burst'] })).ok,
    true,
  );
  // The watcher's own coming online is out: the next change starts a new interval.
  await eventually(() => lobby.state.has('watcher'), WAIT_MS, 'the lobby to list the watcher');

  t.test('a user who came and went within one interval is in no diff; watchers saw both', async (t) => {
    const flash = await connectClient(t, url, { token: await token('flash') });
    await eventually(() => watched.includes('online:flash'), WAIT_MS, 'the watcher to see flash come');
    flash.socket.disconnect();
    await eventually(() => watched.includes('offline:flash'), WAIT_MS, 'the watcher to see flash go');
    // A later change of the same pod: once the lobby has it, flash's interval is over too.
    await connectClient(t, url, { token: await token('steady') });
    await eventually(() => lobby.entries.includes('online:steady'), WAIT_MS, 'the lobby to list steady');
    t.same(
      lobby.entries.filter((entry) => entry.includes(':flash')),
      [],
      'flash is in no diff',
    );
    t.same(
      watched.slice(0, 3),
      ['online:flash', 'offline:flash', 'online:steady'],
      'the watcher got each event at once',
    );
  });

  t.test('an unchanged status is not announced, to watchers or to the lobby', async (t) => {
    const steady = await connectClient(t, url, { token: await token('steady') });
    for (const status of ['online', 'away', 'away', 'busy']) {
      t.same(await request(steady.socket, 'player:status_change', { status }), { ok: true }, status);
    }
    await eventually(() => watched.includes('status:steady:busy'), WAIT_MS, 'the watcher to see busy');
    t.same(
      watched.filter((entry) => entry.startsWith('status:steady')),
      ['status:steady:away', 'status:steady:busy'],
      'online (already) and the second away were not announced',
    );
    await eventually(() => lobby.state.get('steady') === 'busy', WAIT_MS, 'the lobby to have steady busy');
    t.notOk(lobby.entries.includes('status:steady:online'), 'the lobby got no unchanged status either');
  });

  t.test("a user's status changes share one budget across their sockets: the excess is RATE_LIMITED", async (t) => {
    const tabs = [
      await connectClient(t, url, { token: await token('burst') }),
      await connectClient(t, url, { token: await token('burst') }),
    ];
    await eventually(() => watched.includes('online:burst'), WAIT_MS, 'the watcher to see burst come');
    // Sent at once, 4 per tab: far below each socket's own event budget, over the user's (5, then 1/s).
    const acks = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        request(tabs[i % 2]!.socket, 'player:status_change', { status: `state${i}` }),
      ),
    );
    const refused = acks.filter((ack) => !ack.ok);
    t.ok(refused.length >= 1, `${refused.length} of 8 refused`);
    t.ok(
      refused.every(
        (ack) => !ack.ok && ack.error.code === 'RATE_LIMITED' && /status changes too fast/.test(ack.error.message),
      ),
      'each with RATE_LIMITED',
    );
    const accepted = acks.flatMap((ack, i) => (ack.ok ? [`status:burst:state${i}`] : []));
    // A backend's change (not limited) after them: once the watcher has it, it has everything before.
    t.equal(await pod!.app.presence.setStatus('burst', 'after'), true);
    await eventually(() => watched.includes('status:burst:after'), WAIT_MS, 'the watcher to see the marker');
    t.same(
      watched.filter((entry) => entry.startsWith('status:burst:state')).sort(),
      accepted.sort(),
      'exactly the accepted changes were announced',
    );
  });

  t.test('player:watch reads presence only for ids the socket did not watch yet', async (t) => {
    const client = new Redis(redis.port, '127.0.0.1');
    t.teardown(() => client.quit());
    const reader = await connectClient(t, url, { token: await token('reader') });
    const ids = Array.from({ length: 150 }, (_, i) => `w${i}`);
    const commands = await monitorCommands(t, client);
    /** The watched ids whose presence keys the service named in a command since `from`. */
    const readIds = (from: number): Set<string> =>
      new Set(
        commands.sent(from).flatMap((command) => command.args.flatMap((arg) => /:u:(w\d+)$/.exec(arg)?.[1] ?? [])),
      );

    await commands.settle();
    let from = commands.commands.length;
    const first = await request<UserPresence[]>(reader.socket, 'player:watch', { userIds: ids });
    await commands.settle();
    t.equal(first.ok && first.data?.length, 150, 'the first watch answers all 150');
    t.equal(readIds(from).size, 150, 'and read them: the count sees reads');
    const scripts = commands.sent(from).filter((command) => command.args.some((arg) => /:u:w\d+$/.test(arg))).length;
    t.ok(scripts <= 16, `${scripts} script calls for 150 users (one per shard)`);

    await commands.settle();
    from = commands.commands.length;
    t.same(await request(reader.socket, 'player:watch', { userIds: ids }), { ok: true, data: [] });
    await commands.settle();
    t.same([...readIds(from)], [], 'the same ids again: no presence read at all');

    const more = [...ids.slice(0, 100), ...Array.from({ length: 50 }, (_, i) => `w${150 + i}`)];
    from = commands.commands.length;
    const third = await request<UserPresence[]>(reader.socket, 'player:watch', { userIds: more });
    await commands.settle();
    t.equal(third.ok && third.data?.length, 50, 'the ack lists the 50 new ones');
    t.same([...readIds(from)].sort(), more.slice(100).sort(), 'and only they were read');
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
