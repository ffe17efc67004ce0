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
