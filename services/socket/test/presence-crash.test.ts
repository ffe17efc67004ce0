import t from 'tap';
import { createEmitter, type GameEmitter } from '@gamesocket/emitter';
import type { ConnectedPayload, LobbyStats, UserPresence } from '@gamesocket/protocol';
import {
  connectClient,
  createClient,
  eventually,
  mintToken,
  publishUntil,
  request,
  spawnService,
  startRedis,
  withTimeout,
  type RedisServer,
  type ServiceProcess,
  type TapTest,
  type TestSocket,
} from '@gamesocket/test-helpers';

/**
 * Presence when pods crash, restart, drain or lose Redis — with real redis-server and real pod
 * processes (`services/socket/dist/main.js`) in `redis` mode, and a short PRESENCE_TTL_MS so a
 * killed pod is reaped within seconds.
 */

const API_TOKEN = 'backend-api-token-for-presence-tests';
const TTL_MS = 3000;
/** Generous bound for the reaping of a SIGKILLed pod (documented: 1.25 x PRESENCE_TTL_MS). */
const DETECTION_BOUND_MS = 15_000;

/** Spawns one pod (sequentially: booting several at once on a busy CI box can exceed spawnService's bound). */
function spawnPod(t: TapTest, redis: RedisServer, env: Record<string, string>): Promise<ServiceProcess> {
  return spawnService(t, {
    REDIS_URL: redis.url,
    ADAPTER: 'redis',
    PRESENCE_TTL_MS: String(TTL_MS),
    PUBLISH_API_TOKEN: API_TOKEN,
    ...env,
  });
}

/** Display names differ from user ids, so a payload that confuses the two shows. */
const nameOf = (userId: string): string => `Player ${userId}`;

/** A user's socket; `timeoutMs` bounds the whole handshake (presence middleware included). */
async function connectUser(
  t: TapTest,
  pod: ServiceProcess,
  userId: string,
  timeoutMs = 5000,
): Promise<{ socket: TestSocket; connected: ConnectedPayload }> {
  const socket = createClient(t, pod.url, { token: await mintToken({ sub: userId, username: nameOf(userId) }) });
  const connected = await withTimeout(
    new Promise<ConnectedPayload>((resolve, reject) => {
      socket.once('system:connected', resolve);
      socket.once('connect_error', reject);
    }),
    timeoutMs,
    `${userId} to connect`,
  );
  t.equal(connected.auth, 'ok', `${userId} connected to ${connected.nodeId}`);
  return { socket, connected };
}

/** `lobby:stats` as `socket` gets it, or undefined while presence is unavailable. */
async function stats(socket: TestSocket): Promise<LobbyStats | undefined> {
  try {
    const ack = await request<LobbyStats>(socket, 'lobby:stats');
    return ack.ok ? ack.data : undefined;
  } catch {
    return undefined;
  }
}

const sameStats = (a: LobbyStats | undefined, b: LobbyStats): boolean =>
  a !== undefined && a.online === b.online && a.connections === b.connections && a.nodes === b.nodes;

/** Waits until `lobby:stats` (asked on `socket`) equals `want`; returns what it last saw on timeout too. */
async function statsBecome(t: TapTest, socket: TestSocket, want: LobbyStats, timeoutMs: number, what: string) {
  let last: LobbyStats | undefined;
  try {
    await eventually(
      async () => sameStats((last = await stats(socket)), want),
      timeoutMs,
      `lobby:stats ${JSON.stringify(want)}`,
    );
  } catch {
    // Reported by the assertion below with what was seen last.
  }
  t.same(last, want, what);
}

