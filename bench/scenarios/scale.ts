import { benchModule, forkProcess } from '../lib/processes.js';
import { sleep, startSystem, type BenchContext } from './context.js';

/** One step of the scale scenario: what the pod held at one size. */
export interface ScaleStep {
  connections: number;
  /** Connections closed during the step's window (any close is a failure to hold). */
  dropped: number;
  /** Longest wait between two pings a client saw in the window, ms. */
  maxPingGapMs: number;
  /** After a full GC, bytes. */
  rss: number;
  heapUsed: number;
  held: boolean;
}

/** The scale scenario in one round. */
export interface ScaleResult {
  pingIntervalMs: number;
  steps: ScaleStep[];
  /** The largest size every connection was held at, heartbeats on time; 0 = none. */
  held: number;
  /** Memory per connection between the first and the largest held step, bytes. */
  rssPerConn: number | null;
  heapPerConn: number | null;
  /** Longest ping gap over the held steps minus the ping interval: how late the pod's heartbeats ran at worst, ms. */
  heartbeatLatenessMs: number | null;
}

/** Connections each of the two load generators opens at once. */
const CONNECT_CONCURRENCY_EACH = 25;

/**
 * Scenario 8: authenticated idle connections on one pod, in steps up to `sizes.scaleSteps`' last, from two load
 * generator processes (one process could not open them all: the machine's per-process file limit is 20 000). At each
 * step, over two and a half ping intervals, every connection must stay open and see two pings or more (so no ping
 * came more than about half an interval late); the pod's memory is sampled after a full GC.
 */
export async function runScale(ctx: BenchContext, round: number): Promise<ScaleResult> {
  const pingIntervalMs = ctx.sizes.scalePingMs;
  const sys = await startSystem(ctx, 'gamesocket', 1, {
    PING_INTERVAL_MS: String(pingIntervalMs),
    MAX_CONNECTIONS_PER_USER: '10',
  });
  const second = forkProcess('loadgen-2', benchModule('loadgen/main.js'), { core: ctx.loadgenCore });
  const generators = [ctx.loadgen, second];
  const group = `scale-${round}`;
  const steps: ScaleStep[] = [];
  let connected = 0;
  try {
    await second.rpc.ready();
    for (const size of ctx.sizes.scaleSteps) {
      const adding = size - connected;
      const results = await Promise.all(
        generators.map((generator, g) => {
          const count = g === 0 ? Math.ceil(adding / 2) : Math.floor(adding / 2);
          return generator.rpc.call<{ connected: number; failed: number; error?: string }>(
            'connect',
            {
              group,
              urls: sys.urls,
              count,
              kind: 'sio',
              users: { prefix: `scale-${round}-${g}-`, secret: ctx.secret },
              // Together below the service's HANDSHAKE_CONCURRENCY (64), past which handshakes are refused as a flood.
              concurrency: CONNECT_CONCURRENCY_EACH,
            },
            600_000,
          );
        }),
      );
      connected = results.reduce((sum, r) => sum + r.connected, 0);
      const failed = results.reduce((sum, r) => sum + r.failed, 0);
      const error = results.find((r) => r.error !== undefined)?.error;
      // The window: two and a half ping intervals (two pings each, late ones included), gaps counted afresh.
      await Promise.all(generators.map((generator) => generator.rpc.call('heartbeats', { group })));
      await sleep(2.5 * pingIntervalMs);
      const beats = await Promise.all(
        generators.map((generator) =>
          generator.rpc.call<{ clients: number; open: number; pinged: number; maxGapMs: number }>('heartbeats', {
            group,
          }),
        ),
      );
      const memory = await sys.procs[0]!.sample(true);
      const open = beats.reduce((sum, b) => sum + b.open, 0);
      const pinged = beats.reduce((sum, b) => sum + b.pinged, 0);
      const maxPingGapMs = Math.max(...beats.map((b) => b.maxGapMs));
      const step: ScaleStep = {
        connections: connected,
        dropped: connected - open,
        maxPingGapMs,
        rss: memory.rss,
        heapUsed: memory.heapUsed,
        held: failed === 0 && open === size && pinged === size,
      };
      steps.push(step);
      ctx.log(
        `scale: ${connected}/${size} connected (${failed} failed${error === undefined ? '' : `: ${error}`}), ${step.dropped} dropped, longest ping gap ${maxPingGapMs.toFixed(0)} ms, RSS ${(memory.rss / 2 ** 20).toFixed(0)} MiB${step.held ? '' : ' - NOT HELD'}`,
      );
      if (!step.held) break;
    }
  } finally {
    // Whatever failed, both load generators and the pod are stopped.
    await Promise.allSettled(generators.map((generator) => generator.rpc.call('close', { group }, 300_000)));
    await second.stop();
    await sys.stop();
  }
  const heldSteps = steps.filter((step) => step.held);
  const first = heldSteps[0];
  const last = heldSteps.at(-1);
  const perConn = (key: 'rss' | 'heapUsed'): number | null =>
    first === undefined || last === undefined || last === first
      ? null
      : (last[key] - first[key]) / (last.connections - first.connections);
  return {
    pingIntervalMs,
    steps,
    held: last?.connections ?? 0,
    rssPerConn: perConn('rss'),
    heapPerConn: perConn('heapUsed'),
    heartbeatLatenessMs:
      heldSteps.length === 0 ? null : Math.max(...heldSteps.map((step) => step.maxPingGapMs)) - pingIntervalMs,
  };
}
