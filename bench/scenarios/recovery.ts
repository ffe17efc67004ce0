import { RECOVERY_EVENT, nowMs } from '../lib/schedule.js';
import { percentile } from '../lib/stats.js';
import { sleep, startSystem, type BenchContext } from './context.js';

/** One drain in one round (gamesocket, redis-streams mode). */
export interface RecoveryResult {
  clients: number;
  back: number;
  recovered: number;
  authenticated: number;
  lost: number;
  duplicates: number;
  /** From a client's transport close on the draining pod to `system:connected` on the survivor (ms). */
  moveP50: number;
  moveP99: number;
  events: number;
  /** Presence messages (`player:*`, `lobby:presence_diff`) per client from the drain to the end, and users they listed. */
  presenceMessagesPerClient: number;
  presenceEntriesPerClient: number;
  /** The same while the clients connected and joined the lobby (each sees those who come after it). */
  connectPresenceMessagesPerClient: number;
  connectPresenceEntriesPerClient: number;
  /** Reconnect attempts that failed (and were retried), with the first reasons. */
  retries: number;
  reasons: string[];
  /** Up to three clients with a gap or a repeat: the seqs they saw from `firstSeq` on. */
  examples: { seqs: number[]; recovered: boolean | undefined }[];
  firstSeq: number;
}

/** Scenario 5: drain a pod under a steady publish; clients move, re-auth, re-join and replay. */
export async function runRecovery(ctx: BenchContext, round: number): Promise<RecoveryResult> {
  const env = { ADAPTER: 'redis-streams' };
  const podA = await startSystem(ctx, 'gamesocket', 1, { ...env, DRAIN_WINDOW_MS: String(ctx.sizes.drainWindowMs) });
  // Pod B joins pod A's cluster: no flush in between.
  const podB = await startSystem(ctx, 'gamesocket', 1, env, { flush: false });
  try {
    await ctx.publisher.rpc.call('init', { kind: 'gamesocket', redisUrl: ctx.redis.url, mode: 'redis-streams' });
    const connected = await ctx.loadgen.rpc.call<{ connected: number; failed: number }>(
      'recoveryConnect',
      {
        url: podA.urls[0],
        fallbackUrl: podB.urls[0],
        count: ctx.sizes.recoveryClients,
        users: { prefix: `rec-${round}-`, secret: ctx.secret },
        origin: ctx.origin,
      },
      300_000,
    );
    if (connected.failed > 0) ctx.invalid.push(`recovery: ${connected.failed} connects failed`);
    const periodMs = 1000 / ctx.sizes.fanoutRatePerSec;
    const t0 = nowMs() + 100;
    const publishing = ctx.publisher.rpc.call<{ sent: number }>(
      'run',
      { t0, periodMs, count: 1_000_000, event: RECOVERY_EVENT },
      300_000,
    );
    // Let the stream readers settle; every event after this one must arrive exactly once.
    await sleep(1000);
    const firstSeq = Math.floor((nowMs() - t0) / periodMs) + 2;
    const connectPresence = await ctx.loadgen.rpc.call<{ messages: number; entries: number }>('recoveryMark', {});
    await podA.procs[0]!.stop(20_000);
    const back = await ctx.loadgen.rpc.call<{ back: number }>('recoveryWait', { timeoutMs: 30_000 }, 60_000);
    await sleep(500);
    await ctx.publisher.rpc.call('stop');
    const { sent } = await publishing;
    const r = await ctx.loadgen.rpc.call<{
      clients: number;
      lost: number;
      duplicates: number;
      recovered: number;
      authenticated: number;
      moveMs: number[];
      retries: number;
      reasons: string[];
      examples: { seqs: number[]; recovered: boolean | undefined }[];
      presenceMessages: number;
      presenceEntries: number;
    }>('recoveryResult', { firstSeq, lastSeq: sent, timeoutMs: 5_000 }, 60_000);
    const result: RecoveryResult = {
      clients: r.clients,
      back: back.back,
      recovered: r.recovered,
      authenticated: r.authenticated,
      lost: r.lost,
      duplicates: r.duplicates,
      moveP50: percentile(r.moveMs, 50),
      moveP99: percentile(r.moveMs, 99),
      events: sent - firstSeq + 1,
      presenceMessagesPerClient: r.clients === 0 ? 0 : r.presenceMessages / r.clients,
      presenceEntriesPerClient: r.clients === 0 ? 0 : r.presenceEntries / r.clients,
      connectPresenceMessagesPerClient: r.clients === 0 ? 0 : connectPresence.messages / r.clients,
      connectPresenceEntriesPerClient: r.clients === 0 ? 0 : connectPresence.entries / r.clients,
      retries: r.retries,
      reasons: r.reasons,
      examples: r.examples,
      firstSeq,
    };
    ctx.log(
      `recovery: ${result.back}/${result.clients} back, ${result.recovered} recovered, move p50/p90/p95/p99/max ${[50, 90, 95, 99, 100].map((p) => percentile(r.moveMs, p).toFixed(0)).join('/')} ms, lost ${result.lost}, dup ${result.duplicates}, retries ${result.retries} ${result.reasons.join('; ')}`,
    );
    return result;
  } finally {
    await ctx.publisher.rpc.call('close');
    await podA.stop();
    await podB.stop();
  }
}