/** `GET /v1/presence/:userId` through `pod`. */
async function presenceOf(pod: ServiceProcess, userId: string): Promise<UserPresence | undefined> {
  try {
    const res = await fetch(`${pod.url}/v1/presence/${userId}`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    return res.status === 200 ? ((await res.json()) as UserPresence) : undefined;
  } catch {
    return undefined;
  }
}

async function readyStatus(url: string): Promise<number> {
  return (await fetch(`${url}/readyz`)).status;
}

interface PresenceEvent {
  kind: 'online' | 'offline';
  userId: string;
  /** As listed online (a diff lists offline users by id only). */
  username: string | undefined;
  /** Local receipt time (epoch ms). */
  at: number;
}

/**
 * An anonymous lobby client that records the entries of the lobby's `lobby:presence_diff`s; with
 * `watch`, a signed-in spectator on the same pod (outside the lobby, so one more user and socket in
 * the stats) watches those users for the names their `player:offline` carries.
 */
interface Observer {
  socket: TestSocket;
  events: PresenceEvent[];
  count(kind: PresenceEvent['kind'], userId: string): number;
  /** The first `kind` entry for `userId` (already seen or upcoming), bounded by `timeoutMs`. */
  next(kind: PresenceEvent['kind'], userId: string, timeoutMs: number): Promise<PresenceEvent>;
  /** The username of the spectator's `player:offline` for `userId` (a watched user), bounded by `timeoutMs`. */
  offlineName(userId: string, timeoutMs: number): Promise<string | undefined>;
  /**
   * Publishes a marker to the lobby over Redis (the emitter's own connection) until the observer
   * gets it: proves its pod receives cross-pod broadcasts, and that whatever the pods published
   * to the lobby before now has been delivered.
   */
  barrier(): Promise<void>;
}

async function observe(t: TapTest, pod: ServiceProcess, emitter: GameEmitter, watch: string[] = []): Promise<Observer> {
  const { socket } = await connectClient(t, pod.url);
  const events: PresenceEvent[] = [];
  const markers = new Set<number>();
  let nextMarker = 1;
  socket.on('lobby:presence_diff', (diff) => {
    const at = Date.now();
    for (const entry of diff.online)
      events.push({ kind: 'online', userId: entry.userId, username: entry.username, at });
    for (const userId of diff.offline) events.push({ kind: 'offline', userId, username: undefined, at });
  });
  socket.on('lobby:stats', (s) => {
    if (s.nodes === -1) markers.add(s.connections);
  });
  t.same(await request(socket, 'lobby:join'), { ok: true }, 'the observer joined the lobby');
  const offlineNames = new Map<string, string | undefined>();
  if (watch.length > 0) {
    const spectator = await connectUser(t, pod, 'spectator');
    spectator.socket.on('player:offline', (p) => offlineNames.set(p.userId, p.username));
    t.match(await request(spectator.socket, 'player:watch', { userIds: watch }), { ok: true }, 'the spectator watches');
  }
  const find = (kind: PresenceEvent['kind'], userId: string): PresenceEvent | undefined =>
    events.find((e) => e.kind === kind && e.userId === userId);
  return {
    socket,
    events,
    count: (kind, userId) => events.filter((e) => e.kind === kind && e.userId === userId).length,
    async next(kind, userId, timeoutMs) {
      await eventually(() => find(kind, userId) !== undefined, timeoutMs, `${userId} listed ${kind}`);
      return find(kind, userId) as PresenceEvent;
    },
    async offlineName(userId, timeoutMs) {
      await eventually(() => offlineNames.has(userId), timeoutMs, `player:offline for ${userId} to the spectator`);
      return offlineNames.get(userId);
    },
    async barrier() {
      const marker = nextMarker++;
      await publishUntil(
        () =>
          emitter
            .toLobby()
            .emit('lobby:stats', { online: -1, connections: marker, nodes: -1 })
            .catch(() => undefined),
        () => markers.has(marker),
        10_000,
        250,
      );
    },
  };
}

async function openEmitter(t: TapTest, redis: RedisServer): Promise<GameEmitter> {
  const emitter = await createEmitter({ redis: redis.url, mode: 'redis' });
  t.teardown(() => emitter.close());
  return emitter;
}

/**
 * Redis, pods `pod-a` and `pod-b` (with `env`), and an observer of the lobby on pod A (with a
 * spectator of `watch`) that got a barrier through.
 */
async function twoPods(t: TapTest, env: Record<string, string> = {}, watch: string[] = []) {
  const redis = await startRedis(t);
  const emitter = await openEmitter(t, redis);
  const podA = await spawnPod(t, redis, { NODE_ID: 'pod-a', ...env });
  const podB = await spawnPod(t, redis, { NODE_ID: 'pod-b', ...env });
  const observer = await observe(t, podA, emitter, watch);
  await observer.barrier();
  return { redis, podA, podB, observer };
}

/** Opens a client that must be refused; resolves with the connect_error. */
async function refused(t: TapTest, pod: ServiceProcess, token: string): Promise<Error & { data?: unknown }> {
  const socket = createClient(t, pod.url, { token });
  return withTimeout(
    new Promise<Error & { data?: unknown }>((resolve, reject) => {
      socket.once('connect_error', resolve);
      socket.once('system:connected', () => reject(new Error('the connection was accepted')));
    }),
    5000,
    'connect_error',
  );
}

const lines = (pods: ServiceProcess[], text: string): string[] =>
  pods.flatMap((pod) => pod.lines.filter((line) => line.includes(text)));

t.test('SIGKILL of a pod: its users go offline within the bound, users with sockets elsewhere stay', async (t) => {
  const redis = await startRedis(t);
  const emitter = await openEmitter(t, redis);
  const podA = await spawnPod(t, redis, { NODE_ID: 'pod-a' });
  const podB = await spawnPod(t, redis, { NODE_ID: 'pod-b' });
  const podC = await spawnPod(t, redis, { NODE_ID: 'pod-c' });
  const observer = await observe(t, podA, emitter, ['u1']);
  await observer.barrier();

  await connectUser(t, podC, 'u1');
  await connectUser(t, podC, 'u2');
  await connectUser(t, podA, 'u2');
  const u3 = await connectUser(t, podB, 'u3');
  await eventually(
    () => ['u1', 'u2', 'u3'].every((u) => observer.count('online', u) >= 1),
    5000,
    'the lobby to list u1, u2, u3 online',
  );
  // The spectator is one more user with one socket.
  await statsBecome(t, u3.socket, { online: 4, connections: 5, nodes: 3 }, 5000, 'stats before the crash');
  await observer.barrier();
  for (const u of ['u1', 'u2', 'u3']) t.equal(observer.count('online', u), 1, `${u} listed online exactly once`);
  t.equal((await observer.next('online', 'u1', 0)).username, nameOf('u1'), 'the lobby lists u1 by name');

  const killedAt = Date.now();
  await podC.stop('SIGKILL');
  const offline = await observer.next('offline', 'u1', DETECTION_BOUND_MS);
  const detectionMs = offline.at - killedAt;
  t.equal(await observer.offlineName('u1', 5000), nameOf('u1'), 'player:offline names the user as the lobby did');
  t.comment(
    `SIGKILL -> lobby lists u1 offline: ${detectionMs} ms (PRESENCE_TTL_MS ${TTL_MS}, 1.25 x = ${1.25 * TTL_MS})`,
  );
  t.ok(detectionMs <= DETECTION_BOUND_MS, `u1 went offline within ${DETECTION_BOUND_MS} ms`);

  await statsBecome(t, u3.socket, { online: 3, connections: 3, nodes: 2 }, 10_000, 'stats after the reaping');
  await observer.barrier();
  t.equal(observer.count('offline', 'u1'), 1, 'u1 listed offline exactly once');
  t.equal(observer.count('offline', 'u2'), 0, 'u2 not listed offline (still on pod A)');
  t.equal(observer.count('offline', 'u3'), 0, 'u3 not listed offline (on pod B)');
  t.equal(observer.count('online', 'u2'), 1, 'u2 not listed online again');
  t.match(await presenceOf(podB, 'u1'), { online: false, connections: 0 }, 'u1 is offline in /v1/presence');
  t.match(await presenceOf(podB, 'u2'), { online: true, connections: 1 }, 'u2 is online with one socket');
  t.match(await presenceOf(podB, 'u3'), { online: true, connections: 1 }, 'u3 is online');
  t.ok(podA.alive() && podB.alive(), 'the surviving pods are alive');
  t.same(lines([podA, podB], '"unhandled rejection"'), [], 'no unhandled rejection was logged');
});

t.test('a restart under the same NODE_ID clears the sockets of its previous life at boot', async (t) => {
  const redis = await startRedis(t);
  const emitter = await openEmitter(t, redis);
  const longTtl = { NODE_ID: 'pod-d', PRESENCE_TTL_MS: '60000' };
  const podA = await spawnPod(t, redis, { NODE_ID: 'pod-a' });
  const podD = await spawnPod(t, redis, longTtl);
  const observer = await observe(t, podA, emitter, ['u4']);
  await observer.barrier();
  await connectUser(t, podD, 'u4');
  await observer.next('online', 'u4', 5000);
  t.match(await presenceOf(podA, 'u4'), { online: true, connections: 1 }, 'u4 is online');

  const killedAt = Date.now();
  await podD.stop('SIGKILL');
  const podD2 = await spawnPod(t, redis, longTtl);
  const listeningAt = Date.now();
  const offline = await observer.next('offline', 'u4', 10_000);
  // This offline comes from RedisPresence.syncNode, whose removal reports the name stored with the user.
  t.equal(await observer.offlineName('u4', 5000), nameOf('u4'), 'player:offline names the user as the lobby did');
  t.comment(
    `SIGKILL -> lobby lists u4 offline: ${offline.at - killedAt} ms ` +
      `(new pod-d listening after ${listeningAt - killedAt} ms; its TTL is 60000 ms)`,
  );
  t.ok(offline.at - killedAt < 60_000 / 2, 'u4 went offline long before the old TTL expired');
  t.same(
    await presenceOf(podA, 'u4'),
    { userId: 'u4', online: false, connections: 0, status: null },
    '/v1/presence/u4 says offline',
  );
  t.match(await presenceOf(podD2, 'u4'), { online: false }, 'the new pod-d agrees');
  await statsBecome(t, observer.socket, { online: 1, connections: 1, nodes: 2 }, 5000, 'stats: the spectator only');
  await observer.barrier();
  t.equal(observer.count('offline', 'u4'), 1, 'u4 listed offline exactly once');

  // The new life registers its own sockets normally.
  await connectUser(t, podD2, 'u4');
  await observer.barrier();
  await eventually(() => observer.count('online', 'u4') === 2, 5000, 'u4 listed online again');
  await observer.barrier();
  t.equal(observer.count('online', 'u4'), 2, 'u4 comes online again on the new pod-d');
  t.match(await presenceOf(podA, 'u4'), { online: true, connections: 1 }, 'u4 is online with one socket');
});

t.test('Redis outage during presence changes: presence converges to the real sockets', async (t) => {
  const { redis, podA, podB, observer } = await twoPods(t);
  const u6 = await connectUser(t, podA, 'u6');
  const u8 = await connectUser(t, podA, 'u8');
  const u9 = await connectUser(t, podB, 'u9');
  // u9 watches u7, who comes only after Redis came back empty: pod B must have registered the watch again.
  t.match(await request(u9.socket, 'player:watch', { userIds: ['u7'] }), { ok: true }, 'u9 watches u7');
  const u7Online = new Promise<void>((resolve) =>
    u9.socket.on('player:online', (p) => {
      if (p.userId === 'u7') resolve();
    }),
  );
  await statsBecome(t, u8.socket, { online: 3, connections: 3, nodes: 2 }, 5000, 'stats before the outage');
  // The lobby has listed them: what it must hear after the outage is a change of what it knew.
  await eventually(
    () => ['u6', 'u8', 'u9'].every((user) => observer.count('online', user) === 1),
    5000,
    'the lobby to list u6, u8 and u9 online',
  );

  await redis.kill();
  await eventually(
    async () => (await readyStatus(podA.url)) === 503 && (await readyStatus(podB.url)) === 503,
    10_000,
    'readyz 503 on both pods',
  );
  const connectStart = Date.now();
  // Presence is skipped while Redis is known down, so the handshake does not wait for it.
  const u5 = await connectUser(t, podB, 'u5');
  t.comment(`u5 handshake during the outage took ${Date.now() - connectStart} ms`);
  u6.socket.disconnect();
  // Pod A has seen the disconnect once its connections gauge counts only u8 (the observer is anonymous).
  await eventually(
    async () =>
      /^gamesocket_connections\{[^}]*auth="ok"[^}]*\} 1$/m.test(await (await fetch(`${podA.url}/metrics`)).text()),
    5000,
    'pod A to count one authenticated socket',
  );
  t.ok(podA.alive() && podB.alive(), 'both pods survive the outage');
  const eventsBefore = observer.events.length;

  const restartedAt = Date.now();
  await redis.restart();
  // lobby:stats is cached for a second per pod: first wait until both pods use the new Redis.
  await eventually(
    async () => (await readyStatus(podA.url)) === 200 && (await readyStatus(podB.url)) === 200,
    15_000,
    'readyz 200 on both pods',
  );
  await statsBecome(
    t,
    u8.socket,
    { online: 3, connections: 3, nodes: 2 },
    15_000,
    'lobby:stats equals the real sockets (u5, u8, u9) after Redis came back empty',
  );
  t.comment(`presence converged ${Date.now() - restartedAt} ms after Redis restarted`);
  const expected: [ServiceProcess, string, boolean, string][] = [
    [podA, 'u5', true, 'u5 (joined during the outage) is online'],
    [podA, 'u6', false, 'u6 (left during the outage) is offline'],
    [podB, 'u8', true, 'u8 is still online'],
    [podB, 'u9', true, 'u9 is still online'],
  ];
  await eventually(
    async () => {
      const all = await Promise.all(expected.map(([pod, user]) => presenceOf(pod, user)));
      return all.every((p, i) => p?.online === expected[i]?.[2]);
    },
    15_000,
    'presence of u5, u6, u8, u9 to converge',
  );
  for (const [pod, user, online, what] of expected) {
    t.match(await presenceOf(pod, user), { online, connections: online ? 1 : 0 }, what);
  }
  t.ok(u5.socket.connected && u8.socket.connected, 'the clients stayed connected');
  t.ok(podA.alive() && podB.alive(), 'no pod exited');
  const entriesAfter = (): string[] => observer.events.slice(eventsBefore).map((e) => `${e.kind}:${e.userId}`);
  // Each pod's diff goes out an interval after its resync: wait for both (bounded), then report.
  await eventually(
    () => entriesAfter().includes('offline:u6') && entriesAfter().includes('online:u5'),
    5000,
    'the lobby to list u6 offline and u5 online',
  ).catch(() => undefined);
  const after = entriesAfter();
  t.comment(`lobby presence entries after the outage: ${after.length === 0 ? 'none' : after.join(', ')}`);
  t.ok(after.includes('offline:u6'), 'the lobby hears that u6 (left during the outage) went offline');
  t.ok(after.includes('online:u5'), 'and that u5 (joined during the outage) is online');
  await connectUser(t, podA, 'u7');
  await withTimeout(u7Online, 5000, "u7's player:online to reach u9 (pod B's watch registered again)");
  t.same(lines([podA, podB], '"unhandled rejection"'), [], 'no unhandled rejection was logged');
});

