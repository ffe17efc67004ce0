import { matchIds, nowMs, type Schedule } from '../lib/schedule.js';
import { percentile } from '../lib/stats.js';
import { measure, sleep, startSystem, type BenchContext, type RunningSystem, type SystemName } from './context.js';

/** What the real socket.io-client connections saw. */
export interface CheckResult {
  clients: number;
  missing: number;
  duplicates: number;
  outOfOrder: number;
  firstEvents: string[];
}

/** One system's fanout in one round at one audience size (the lobby, or rooms of `roomSize`). */
export interface FanoutResult {
  system: SystemName;
  clients: number;
  /** The rooms scenario: members per match room; null = one lobby of every client. */
  roomSize: number | null;
  /** Broadcasts to each room (the lobby: to every client). */
  broadcasts: number;
  /** Latency from the scheduled send time to the last client (of the room), per broadcast (ms). */
  lastClientMs: number[];
  p50: number;
  p99: number;
  missing: number;
  duplicates: number;
  outOfOrder: number;
  /** Server CPU (every pod) per delivered message, microseconds. */
  cpuUsPerDelivery: number;
  check: CheckResult | null;
  /** The load generator's share of its core, and how busy that core was overall. */
  loadgenUtil: number;
  loadgenCoreBusy: number;
}

interface FanoutStop {
  clients: number;
  received: number;
  missing: number;
  duplicates: number;
  outOfOrder: number;
  lastClientMs: number[];
}

const PODS = 2;

/** Each tick of `schedule` goes to the lobby, or to every match of `matches`. */
async function broadcast(
  ctx: BenchContext,
  sys: RunningSystem,
  schedule: Schedule,
  matches: string[] | undefined,
): Promise<void> {
  const args = { ...schedule, ...(matches !== undefined && { matches }) };
  if (sys.name === 'gamesocket' || sys.name === 'traced' || sys.name === 'peer') {
    const sent = await ctx.publisher.rpc.call<{ sent: number; failed: number }>('run', args, 300_000);
    if (sent.failed > 0) ctx.invalid.push(`fanout ${sys.name}: ${sent.failed} publishes failed`);
  } else {
    // The baselines have no broker: each pod broadcasts to its own clients on the same schedule.
    await Promise.all(sys.procs.map((p) => p.rpc.call('broadcast', args, 300_000)));
  }
}

/**
 * Scenario 3: publisher -> 2 pods -> `clients` clients at the configured rate, in one lobby; or (`roomSize`, the
 * rooms scenario) in match rooms of `roomSize` members spread over both pods, each tick one broadcast to every room.
 */
export async function runFanout(
  ctx: BenchContext,
  system: SystemName,
  clients: number,
  round: number,
  roomSize?: number,
): Promise<FanoutResult> {
  const socketIo = system === 'gamesocket' || system === 'traced' || system === 'peer';
  const sys = await startSystem(ctx, system, PODS, { ADAPTER: 'redis' });
  const inRooms = roomSize !== undefined;
  const label = inRooms ? `rooms ${system} ${clients}/${roomSize}` : `fanout ${system} x${clients}`;
  const group = `${inRooms ? 'rooms' : 'fanout'}-${system}-${clients}-${round}`;
  const matches = inRooms ? matchIds(Math.ceil(clients / roomSize)) : undefined;
  const periodMs = 1000 / ctx.sizes.fanoutRatePerSec;
  try {
    const users = socketIo ? { prefix: `${inRooms ? 'room' : 'fan'}-${round}-`, secret: ctx.secret } : undefined;
    if (socketIo) {
      const kind = system === 'peer' ? 'stock' : 'gamesocket';
      // A traced backend: its publishes carry their trace context, so the pods make delivery spans.
      const otlpEndpoint = system === 'traced' ? ctx.otlpEndpoint : undefined;
      await ctx.publisher.rpc.call('init', { kind, redisUrl: ctx.redis.url, mode: 'redis', otlpEndpoint });
      // gamesocket's rooms are memberships a backend grants; the sockets join them at the handshake.
      if (inRooms && kind === 'gamesocket') {
        await ctx.publisher.rpc.call('joinRooms', { prefix: users!.prefix, count: clients, size: roomSize }, 300_000);
      }
    }
    const via = system === 'peer' ? 'event' : socketIo ? 'membership' : 'url';
    const connected = await ctx.loadgen.rpc.call<{ connected: number; failed: number; error?: string }>(
      'connect',
      {
        group,
        urls: sys.urls,
        count: clients,
        kind: socketIo ? 'sio' : 'ws',
        joinLobby: socketIo && !inRooms,
        users,
        ...(inRooms && { rooms: { size: roomSize, via } }),
      },
      300_000,
    );
    if (connected.failed > 0) ctx.invalid.push(`${label}: ${connected.failed} connects failed`);
    // The checkers listen in the lobby.
    const checking = socketIo && !inRooms && ctx.sizes.checkers > 0;
    if (checking) {
      await ctx.loadgen.rpc.call('checkStart', {
        urls: sys.urls,
        count: ctx.sizes.checkers,
        users: { prefix: `check-${round}-`, secret: ctx.secret },
        expectConnected: system === 'gamesocket' || system === 'traced',
      });
    }
    // Warm-up broadcasts (JIT, Redis subscriptions), not recorded.
    await broadcast(ctx, sys, { t0: nowMs() + 100, periodMs, count: 10 }, matches);
    await sleep(300);
    await ctx.loadgen.rpc.call('fanoutStart', { group });
    if (checking) await ctx.loadgen.rpc.call('checkReset');
    const count = inRooms ? ctx.sizes.roomsTicks : ctx.sizes.fanoutBroadcasts;
    const run = await measure(ctx, label, sys.procs, async () => {
      await broadcast(ctx, sys, { t0: nowMs() + 200, periodMs, count }, matches);
      return ctx.loadgen.rpc.call<FanoutStop>('fanoutStop', { group, expected: count, waitMs: 5_000 });
    });
    const check = checking ? await ctx.loadgen.rpc.call<CheckResult>('checkStop', { expected: count }) : null;
    const stop = run.result;
    const deliveries = stop.received + (check === null ? 0 : check.clients * count);
    const p50 = percentile(stop.lastClientMs, 50);
    const p99 = percentile(stop.lastClientMs, 99);
    ctx.log(`${label}: p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, missing ${stop.missing}`);
    return {
      system,
      clients,
      roomSize: roomSize ?? null,
      broadcasts: count,
      lastClientMs: stop.lastClientMs,
      p50,
      p99,
      missing: stop.missing,
      duplicates: stop.duplicates,
      outOfOrder: stop.outOfOrder,
      cpuUsPerDelivery: (run.serverCpuMs * 1000) / Math.max(1, deliveries),
      check,
      loadgenUtil: run.loadgenUtil,
      loadgenCoreBusy: run.loadgenCoreBusy,
    };
  } finally {
    if (socketIo) await ctx.publisher.rpc.call('close');
    await ctx.loadgen.rpc.call('close', { group }, 120_000);
    await sys.stop();
  }
}
