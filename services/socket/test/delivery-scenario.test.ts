import t from 'tap';
import { io, type Socket } from 'socket.io-client';
import { createEmitter } from '@gamesocket/emitter';
import type { ConnectedPayload } from '@gamesocket/protocol';
import {
  TEST_ORIGIN,
  authCookie,
  eventually,
  mintToken,
  spawnService,
  startProxy,
  startRedis,
} from '@gamesocket/test-helpers';

const CLIENTS = 200;
const MATCHES = 4;
const PUBLISH_EVERY_MS = 10;

/** One player: the updates it saw (with the connection they came on) and its connections. */
interface Player {
  userId: string;
  matchId: string;
  socket: Socket;
  updates: { seq: number; connection: number }[];
  connects: ConnectedPayload[];
}

/**
 * Per-player tally of updates `first`+1..`last` (counting starts on the first connection): a gap is
 * `missing` unless a reconnect that was not a recovery lies inside it.
 */
function tally(player: Player, first: number, last: number) {
  let duplicated = 0;
  let missing = 0;
  let outOfOrder = 0;
  const resynced = (from: number, to: number): boolean =>
    player.connects.slice(from, to).some((connect) => !connect.recovered);
  const counted = player.updates.filter((update) => update.seq > first);
  let prev = { seq: first, connection: 1 };
  for (const cur of counted) {
    if (cur.seq === prev.seq) duplicated++;
    else if (cur.seq < prev.seq) outOfOrder++;
    else if (cur.seq > prev.seq + 1 && !resynced(prev.connection, cur.connection)) missing += cur.seq - prev.seq - 1;
    prev = cur;
  }
  if (prev.seq < last) missing += last - prev.seq;
  return { delivered: counted.length, duplicated, missing, outOfOrder };
}