t.test(
  'SIGTERM: a drained pod leaves its users to the reaper: who moved never flaps, who left goes offline',
  async (t) => {
    const { podA, podB, observer } = await twoPods(t, {}, ['u10']);
    await connectUser(t, podB, 'u10');
    await connectUser(t, podB, 'u11');
    await connectUser(t, podA, 'u11');
    const late = await connectUser(t, podB, 'u12');
    await eventually(
      () => ['u10', 'u11', 'u12'].every((user) => observer.count('online', user) === 1),
      5000,
      'the lobby to list u10, u11 and u12 online',
    );

    const stoppedAt = Date.now();
    t.equal(await podB.stop('SIGTERM'), 0, 'pod B exits 0 on SIGTERM');
    t.ok(
      podB.lines.some((line) => line.includes('left to the reaper')),
      'with pod A alive, pod B hands its sockets to the reaper instead of sweeping them',
    );
    // u12 comes back on pod A only after pod B is gone (a slow reconnect in a storm): before the
    // hand-off, pod B's sweep announced such a user offline, then pod A online again.
    late.socket.disconnect();
    await connectUser(t, podA, 'u12');
    const offline = await observer.next('offline', 'u10', DETECTION_BOUND_MS);
    t.equal(await observer.offlineName('u10', 5000), nameOf('u10'), 'player:offline names the user as the lobby did');
    t.comment(`SIGTERM -> lobby lists u10 offline: ${offline.at - stoppedAt} ms (PRESENCE_TTL_MS ${TTL_MS})`);
    await observer.barrier();
    t.equal(observer.count('offline', 'u10'), 1, 'u10 listed offline exactly once');
    t.equal(observer.count('offline', 'u11'), 0, 'u11 not listed offline (still on pod A)');
    t.equal(observer.count('offline', 'u12'), 0, 'u12 not listed offline (moved to pod A)');
    t.equal(observer.count('online', 'u12'), 1, 'and not listed online a second time');
    // The spectator is one more user with one socket on pod A.
    await statsBecome(t, observer.socket, { online: 3, connections: 3, nodes: 1 }, 5000, 'stats after the drain');
    t.match(await presenceOf(podA, 'u10'), { online: false }, 'u10 is offline');
    t.match(await presenceOf(podA, 'u11'), { online: true, connections: 1 }, 'u11 is online with one socket');
    t.match(await presenceOf(podA, 'u12'), { online: true, connections: 1 }, 'u12 is online with one socket');
  },
);

