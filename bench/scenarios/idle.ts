import type { ClientKind } from '../loadgen/raw-client.js';
import { measure, sleep, startSystem, type BenchContext, type SystemName } from './context.js';

/** One system's idle figures in one round. */
export interface IdleResult {
  system: SystemName;
  connected: number;
  /** Extra RSS and heap per connection between the two counts, after a full GC (bytes). */
  rssPerConn: number;
  heapPerConn: number;
  /** `rssPerConn` less the growth of V8's young generation's resident pages between the two counts (bytes). */
  rssLessYoungPerConn: number;
  /** Socket.IO systems only: CPU over one heartbeat interval, as % of a core per 10 000 connections. */
  idleCpuPctPer10k: number | null;
  /** The system (kernel) part of `idleCpuPctPer10k`. */
  idleSystemPctPer10k: number | null;
}

/** Scenarios 1 and 6: memory slope of idle authenticated connections, and their idle CPU. */
export async function runIdle(ctx: BenchContext, system: SystemName, round: number): Promise<IdleResult> {
  const [low, high] = ctx.sizes.idleCounts;
  const socketIo = system === 'gamesocket' || system === 'peer';
  const sys = await startSystem(ctx, system, 1, {
    PING_INTERVAL_MS: String(ctx.sizes.idlePingMs),
    MAX_CONNECTIONS_PER_USER: '10',
  });
  const group = `idle-${system}-${round}`;
  const kind: ClientKind = socketIo ? 'sio' : 'ws';
  const users = socketIo ? { prefix: `idle-${round}-`, secret: ctx.secret } : undefined;
  try {
    const connectTo = async (count: number): Promise<number> => {
      const res = await ctx.loadgen.rpc.call<{ connected: number; failed: number; error?: string }>(
        'connect',
        { group, urls: sys.urls, count, kind, ...(users && { users }) },
        300_000,
      );
      if (res.failed > 0) ctx.invalid.push(`idle ${system}: ${res.failed} connects failed (${res.error})`);
      return res.connected;
    };
    const atLow = await connectTo(low);
    await sleep(500);
    const m1 = await sys.procs[0]!.sample(true);
    const atHigh = await connectTo(high - atLow);
    await sleep(500);
    const m2 = await sys.procs[0]!.sample(true);
    const added = atHigh - atLow;
    let idleCpuPctPer10k: number | null = null;
    let idleSystemPctPer10k: number | null = null;
    if (socketIo) {
      const idle = await measure(ctx, `idle cpu ${system}`, sys.procs, () => sleep(ctx.sizes.idlePingMs), {
        loadgenBound: false,
      });
      idleCpuPctPer10k = ((idle.serverCpuMs / idle.wallMs) * 100 * 10_000) / atHigh;
      idleSystemPctPer10k = ((idle.serverSystemMs / idle.wallMs) * 100 * 10_000) / atHigh;
    }
    const cpu =
      idleCpuPctPer10k === null
        ? ''
        : `, idle CPU ${idleCpuPctPer10k.toFixed(2)} % of a core per 10k (system ${idleSystemPctPer10k!.toFixed(2)} %)`;
    ctx.log(`idle ${system}: ${atHigh} connections${cpu}`);
    return {
      system,
      connected: atHigh,
      rssPerConn: (m2.rss - m1.rss) / added,
      rssLessYoungPerConn: (m2.rss - m2.youngResident - (m1.rss - m1.youngResident)) / added,
      heapPerConn: (m2.heapUsed - m1.heapUsed) / added,
      idleCpuPctPer10k,
      idleSystemPctPer10k,
    };
  } finally {
    await ctx.loadgen.rpc.call('close', { group }, 120_000);
    await sys.stop();
  }
}
