import { fileURLToPath } from 'node:url';
import type { BenchRedis } from '../lib/redis-server.js';
import { benchModule, forkProcess, waitForHttp, waitForPort, type BenchProcess } from '../lib/processes.js';
import { freePort } from '@gamesocket/test-helpers/ports';
import { nowMs } from '../lib/schedule.js';
import { busyFraction, readCoreTimes } from '../lib/cpu-stat.js';

/** Run sizes: `full` (npm run bench), `quick` (--quick) and `smoke` (--smoke, the harness test). */
export interface Sizes {
  rounds: number;
  /** Idle connections at the two memory samples (the slope is taken between them). */
  idleCounts: [number, number];
  /** Engine.IO ping interval of the idle-CPU window, and the window (one ping interval). */
  idlePingMs: number;
  handshakes: number;
  handshakeWarmup: number;
  handshakeConcurrency: number;
  /** Fanout clients (the latency targets) and the small audience (the 1 ms target). */
  fanoutClients: number;
  fanoutSmallClients: number;
  fanoutBroadcasts: number;
  fanoutRatePerSec: number;
  /** The many-small-rooms workload: clients, members per match room, ticks (one broadcast per room each). */
  roomsClients: number;
  roomSize: number;
  roomsTicks: number;
  /** The scale scenario: connection counts held in turn on one pod, and its ping interval. */
  scaleSteps: number[];
  scalePingMs: number;
  churnRatePerPod: number;
  churnMs: number;
  /** Churn cycles per pod before the measured ones (distinct users too). */
  churnWarmup: number;
  recoveryClients: number;
  /** DRAIN_WINDOW_MS of the drained pod (the service's default, 5 s, in the full run). */
  drainWindowMs: number;
  /** Real socket.io-client connections checking correctness beside the raw clients. */
  checkers: number;
}

/** Systems compared side by side; `traced` is gamesocket with tracing on (`--tracing`), exporting to a local sink. */
export type SystemName = 'gamesocket' | 'traced' | 'peer' | 'limit' | 'floor';

/** What every scenario gets from the runner. */
export interface BenchContext {
  sizes: Sizes;
  redis: BenchRedis;
  loadgen: BenchProcess;
  publisher: BenchProcess;
  /** Core of the servers (and Redis, the publisher) and of the load generator; undefined = unpinned. */
  serverCore: number | undefined;
  loadgenCore: number | undefined;
  cpuProfDir: string | undefined;
  secret: string;
  origin: string;
  /** Reasons this run is invalid (load generator saturated, failures). */
  invalid: string[];
  /** `--tracing`: the OTLP endpoint the `traced` system and its publisher export to; undefined = no such system. */
  otlpEndpoint: string | undefined;
  log(message: string): void;
}

/** The built socket service entry. */
export const MAIN_JS = fileURLToPath(new URL('../../../services/socket/dist/main.js', import.meta.url));

/** A started system: its pods (server processes) and their URLs. */
export interface RunningSystem {
  name: SystemName;
  procs: BenchProcess[];
  urls: string[];
  stop(): Promise<void>;
}

/** The service's per-client-address limits, raised to their maximum (all load comes from one address). */
const PER_ADDRESS_LIMITS_OFF = {
  MAX_CONNECTIONS_PER_IP: '1000000',
  HANDSHAKE_RATE_PER_IP: '100000',
  HANDSHAKE_BURST_PER_IP: '100000',
};

const SERVER_FILES: Record<Exclude<SystemName, 'gamesocket' | 'traced'>, string> = {
  peer: 'servers/plain-peer.js',
  limit: 'servers/limit-ws.js',
  floor: 'servers/floor-net.js',
};