t.test('SIGTERM: a many-tab user moving off a drained pod stays under the per-user cap and online', async (t) => {
  const { podA, podB, observer } = await twoPods(t, { MAX_CONNECTIONS_PER_USER: '3' });
  const tabs = [await connectUser(t, podB, 'u14'), await connectUser(t, podB, 'u14')];
  await observer.next('online', 'u14', 5000);
  t.equal(await podB.stop('SIGTERM'), 0, 'pod B exits 0 on SIGTERM');
  for (const tab of tabs) tab.socket.disconnect();
  // Pod B removed one of the two drained sockets and kept the last: 1 + 2 new = 3, at the cap.
  await connectUser(t, podA, 'u14');
  await connectUser(t, podA, 'u14');
  await eventually(
    async () => (await presenceOf(podA, 'u14'))?.connections === 2,
    DETECTION_BOUND_MS,
    'the kept socket reaped',
  );
  await observer.barrier();
  t.equal(observer.count('offline', 'u14'), 0, 'u14 never went offline');
  t.equal(observer.count('online', 'u14'), 1, 'and was listed online once');
});

t.test('SIGTERM of the last pod sweeps its users at once', async (t) => {
  const redis = await startRedis(t);
  const podA = await spawnPod(t, redis, { NODE_ID: 'pod-a' });
  await connectUser(t, podA, 'u13');
  t.match(await presenceOf(podA, 'u13'), { online: true }, 'u13 is online');
  t.equal(await podA.stop('SIGTERM'), 0, 'pod A exits 0 on SIGTERM');
  t.notOk(
    podA.lines.some((line) => line.includes('left to the reaper')),
    'alone, pod A does not wait for a reaper',
  );
  const podB = await spawnPod(t, redis, { NODE_ID: 'pod-b' });
  t.match(await presenceOf(podB, 'u13'), { online: false, connections: 0 }, 'u13 is offline right away');
});

