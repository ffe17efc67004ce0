import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { ProbeSample } from './probe.js';
import { RpcClient } from './rpc.js';

const PROBE_URL = new URL('./probe.js', import.meta.url).href;
const TASKSET = '/usr/bin/taskset';

/** True when processes can be pinned to cores. */
export const canPin = existsSync(TASKSET);

/** A forked bench process: a server under test, a baseline, the load generator or a publisher. */
export interface BenchProcess {
  name: string;
  pid: number;
  rpc: RpcClient;
  /** CPU time and memory now; `gc` runs a full GC first. */
  sample(gc?: boolean): Promise<ProbeSample>;
  /** The last lines the process wrote to stderr (for error messages). */
  stderrTail(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it exited. */
  stop(graceMs?: number): Promise<void>;
  /** Resolves when the process exits (for a drain). */
  exited: Promise<number | null>;
}

/** How to fork one process. */
export interface ForkOptions {
  args?: string[];
  env?: Record<string, string>;
  /** Core to pin every thread to (taskset), when taskset exists. */
  core?: number | undefined;
  /** Directory for a V8 CPU profile written at exit (`--cpu-prof`); undefined = none. */
  cpuProfDir?: string | undefined;
}

/** Forks `file` (a JS module path) with the probe preloaded and `--expose-gc`. */
export function forkProcess(name: string, file: string, options: ForkOptions = {}): BenchProcess {
  const execArgv = ['--expose-gc', '--import', PROBE_URL];
  if (options.cpuProfDir !== undefined) {
    mkdirSync(options.cpuProfDir, { recursive: true });
    execArgv.push(
      '--cpu-prof',
      `--cpu-prof-dir=${options.cpuProfDir}`,
      `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`,
    );
  }
  const child: ChildProcess = fork(file, options.args ?? [], {
    // NODE_OPTIONS passes through for profiling (e.g. `--perf-basic-prof` for `perf record`).
    env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: process.env.NODE_OPTIONS ?? '', ...options.env },
    execArgv,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  if (child.pid === undefined) throw new Error(`cannot fork ${name}`);
  if (options.core !== undefined && canPin) pinToCore(child.pid, options.core);
  const rpc = new RpcClient(child, name);
  return {
    name,
    pid: child.pid,
    rpc,
    exited,
    sample: (gc = false) => rpc.call<ProbeSample>('probe:sample', { gc }, 30_000),
    stderrTail: () => tail,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Pins every thread of `pid` (and those it starts later) to `core`. */
export function pinToCore(pid: number, core: number): void {
  spawnSync(TASKSET, ['-a', '-pc', String(core), String(pid)], { stdio: 'ignore' });
}

/** Resolves once something accepts TCP connections on `port`, or rejects after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs = 20_000, proc?: BenchProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) {
      throw new Error(`nothing listens on ${port} after ${timeoutMs} ms${proc ? `: ${proc.stderrTail()}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Resolves once GET `url` answers 200, or rejects after `timeoutMs`. */
export async function waitForHttp(url: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(url).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${url} not ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The compiled path of a bench module (relative to bench/dist/lib). */
export function benchModule(relative: string): string {
  return fileURLToPath(new URL(`../${relative}`, import.meta.url));
}
