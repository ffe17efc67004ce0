import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Env } from '../../services/socket/src/config/config.js';
import type { Teardown } from './service.js';
import { TEST_SERVICE_ENV } from './service.js';
import { WAIT_MS, withTimeout } from './wait.js';

/** The built service entry (`npm test` builds before running tests). */
export const MAIN_JS = fileURLToPath(new URL('../../services/socket/dist/main.js', import.meta.url));

/** A service running as its own process, like a pod. */
export interface ServiceProcess {
  child: ChildProcess;
  url: string;
  port: number;
  /** Base URL of `/metrics` and `/admin`: the METRICS_PORT listener when set, else `url`. */
  metricsUrl: string;
  /** Every stdout line so far (pino JSON). */
  lines: string[];
  /** True while the process has not exited. */
  alive(): boolean;
  /** Sends `signal` and resolves with the exit code (or rejects after `timeoutMs`). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

/** Options of `spawnService`. */
export interface SpawnOptions {
  /** Node flags before the entry (e.g. an `--import` preload). */
  nodeArgs?: string[];
}

/** Starts `node services/socket/dist/main.js` with a clean env plus `env`, stopped at teardown. */
export async function spawnService(t: Teardown, env: Env = {}, options: SpawnOptions = {}): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), MAIN_JS], {
    env: {
      PATH: process.env.PATH ?? '',
      LOG_LEVEL: 'info',
      ...TEST_SERVICE_ENV,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let buffered = '';
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const listening = withTimeout(
    new Promise<{ port: number; metricsPort?: number }>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const parts = buffered.split('\n');
        buffered = parts.pop() ?? '';
        for (const line of parts) {
          lines.push(line);
          if (line.includes('"gamesocket listening"'))
            resolve(JSON.parse(line) as { port: number; metricsPort?: number });
        }
      });
      void exit.then((code) => reject(new Error(`service exited with ${code} before listening`)));
    }),
    // Generous: a busy 2-core machine can take long to boot a pod; a hang still ends red.
    WAIT_MS * 6,
    'service process to listen',
  );
  let port: number;
  let metricsPort: number | undefined;
  try {
    ({ port, metricsPort } = await listening);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  const proc: ServiceProcess = {
    child,
    url: `http://127.0.0.1:${port}`,
    port,
    metricsUrl: `http://127.0.0.1:${metricsPort ?? port}`,
    lines,
    alive: () => child.exitCode === null && child.signalCode === null,
    async stop(signal = 'SIGTERM', timeoutMs = 15_000) {
      if (!proc.alive()) return child.exitCode;
      child.kill(signal);
      return withTimeout(exit, timeoutMs, `service exit after ${signal}`);
    },
  };
  t.teardown(async () => {
    if (proc.alive()) {
      child.kill('SIGKILL');
      await exit;
    }
  });
  return proc;
}

/** A child process whose stdout carries pino JSON lines (other lines, such as npm's banner, are skipped). */
export interface LoggedProcess {
  child: ChildProcess;
  /** Resolves with the exit code once the process exited and its output is all read (every holder of it closed). */
  exited: Promise<number | null>;
  /** Every JSON line so far, parsed, in order. */
  logged: Record<string, unknown>[];
  /** Everything written to stderr so far. */
  stderr(): string;
  /** The first logged entry (seen or next) for which `match` holds; rejects when the process exits first, or after `timeoutMs`. */
  waitFor(
    match: (entry: Record<string, unknown>) => boolean,
    what: string,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** Sends `signal` to the process, or to its whole group when it was started `detached`. */
  kill(signal: NodeJS.Signals): void;
}

/**
 * Runs `command` with exactly `env` (nothing inherited), killed (SIGKILL) at teardown if still running. `detached`
 * gives it a process group of its own, so `kill` reaches what it started too (npm, its shell and the service).
 */
export function spawnLogged(
  t: Teardown,
  command: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string; detached?: boolean },
): LoggedProcess {
  const child = spawn(command, args, {
    env: options.env,
    ...(options.cwd !== undefined && { cwd: options.cwd }),
    detached: options.detached === true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const kill = (signal: NodeJS.Signals): void => {
    if (options.detached === true) process.kill(-(child.pid ?? 0), signal);
    else child.kill(signal);
  };
  t.teardown(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    kill('SIGKILL');
    await exited;
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const logged: Record<string, unknown>[] = [];
  const wake = new Set<() => void>();
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) if (line.startsWith('{')) logged.push(JSON.parse(line) as Record<string, unknown>);
    for (const look of wake) look();
  });
  return {
    child,
    exited,
    logged,
    stderr: () => stderr,
    kill,
    waitFor(match, what, timeoutMs = WAIT_MS * 6) {
      const found = new Promise<Record<string, unknown>>((resolve, reject) => {
        const look = (): void => {
          const entry = logged.find(match);
          if (entry === undefined) return;
          wake.delete(look);
          resolve(entry);
        };
        wake.add(look);
        look();
        void exited.then((code) => {
          wake.delete(look);
          reject(new Error(`exited with ${code} before ${what}: ${stderr}`));
        });
      });
      return withTimeout(found, timeoutMs, what);
    },
  };
}
