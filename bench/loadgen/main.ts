// The load generator: one process holding thousands of raw protocol clients (and a handful of real
// socket.io-client connections that check correctness), driven by the runner over IPC.
import { io, type Socket } from 'socket.io-client';
import { MAX_WATCHED_USERS } from '@gamesocket/protocol';
import { serveRpc } from '../lib/rpc.js';
import { FANOUT_EVENT, LOBBY_MATCH, matchOf, nowMs } from '../lib/schedule.js';
import { RawClient, type ClientKind } from './raw-client.js';
import { mintCookies, pool, type UserSpec } from './tokens.js';
import { recoveryHandlers } from './recovery.js';
import { BENCH_ORIGIN } from './origin.js';

// Below the service's HANDSHAKE_CONCURRENCY default (64): more would be refused as a flood.
const CONNECT_CONCURRENCY = 50;

interface FanoutState {
  last: number;
  received: number;
  duplicates: number;
  outOfOrder: number;
}

interface Group {
  clients: RawClient[];
  /** The match each client hears (`LOBBY_MATCH` for the lobby fanout). */
  matchOf: Map<RawClient, string>;
  fanout: Map<RawClient, FanoutState>;
}

const groups = new Map<string, Group>();
/** Per broadcast (`<match>:<seq>`): deliveries so far and the latest arrival (ms after the scheduled send). */
let perBroadcast = new Map<string, { count: number; last: number }>();
let recording = false;
/** When recording started: a broadcast scheduled earlier (a warm-up one arriving late) is not counted. */
let recordingSince = 0;

function groupOf(name: string): Group {
  let group = groups.get(name);
  if (group === undefined) groups.set(name, (group = { clients: [], matchOf: new Map(), fanout: new Map() }));
  return group;
}

function recordFanout(group: Group, client: RawClient, payload: unknown): void {
  if (!recording) return;
  const { matchId, seq, state } = payload as { matchId: string; seq: number; state: { t: number } };
  if (state.t < recordingSince) return;
  const latency = nowMs() - state.t;
  const stats = group.fanout.get(client);
  if (stats === undefined) return;
  if (seq === stats.last) stats.duplicates++;
  else if (seq < stats.last) stats.outOfOrder++;
  stats.last = Math.max(stats.last, seq);
  stats.received++;
  const key = `${matchId}:${seq}`;
  const entry = perBroadcast.get(key);
  if (entry === undefined) perBroadcast.set(key, { count: 1, last: latency });
  else {
    entry.count++;
    if (latency > entry.last) entry.last = latency;
  }
}

interface ConnectArgs {
  group: string;
  /** Clients are spread round-robin over these server URLs. */
  urls: string[];
  count: number;
  kind: ClientKind;
  /** Signed-in users (`sub` = prefix + index); undefined = anonymous. */
  users?: UserSpec;
  /** Send `lobby:join` with an ack after connecting. */
  joinLobby?: boolean;
  /** Connections opened at once (default `CONNECT_CONCURRENCY`); several load generators share the service's limit. */
  concurrency?: number;
  /**
   * The rooms scenario: client `i` (counting the group's earlier clients) is in match `matchOf(i, size)`, which it
   * holds as a membership set before it connects (`membership`, gamesocket), joins with `match:join` (`event`, the
   * plain peer) or names in its URL (`url`, the raw baselines).
   */
  rooms?: { size: number; via: 'membership' | 'event' | 'url' };
}

async function connect(args: ConnectArgs): Promise<{ connected: number; failed: number; error?: string }> {
  const group = groupOf(args.group);
  const base = group.clients.length;
  const cookies = args.users === undefined ? [] : await mintCookies(args.users, base, args.count);
  const { rooms } = args;
  let failed = 0;
  let error: string | undefined;
  await pool(args.count, args.concurrency ?? CONNECT_CONCURRENCY, async (i) => {
    const match = rooms === undefined ? LOBBY_MATCH : matchOf(base + i, rooms.size);
    const client: RawClient = new RawClient({
      url: args.urls[i % args.urls.length]!,
      kind: args.kind,
      query: rooms?.via === 'url' ? `room=${match}` : undefined,
      cookie: cookies[i],
      origin: BENCH_ORIGIN,
      onEvent: (name, eventArgs) => {
        if (name === FANOUT_EVENT) recordFanout(group, client, eventArgs[0]);
      },
    });
    try {
      await client.ready;
      if (args.joinLobby === true) await client.request('lobby:join');
      if (rooms?.via === 'event') await client.request('match:join', [match]);
      group.clients.push(client);
      group.matchOf.set(client, match);
    } catch (err) {
      failed++;
      error ??= String(err);
      client.ws.terminate();
    }
  });
  return { connected: group.clients.length, failed, ...(error !== undefined && { error }) };
}

