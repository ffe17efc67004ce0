import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pinToCore, canPin, waitForPort } from './processes.js';
import { freePort } from '@gamesocket/test-helpers/ports';

/** The bench's own redis-server on a free port (never 6379). */
export interface BenchRedis {
  port: number;
  url: string;
  /** FLUSHALL between runs, so no run sees another's presence or streams. */
  flush(): void;
  stop(): Promise<void>;
}

/** Starts redis-server on a free port, optionally pinned to `core`. */
export async function startBenchRedis(core?: number): Promise<BenchRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'gamesocket-bench-redis-'));
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.on('error', () => undefined);
  await waitForPort(port);
  if (core !== undefined && canPin && child.pid !== undefined) pinToCore(child.pid, core);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    flush: () => void spawnSync('redis-cli', ['-p', String(port), 'flushall'], { stdio: 'ignore' }),
    async stop() {
      child.kill('SIGKILL');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
