import { measure, startSystem, type BenchContext } from './context.js';

/** Handshake variants: a system, with or without a signed-in user (`traced-*`: gamesocket with tracing on). */
export type HandshakeVariant =
  'gamesocket-auth' | 'gamesocket-anon' | 'traced-auth' | 'traced-anon' | 'peer-auth' | 'peer-anon' | 'limit';

/** Server CPU per completed handshake (connect + `40` + close) in one round. */
export interface HandshakeResult {
  variant: HandshakeVariant;
  done: number;
  failed: number;
  cpuUsPerHandshake: number;
  /** 1 / CPU per handshake: what one fully busy core would sustain. */
  handshakesPerCoreSec: number;
  loadgenUtil: number;
  loadgenCoreBusy: number;
}

/**
 * The raw ws handshake costs the load generator more than the server: unpaced, it saturates the
 * load generator's core (and invalidates the run). Paced, its server CPU per handshake is the same.
 */
const LIMIT_HANDSHAKES_PER_SEC = 1000;

/** Scenario 2: CPU per authenticated handshake against an unauthenticated Socket.IO handshake. */
export async function runHandshakes(
  ctx: BenchContext,
  variant: HandshakeVariant,
  round: number,
): Promise<HandshakeResult> {
  const [system, auth] = variant.split('-') as ['gamesocket' | 'traced' | 'peer' | 'limit', string | undefined];
  const sys = await startSystem(ctx, system, 1);
  const { handshakes, handshakeWarmup, handshakeConcurrency } = ctx.sizes;
  // Reconnecting users present the same token again: 100 users cycled.
  const users = auth === 'auth' ? { prefix: `hs-${round}-`, secret: ctx.secret, distinct: 100 } : undefined;
  const args = {
    url: sys.urls[0],
    kind: system === 'limit' ? 'ws' : 'sio',
    concurrency: handshakeConcurrency,
    users,
    ratePerSec: system === 'limit' ? LIMIT_HANDSHAKES_PER_SEC : undefined,
  };
  try {
    await ctx.loadgen.rpc.call('handshakes', { ...args, count: handshakeWarmup }, 300_000);
    const run = await measure(ctx, `handshake ${variant}`, sys.procs, () =>
      ctx.loadgen.rpc.call<{ done: number; failed: number }>('handshakes', { ...args, count: handshakes }, 300_000),
    );
    if (run.result.failed > 0) ctx.invalid.push(`handshake ${variant}: ${run.result.failed} failed`);
    const cpuUsPerHandshake = (run.serverCpuMs * 1000) / Math.max(1, run.result.done);
    ctx.log(`handshake ${variant}: ${cpuUsPerHandshake.toFixed(0)} us CPU each`);
    return {
      variant,
      ...run.result,
      cpuUsPerHandshake,
      handshakesPerCoreSec: 1e6 / cpuUsPerHandshake,
      loadgenUtil: run.loadgenUtil,
      loadgenCoreBusy: run.loadgenCoreBusy,
    };
  } finally {
    await sys.stop();
  }
}