async function closeGroup({ group: name }: { group: string }): Promise<{ closed: number }> {
  const group = groups.get(name);
  if (group === undefined) return { closed: 0 };
  groups.delete(name);
  await pool(group.clients.length, 500, (i) => group.clients[i]!.close());
  return { closed: group.clients.length };
}

/** Real socket.io-client connections that check what the raw clients cannot: the stock client works. */
const checkers: { socket: Socket; seqs: number[]; firstEvent: string | undefined }[] = [];

async function checkStart(args: { urls: string[]; count: number; users?: UserSpec; expectConnected: boolean }) {
  const cookies = args.users === undefined ? [] : await mintCookies(args.users, 0, args.count);
  await Promise.all(
    Array.from({ length: args.count }, async (_, i) => {
      const socket = io(args.urls[i % args.urls.length]!, {
        transports: ['websocket'],
        extraHeaders: { origin: BENCH_ORIGIN, ...(cookies[i] !== undefined && { cookie: cookies[i] }) },
        forceNew: true,
        reconnection: false,
      });
      const checker = { socket, seqs: [] as number[], firstEvent: undefined as string | undefined };
      socket.onAny((event: string) => (checker.firstEvent ??= event));
      socket.on(FANOUT_EVENT, (payload: { seq: number; state: { t: number } }) => {
        // A warm-up broadcast arriving late is not one of the measured run's.
        if (payload.state.t >= recordingSince) checker.seqs.push(payload.seq);
      });
      checkers.push(checker);
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      await socket.timeout(10_000).emitWithAck('lobby:join');
      if (args.expectConnected) {
        const deadline = Date.now() + 5_000;
        while (checker.firstEvent === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      }
    }),
  );
  return { clients: checkers.length };
}

function checkReset(): { ok: true } {
  for (const checker of checkers) checker.seqs.length = 0;
  return { ok: true };
}

function checkStop({ expected }: { expected: number }) {
  let missing = 0;
  let duplicates = 0;
  let outOfOrder = 0;
  const firstEvents = new Set<string>();
  for (const { socket, seqs, firstEvent } of checkers) {
    const unique = new Set(seqs);
    missing += expected - [...unique].filter((s) => s >= 1 && s <= expected).length;
    duplicates += seqs.length - unique.size;
    outOfOrder += seqs.filter((s, i) => i > 0 && s < seqs[i - 1]!).length;
    firstEvents.add(firstEvent ?? 'none');
    socket.disconnect();
  }
  const clients = checkers.length;
  checkers.length = 0;
  return { clients, missing, duplicates, outOfOrder, firstEvents: [...firstEvents] };
}

function fanoutStart({ group: name }: { group: string }): { clients: number } {
  const group = groupOf(name);
  group.fanout = new Map(group.clients.map((c) => [c, { last: 0, received: 0, duplicates: 0, outOfOrder: 0 }]));
  perBroadcast = new Map();
  recording = true;
  recordingSince = nowMs();
  return { clients: group.clients.length };
}

/**
 * Waits (bounded) for broadcast `expected` of every match to reach its every client, then reports per-broadcast
 * latencies (each match's broadcasts count separately: the rooms scenario has one per room and tick).
 */
async function fanoutStop({ group: name, expected, waitMs }: { group: string; expected: number; waitMs: number }) {
  const group = groupOf(name);
  const clients = group.clients.length;
  const audience = new Map<string, number>();
  for (const match of group.matchOf.values()) audience.set(match, (audience.get(match) ?? 0) + 1);
  const complete = (match: string, seq: number): boolean =>
    (perBroadcast.get(`${match}:${seq}`)?.count ?? 0) >= audience.get(match)!;
  const deadline = Date.now() + waitMs;
  while (![...audience.keys()].every((match) => complete(match, expected)) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  recording = false;
  let received = 0;
  let duplicates = 0;
  let outOfOrder = 0;
  for (const stats of group.fanout.values()) {
    received += stats.received;
    duplicates += stats.duplicates;
    outOfOrder += stats.outOfOrder;
  }
  // A broadcast counts only when every client of its match got it: its latency is the arrival at the last one.
  const lastClientMs: number[] = [];
  for (let seq = 1; seq <= expected; seq++) {
    for (const match of audience.keys()) {
      if (complete(match, seq)) lastClientMs.push(perBroadcast.get(`${match}:${seq}`)!.last);
    }
  }
  return {
    clients,
    expected,
    received,
    missing: clients * expected - received + duplicates,
    duplicates,
    outOfOrder,
    lastClientMs,
  };
}

/**
 * The heartbeats of a group's clients since the last call: how many are still open, how many saw two pings or more,
 * and the longest wait between two pings (0 when none saw two); the gaps start over.
 */
function heartbeats({ group: name }: { group: string }) {
  const group = groupOf(name);
  let open = 0;
  let pinged = 0;
  let maxGapMs = 0;
  for (const client of group.clients) {
    if (!client.closed) open++;
    if (client.maxPingGapMs > 0) pinged++;
    maxGapMs = Math.max(maxGapMs, client.maxPingGapMs);
    client.maxPingGapMs = 0;
    client.lastPingAt = 0;
  }
  return { clients: group.clients.length, open, pinged, maxGapMs };
}

interface HandshakeArgs {
  url: string;
  count: number;
  concurrency: number;
  kind: ClientKind;
  /** Signed-in users, cycled: a reconnecting user presents the same token again. */
  users?: UserSpec & { distinct: number };
  /** Start at most this many per second (undefined: as fast as `concurrency` allows). */
  ratePerSec?: number;
}

/** Opens and closes `count` connections (handshake complete = `40` reply) with `concurrency` in flight. */
async function handshakes(args: HandshakeArgs): Promise<{ done: number; failed: number; ms: number }> {
  const cookies = args.users === undefined ? [] : await mintCookies(args.users, 0, args.users.distinct);
  let failed = 0;
  const started = nowMs();
  await pool(args.count, args.concurrency, async (i) => {
    if (args.ratePerSec !== undefined) {
      const wait = started + (i * 1000) / args.ratePerSec - nowMs();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    const client = new RawClient({
      url: args.url,
      kind: args.kind,
      cookie: cookies.length === 0 ? undefined : cookies[i % cookies.length],
      origin: BENCH_ORIGIN,
    });
    try {
      await client.ready;
    } catch {
      failed++;
    }
    await client.close();
  });
  return { done: args.count - failed, failed, ms: nowMs() - started };
}

interface ChurnSetupArgs {
  urls: [string, string];
  /** Cycles per pod over every run of this setup (warm-up included): each is a distinct user. */
  cyclesPerPod: number;
  users: UserSpec;
  /** Watchers on each pod of the users cycling on the other (gamesocket); the plain peer has no presence to watch. */
  watch: boolean;
  /** A cycle waits for `system:connected` (gamesocket), else for the `40` CONNECT reply only (the plain peer). */
  notice: boolean;
}

interface ChurnArgs {
  perPodRate: number;
  /** The first cycle (per pod) of this run, and how many cycles per pod it launches. */
  from: number;
  count: number;
}

/** What `churnSetup` prepared: the pods, every cycle's cookie, the watchers, the joins they saw. */
interface ChurnState {
  urls: [string, string];
  /** Whether a cycle waits for `system:connected` (gamesocket) or for the `40` CONNECT reply only (the peer). */
  notice: boolean;
  users: UserSpec;
  cookies: string[];
  watchers: RawClient[];
  sentAt: Map<string, { pod: number; client: RawClient }>;
  seenMs: number[];
}

let churnState: ChurnState | undefined;

/**
 * Presence churn, set up once per pod pair: cycle `i` on pod `pod` is user `i * 2 + pod`, and on each pod
 * watchers (`player:watch`, `MAX_WATCHED_USERS` users each) of the users who cycle on the other pod time how
 * long a join takes to be seen there (from the `40` CONNECT). Watchers are told at once; the lobby gets joins
 * in a pod's interval diff (`PRESENCE_DIFF_MS`), and a user who comes and goes within one interval not at all.
 */
async function churnSetup(args: ChurnSetupArgs): Promise<{ watchers: number }> {
  // A round that failed before its churnEnd leaves no watchers behind.
  await churnEnd();
  const perPod = args.cyclesPerPod;
  const cookies = await mintCookies(args.users, 0, perPod * 2);
  const watchersPerPod = args.watch ? Math.ceil(perPod / MAX_WATCHED_USERS) : 0;
  const watcherCookies = await mintCookies(
    { ...args.users, prefix: `${args.users.prefix}watcher-` },
    0,
    watchersPerPod * 2,
  );
  const sentAt = new Map<string, { pod: number; client: RawClient }>();
  const seenMs: number[] = [];
  const usersOf = (pod: number): string[] =>
    Array.from({ length: perPod }, (_, launched) => `${args.users.prefix}${launched * 2 + pod}`);
  const watchers = await Promise.all(
    Array.from({ length: watchersPerPod * 2 }, async (_, i) => {
      const pod = i % 2;
      const watcher = new RawClient({
        url: args.urls[pod]!,
        kind: 'sio',
        cookie: watcherCookies[i],
        origin: BENCH_ORIGIN,
        onEvent: (name, eventArgs) => {
          if (name !== 'player:online') return;
          const entry = sentAt.get((eventArgs[0] as { userId: string }).userId);
          if (entry !== undefined && entry.pod !== pod) seenMs.push(nowMs() - entry.client.connectSentAt);
        },
      });
      await watcher.ready;
      const chunk = Math.floor(i / 2) * MAX_WATCHED_USERS;
      await watcher.request('player:watch', [{ userIds: usersOf(1 - pod).slice(chunk, chunk + MAX_WATCHED_USERS) }]);
      return watcher;
    }),
  );
  churnState = { urls: args.urls, notice: args.notice, users: args.users, cookies, watchers, sentAt, seenMs };
  return { watchers: watchers.length };
}

/** One churn run on the set-up pods: `perPodRate` connect+disconnect cycles per second on each pod. */
async function churn(args: ChurnArgs) {
  const state = churnState;
  if (state === undefined) throw new Error('churn before churnSetup');
  const { urls, notice, users, cookies, sentAt } = state;
  const seenBefore = state.seenMs.length;
  const cycleMs: number[] = [];
  let completed = 0;
  let failed = 0;
  const inFlight = new Set<Promise<void>>();
  const started = nowMs();
  let launched = 0;
  const cycle = (index: number, pod: number): Promise<void> => {
    const userId = `${users.prefix}${index}`;
    let connected: () => void = () => undefined;
    const gotConnected = notice ? new Promise<void>((resolve) => (connected = resolve)) : Promise.resolve();
    const client = new RawClient({
      url: urls[pod]!,
      kind: 'sio',
      cookie: cookies[index],
      origin: BENCH_ORIGIN,
      onEvent: (name) => name === 'system:connected' && connected(),
    });
    // Registered before connecting: the other pod may announce the join before our `40` reply arrives.
    sentAt.set(userId, { pod, client });
    const began = nowMs();
    return (async () => {
      try {
        await client.ready;
        await Promise.race([gotConnected, new Promise((r) => setTimeout(r, 10_000))]);
        await client.close();
        cycleMs.push(nowMs() - began);
        completed++;
      } catch {
        failed++;
        client.ws.terminate();
      }
    })();
  };
  // Launch on a 5 ms grid whatever is due, so the offered rate holds even when the server lags.
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const due = Math.min(args.count, Math.floor(((nowMs() - started) * args.perPodRate) / 1000));
      while (launched < due) {
        for (let pod = 0; pod < 2; pod++) {
          const p = cycle((args.from + launched) * 2 + pod, pod);
          inFlight.add(p);
          void p.then(() => inFlight.delete(p));
        }
        launched++;
      }
      if (launched >= args.count) resolve();
      else setTimeout(tick, 5);
    };
    tick();
  });
  const offeredEnd = nowMs();
  await Promise.race([Promise.all(inFlight), new Promise((r) => setTimeout(r, 15_000))]);
  const finishedMs = nowMs() - started;
  // Let the last joins reach the other pod's watchers.
  await new Promise((r) => setTimeout(r, 500));
  return {
    offered: args.count * 2,
    completed,
    failed,
    offeredMs: offeredEnd - started,
    finishedMs,
    cycleMs,
    seenMs: state.seenMs.slice(seenBefore),
  };
}

/** Closes the churn's watchers. */
async function churnEnd(): Promise<{ closed: number }> {
  const watchers = churnState?.watchers ?? [];
  churnState = undefined;
  await Promise.all(watchers.map((w) => w.close()));
  return { closed: watchers.length };
}

serveRpc({
  connect,
  close: closeGroup,
  checkStart,
  checkReset,
  checkStop,
  fanoutStart,
  fanoutStop,
  heartbeats,
  handshakes,
  churnSetup,
  churn,
  churnEnd,
  ...recoveryHandlers(),
});