t.test(
  '3 pods, 200 players, a steady publisher: SIGTERM (drain) and restart one pod, then SIGKILL another',
  async (t) => {
    const redis = await startRedis(t);
    const env = { REDIS_URL: redis.url, ADAPTER: 'redis-streams', DRAIN_WINDOW_MS: '1000' };
    const podA = await spawnService(t, { ...env, NODE_ID: 'pod-a' });
    const podB = await spawnService(t, { ...env, NODE_ID: 'pod-b' });
    const podC = await spawnService(t, { ...env, NODE_ID: 'pod-c' });
    const proxy = await startProxy(t, [podA.port, podB.port, podC.port]);
    const emitter = await createEmitter({ redis: redis.url, mode: 'redis-streams' });
    t.teardown(() => emitter.close());

    const players: Player[] = await Promise.all(
      Array.from({ length: CLIENTS }, async (_, i) => {
        const userId = `player${i}`;
        const socket: Socket = io(proxy.url, {
          transports: ['websocket'],
          extraHeaders: { origin: TEST_ORIGIN, cookie: authCookie(await mintToken({ sub: userId })) },
          reconnectionDelay: 100,
          reconnectionDelayMax: 500,
          forceNew: true,
        });
        t.teardown(() => {
          socket.disconnect();
        });
        const player: Player = { userId, matchId: String(i % MATCHES), socket, updates: [], connects: [] };
        // room:update, not match:state_update: state updates are volatile (never replayed by recovery).
        socket.on('room:update', (update: { seq: number }) =>
          player.updates.push({ seq: update.seq, connection: player.connects.length }),
        );
        socket.on('system:connected', (payload: ConnectedPayload) => {
          player.connects.push(payload);
          // What a game client does in onResync: fetch the state again and rejoin (here: the backend re-adds it).
          if (player.connects.length > 1 && !payload.recovered) {
            void emitter.joinRoom({ userId, rooms: `match:${player.matchId}` });
          }
        });
        return player;
      }),
    );
    await eventually(() => players.every((p) => p.connects.length === 1), 20_000, 'every player connected');
    await Promise.all(players.map((p) => emitter.joinRoom({ userId: p.userId, rooms: `match:${p.matchId}` })));
    const on = (nodeId: string) => players.filter((p) => p.connects[0]?.nodeId === nodeId);
    t.ok(on('pod-a').length > 0 && on('pod-b').length > 0 && on('pod-c').length > 0, 'players on every pod');

    // The publisher: numbered updates per match, round-robin over the matches, at a steady rate.
    const seqs = Array.from({ length: MATCHES }, () => 0);
    let turn = 0;
    const publish = async (): Promise<void> => {
      const match = turn++ % MATCHES;
      await emitter.toMatch(String(match)).emit('room:update', {
        roomId: String(match),
        name: `match ${match}`,
        players: CLIENTS / MATCHES,
        maxPlayers: CLIENTS / MATCHES,
        seq: ++seqs[match]!,
      });
    };
    // Every stream reader delivers before counting starts.
    await eventually(
      async () => {
        for (let m = 0; m < MATCHES; m++) await publish();
        return players.every((p) => p.updates.length > 0);
      },
      10_000,
      'the first update to every player',
    );
    const firstSeq = [...seqs];
    let publishErrors = 0;
    const timer = setInterval(() => void publish().catch(() => publishErrors++), PUBLISH_EVERY_MS);
    t.teardown(() => clearInterval(timer));

    // 1. Rolling deploy: pod A leaves the endpoints, drains and exits; a new pod A' joins.
    const drained = on('pod-a');
    proxy.setTargets([podB.port, podC.port]);
    t.equal(await podA.stop('SIGTERM', 20_000), 0, 'the drained pod exits 0');
    await eventually(() => drained.every((p) => p.connects.length === 2), 15_000, 'every drained player reconnected');
    const podA2 = await spawnService(t, { ...env, NODE_ID: 'pod-a2' });
    proxy.setTargets([podA2.port, podB.port, podC.port]);

    // 2. A crash: pod B is killed outright.
    const killed = players.filter((p) => p.connects.at(-1)?.nodeId === 'pod-b');
    const killedConnects = new Map(killed.map((p) => [p, p.connects.length]));
    proxy.setTargets([podA2.port, podC.port]);
    await podB.stop('SIGKILL', 10_000);
    await eventually(
      () => killed.every((p) => p.connects.length > killedConnects.get(p)!),
      15_000,
      'every player of the killed pod reconnected',
    );
    await eventually(
      () => players.every((p) => p.socket.connected && p.updates.at(-1)?.connection === p.connects.length),
      10_000,
      'live updates to every player on its current connection',
    );

    clearInterval(timer);
    t.equal(publishErrors, 0, 'the publisher never failed');
    await eventually(
      () => players.every((p) => p.updates.at(-1)?.seq === seqs[Number(p.matchId)]),
      15_000,
      'the last update to every player',
    );

    const totals = { delivered: 0, duplicated: 0, missing: 0, outOfOrder: 0, recovered: 0, resync: 0 };
    for (const player of players) {
      const match = Number(player.matchId);
      const counts = tally(player, firstSeq[match]!, seqs[match]!);
      for (const key of ['delivered', 'duplicated', 'missing', 'outOfOrder'] as const) totals[key] += counts[key];
      if (counts.missing + counts.duplicated + counts.outOfOrder > 0) {
        t.comment(
          `${player.userId} (match ${match}, from ${firstSeq[match]! + 1} to ${seqs[match]!}): ${JSON.stringify(counts)}`,
          `connects ${JSON.stringify(player.connects.map((c) => [c.nodeId, c.recovered]))}`,
          `updates ${player.updates.map((u) => `${u.seq}@${u.connection}`).join(' ')}`,
        );
      }
      for (const connect of player.connects.slice(1)) totals[connect.recovered ? 'recovered' : 'resync']++;
    }
    const drainedRecovered = drained.filter((p) => p.connects[1]?.recovered === true).length;
    const killedResync = killed.filter((p) => p.connects[killedConnects.get(p)!]?.recovered === false).length;
    t.comment(
      `delivery: ${CLIENTS} players on 3 pods, ${seqs.reduce((a, b) => a + b, 0)} updates published; ` +
        `drained ${drained.length} (recovered ${drainedRecovered}), killed ${killed.length} (resync ${killedResync}); ` +
        `delivered ${totals.delivered}, duplicated ${totals.duplicated}, missing ${totals.missing}, ` +
        `out of order ${totals.outOfOrder}, reconnects recovered ${totals.recovered}, resync ${totals.resync}`,
    );
    t.equal(drainedRecovered, drained.length, 'every player of the drained pod recovered on another pod');
    t.equal(totals.duplicated, 0, 'no update twice');
    t.equal(totals.outOfOrder, 0, 'no update out of order');
    t.equal(totals.missing, 0, 'no update silently missing: every gap follows a recovered:false');
    // A killed pod never stored its sessions (Socket.IO does that on disconnect): nobody can recover them.
    t.equal(killedResync, killed.length, 'every player of the killed pod was told to resync');
  },
);