t.test('MAX_CONNECTIONS_PER_USER holds across pods', async (t) => {
  const redis = await startRedis(t);
  const podA = await spawnPod(t, redis, { NODE_ID: 'pod-a', MAX_CONNECTIONS_PER_USER: '2' });
  const podB = await spawnPod(t, redis, { NODE_ID: 'pod-b', MAX_CONNECTIONS_PER_USER: '2' });
  const token = await mintToken({ sub: 'u7', username: 'u7' });
  const first = await connectClient(t, podA.url, { token });
  await connectClient(t, podB.url, { token });

  for (const [name, pod] of [
    ['A', podA],
    ['B', podB],
  ] as const) {
    const err = await refused(t, pod, token);
    t.equal(err.message, 'connection limit reached', `a third socket on pod ${name} is refused`);
    t.match(err.data, { code: 'CONNECTION_LIMIT', message: String }, 'connect_error data names CONNECTION_LIMIT');
    t.same(Object.keys(err.data as object).sort(), ['code', 'message'], 'and carries only code and message');
  }
  t.match(await presenceOf(podA, 'u7'), { online: true, connections: 2 }, 'refused sockets are not counted');

  first.socket.disconnect();
  await eventually(async () => (await presenceOf(podB, 'u7'))?.connections === 1, 5000, 'u7 to hold one socket');
  const again = await connectClient(t, podB.url, { token });
  t.equal(again.connected.auth, 'ok', 'after one closes, a new socket is accepted');
  t.match(await presenceOf(podA, 'u7'), { online: true, connections: 2 }, 'u7 holds two sockets again');
  await refused(t, podA, token);
  t.pass('and the cap applies again');
});