/** Starts `pods` processes of `name` on free ports, pinned to the server core, and waits until ready. */
export async function startSystem(
  ctx: BenchContext,
  name: SystemName,
  pods: number,
  env: Record<string, string> = {},
  { flush = true }: { flush?: boolean } = {},
): Promise<RunningSystem> {
  if (flush) ctx.redis.flush();
  const service = name === 'gamesocket' || name === 'traced';
  if (name === 'traced' && ctx.otlpEndpoint === undefined) throw new Error('the traced system needs --tracing');
  const ports = await Promise.all(Array.from({ length: pods }, () => freePort()));
  const procs = ports.map((port, i) =>
    forkProcess(`${name}-${i}`, service ? MAIN_JS : benchModule(SERVER_FILES[name]), {
      core: ctx.serverCore,
      cpuProfDir: ctx.cpuProfDir,
      env: {
        PORT: String(port),
        HOST: '127.0.0.1',
        REDIS_URL: ctx.redis.url,
        JWT_SECRET: ctx.secret,
        ALLOWED_ORIGINS: ctx.origin,
        NODE_ID: `bench-${name}-${i}-${Math.round(nowMs())}`,
        LOG_LEVEL: 'warn',
        DRAIN_WINDOW_MS: '0',
        // Every bench client comes from 127.0.0.1: the per-address flood limits would refuse the load itself.
        ...(service && PER_ADDRESS_LIMITS_OFF),
        ...(name === 'traced' && {
          OTEL_EXPORTER_OTLP_ENDPOINT: ctx.otlpEndpoint!,
          OTEL_SERVICE_NAME: 'gamesocket-bench',
        }),
        ...env,
      },
    }),
  );
  const urls = ports.map((port) => `http://127.0.0.1:${port}`);
  // Pods boot side by side.
  await Promise.all(
    ports.map(async (port, i) => {
      await waitForPort(port, 30_000, procs[i]);
      if (service) await waitForHttp(`http://127.0.0.1:${port}/readyz`, 30_000);
    }),
  );
  return {
    name,
    procs,
    urls,
    stop: async () => {
      await Promise.all(procs.map((p) => p.stop()));
    },
  };
}

/** CPU of the servers and the load generator's core use over one measured stretch. */
export interface Measured<T> {
  result: T;
  wallMs: number;
  /** CPU time of all server processes together, milliseconds. */
  serverCpuMs: number;
  /** The system (kernel) part of `serverCpuMs`. */
  serverSystemMs: number;
  /** Fraction of one core the load generator process used. */
  loadgenUtil: number;
  /** Busy fraction of the load generator's core, whoever used it (NaN when unpinned). */
  loadgenCoreBusy: number;
}

/** Saturation threshold of the load generator's core. */
export const LOADGEN_SATURATED = 0.8;

/**
 * Runs `work` and measures the servers' CPU meanwhile. Where the load generator drives the work
 * (`loadgenBound`), its core must stay below 80 % busy (by the load generator or anything else on
 * the machine): a saturated core times the load generator, not the server, and the run is invalid.
 */
export async function measure<T>(
  ctx: BenchContext,
  label: string,
  procs: BenchProcess[],
  work: () => Promise<T>,
  { loadgenBound = true }: { loadgenBound?: boolean } = {},
): Promise<Measured<T>> {
  const before = await Promise.all(procs.map((p) => p.sample()));
  const lgBefore = await ctx.loadgen.sample();
  const coreBefore = ctx.loadgenCore === undefined ? undefined : readCoreTimes(ctx.loadgenCore);
  const result = await work();
  const coreAfter = ctx.loadgenCore === undefined ? undefined : readCoreTimes(ctx.loadgenCore);
  const lgAfter = await ctx.loadgen.sample();
  const after = await Promise.all(procs.map((p) => p.sample()));
  const wallMs = lgAfter.at - lgBefore.at;
  const serverCpuMs = after.reduce((s, a, i) => s + (a.cpuUs - before[i]!.cpuUs) / 1000, 0);
  const serverSystemMs = after.reduce((s, a, i) => s + (a.systemUs - before[i]!.systemUs) / 1000, 0);
  const loadgenUtil = (lgAfter.cpuUs - lgBefore.cpuUs) / 1000 / wallMs;
  const loadgenCoreBusy = busyFraction(coreBefore, coreAfter);
  const busiest = Math.max(loadgenUtil, Number.isFinite(loadgenCoreBusy) ? loadgenCoreBusy : 0);
  if (loadgenBound && busiest > LOADGEN_SATURATED) {
    ctx.invalid.push(
      `${label}: load generator's core ${Math.round(busiest * 100)}% busy (load generator itself ${Math.round(loadgenUtil * 100)}%)`,
    );
  }
  return { result, wallMs, serverCpuMs, serverSystemMs, loadgenUtil, loadgenCoreBusy };
}

/** A pause that is not a test wait: a measurement window. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
