import { nowMs, type Schedule } from '../lib/schedule.js';
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

/** One system's fanout in one round at one audience size. */
export interface FanoutResult {
  system: SystemName;
  clients: number;
  broadcasts: number;
  /** Latency from the scheduled send time to the last client, per broadcast (ms). */
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

async function broadcast(ctx: BenchContext, sys: RunningSystem, schedule: Schedule): Promise<void> {
  if (sys.name === 'gamesocket' || sys.name === 'traced' || sys.name === 'peer') {
    const sent = await ctx.publisher.rpc.call<{ sent: number; failed: number }>('run', schedule, 300_000);
    if (sent.failed > 0) ctx.invalid.push(`fanout ${sys.name}: ${sent.failed} publishes failed`);
  } else {
    // The baselines have no broker: each pod broadcasts to its own clients on the same schedule.
    await Promise.all(sys.procs.map((p) => p.rpc.call('broadcast', schedule, 300_000)));
  }
}

/** Scenario 3: publisher -> 2 pods -> `clients` clients at the configured rate. */
export async function runFanout(
  ctx: BenchContext,
  system: SystemName,
  clients: number,
  round: number,
): Promise<FanoutResult> {
  const socketIo = system === 'gamesocket' || system === 'traced' || system === 'peer';
  const sys = await startSystem(ctx, system, PODS, { ADAPTER: 'redis' });
  const group = `fanout-${system}-${clients}-${round}`;
  const periodMs = 1000 / ctx.sizes.fanoutRatePerSec;
  try {
    if (socketIo) {
      const kind = system === 'peer' ? 'stock' : 'gamesocket';
      // A traced backend: its publishes carry their trace context, so the pods make delivery spans.
      const otlpEndpoint = system === 'traced' ? ctx.otlpEndpoint : undefined;
      await ctx.publisher.rpc.call('init', { kind, redisUrl: ctx.redis.url, mode: 'redis', otlpEndpoint });
    }
    const users = socketIo ? { prefix: `fan-${round}-`, secret: ctx.secret } : undefined;
    const connected = await ctx.loadgen.rpc.call<{ connected: number; failed: number; error?: string }>(
      'connect',
      { group, urls: sys.urls, count: clients, kind: socketIo ? 'sio' : 'ws', joinLobby: socketIo, users },
      300_000,
    );
    if (connected.failed > 0) ctx.invalid.push(`fanout ${system}: ${connected.failed} connects failed`);
    const checking = socketIo && ctx.sizes.checkers > 0;
    if (checking) {
      await ctx.loadgen.rpc.call('checkStart', {
        urls: sys.urls,
        count: ctx.sizes.checkers,
        users: { prefix: `check-${round}-`, secret: ctx.secret },
        expectConnected: system === 'gamesocket' || system === 'traced',
      });
    }
    // Warm-up broadcasts (JIT, Redis subscriptions), not recorded.
    await broadcast(ctx, sys, { t0: nowMs() + 100, periodMs, count: 10 });
    await sleep(300);
    await ctx.loadgen.rpc.call('fanoutStart', { group });
    if (checking) await ctx.loadgen.rpc.call('checkReset');
    const count = ctx.sizes.fanoutBroadcasts;
    const run = await measure(ctx, `fanout ${system} x${clients}`, sys.procs, async () => {
      await broadcast(ctx, sys, { t0: nowMs() + 200, periodMs, count });
      return ctx.loadgen.rpc.call<FanoutStop>('fanoutStop', { group, expected: count, waitMs: 5_000 });
    });
    const check = checking ? await ctx.loadgen.rpc.call<CheckResult>('checkStop', { expected: count }) : null;
    const stop = run.result;
    const deliveries = stop.received + (check === null ? 0 : check.clients * count);
    const p50 = percentile(stop.lastClientMs, 50);
    const p99 = percentile(stop.lastClientMs, 99);
    ctx.log(
      `fanout ${system} x${clients}: p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, missing ${stop.missing}`,
    );
    return {
      system,
      clients,
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
