import { median, percentile } from '../lib/stats.js';
import { measure, startSystem, type BenchContext } from './context.js';

/** Systems the churn runs: gamesocket with presence and watchers, the plain peer as the same connect+close. */
export type ChurnSystem = 'gamesocket' | 'peer';

/** Connect+disconnect churn of one system in one round. */
export interface ChurnResult {
  system: ChurnSystem;
  offered: number;
  completed: number;
  failed: number;
  /** Completed connect+disconnect cycles per second per pod, until the last finished (less one cycle). */
  achievedPerPodPerSec: number;
  offeredPerPodPerSec: number;
  /**
   * Joins seen by the other pod's watchers (`player:watch`), and how long that took (from the `40` CONNECT). The
   * peer has no watchers: `seen` is 0 and the percentiles are NaN (null in the JSON report).
   */
  seen: number;
  seenP50: number;
  seenP99: number;
  /** Server CPU per cycle (both pods), microseconds. */
  cpuUsPerCycle: number;
  loadgenUtil: number;
  loadgenCoreBusy: number;
}

interface ChurnStop {
  offered: number;
  completed: number;
  failed: number;
  offeredMs: number;
  finishedMs: number;
  cycleMs: number[];
  seenMs: number[];
}

/**
 * Scenario 4: connect+disconnect churn on 2 pods, each cycle a distinct user (a first sign-in), at a rate the
 * pods hold: server CPU per cycle over both pods, and how fast a join is seen on the other pod. The plain peer
 * runs the same cycles at the same rate (no watchers: it has no presence), the reference at the same load.
 */
export async function runChurn(ctx: BenchContext, system: ChurnSystem, round: number): Promise<ChurnResult> {
  const sys = await startSystem(ctx, system, 2, { ADAPTER: 'redis' });
  try {
    const { churnRatePerPod: perPodRate, churnMs, churnWarmup } = ctx.sizes;
    const count = Math.round((perPodRate * churnMs) / 1000);
    await ctx.loadgen.rpc.call(
      'churnSetup',
      {
        urls: sys.urls,
        cyclesPerPod: churnWarmup + count,
        users: { prefix: `churn-${system}-${round}-`, secret: ctx.secret },
        watch: system === 'gamesocket',
        notice: system === 'gamesocket',
      },
      300_000,
    );
    // The warm-up's cycles (distinct users too) are not measured: the pods' code paths are compiled by then.
    await ctx.loadgen.rpc.call('churn', { perPodRate, from: 0, count: churnWarmup }, 300_000);
    const run = await measure(ctx, `churn ${system}`, sys.procs, () =>
      ctx.loadgen.rpc.call<ChurnStop>('churn', { perPodRate, from: churnWarmup, count }, 300_000),
    );
    const r = run.result;
    const result: ChurnResult = {
      system,
      offered: r.offered,
      completed: r.completed,
      failed: r.failed,
      // The last cycle launched takes one cycle however fast the server is: not counted against it.
      achievedPerPodPerSec: r.completed / 2 / ((r.finishedMs - median(r.cycleMs)) / 1000),
      offeredPerPodPerSec: ctx.sizes.churnRatePerPod,
      seen: r.seenMs.length,
      seenP50: percentile(r.seenMs, 50),
      seenP99: percentile(r.seenMs, 99),
      cpuUsPerCycle: (run.serverCpuMs * 1000) / Math.max(1, r.completed),
      loadgenUtil: run.loadgenUtil,
      loadgenCoreBusy: run.loadgenCoreBusy,
    };
    const seen =
      system === 'gamesocket' ? `, seen p99 ${result.seenP99.toFixed(1)} ms (${result.seen}/${r.completed})` : '';
    ctx.log(
      `churn ${system}: ${result.cpuUsPerCycle.toFixed(0)} us CPU per cycle, ${result.achievedPerPodPerSec.toFixed(0)}/s per pod${seen}`,
    );
    return result;
  } finally {
    await ctx.loadgen.rpc.call('churnEnd', {}, 60_000).catch(() => undefined);
    await sys.stop();
  }
}
