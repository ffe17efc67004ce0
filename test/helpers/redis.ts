import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import type { Teardown } from './service.js';
import { eventually } from './wait.js';

const REDIS_BOOT_MS = 10_000;

/** A redis-server process started by a test on a free port. */
export interface RedisServer {
  port: number;
  url: string;
  /** SIGKILL the server (an outage). */
  kill(): Promise<void>;
  /** Start it again on the same port (empty: no persistence). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Answers true when a Redis on `port` replies PONG. */
export function pingRedis(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

function spawnRedis(port: number, dir: string, extra: string[] = []): ChildProcess {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extra],
    { stdio: 'ignore' },
  );
  child.on('error', () => undefined);
  return child;
}

async function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => child.once('exit', () => resolve()));
}

/** Starts a standalone redis-server on a free port, stopped at teardown. Never touches port 6379. */
export async function startRedis(t: Teardown): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'gamesocket-redis-'));
  let child = spawnRedis(port, dir);
  await eventually(() => pingRedis(port), REDIS_BOOT_MS, `redis-server on ${port}`);
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async kill() {
      child.kill('SIGKILL');
      await exited(child);
    },
    async restart() {
      child = spawnRedis(port, dir);
      await eventually(() => pingRedis(port), REDIS_BOOT_MS, `redis-server on ${port} again`);
    },
    async stop() {
      child.kill('SIGKILL');
      await exited(child);
    },
  };
  t.teardown(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return server;
}

/** A 3-master Redis Cluster started by a test. */
export interface RedisCluster {
  ports: number[];
  /** `redis://127.0.0.1:a,redis://127.0.0.1:b,...` as REDIS_URL takes it. */
  url: string;
  stop(): Promise<void>;
}

/** Starts a real 3-master Redis Cluster (`--cluster-enabled yes` + `redis-cli --cluster create`). */
export async function startRedisCluster(t: Teardown, masters = 3): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'gamesocket-cluster-'));
  const ports: number[] = [];
  const children: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    for (const child of children) child.kill('SIGKILL');
    await Promise.all(children.map(exited));
    rmSync(dir, { recursive: true, force: true });
  };
  t.teardown(stop);
  for (let i = 0; i < masters; i++) {
    // The cluster bus listens on port + 10000: pick ports whose bus port is free too.
    let port = await freePort();
    while (port > 55_000) port = await freePort();
    ports.push(port);
    children.push(
      spawnRedis(port, dir, [
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${port}.conf`,
        '--cluster-node-timeout',
        '2000',
      ]),
    );
  }
  for (const port of ports) await eventually(() => pingRedis(port), REDIS_BOOT_MS, `cluster node ${port}`);
  const created = spawnSync(
    'redis-cli',
    ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'],
    { encoding: 'utf8', timeout: 30_000 },
  );
  if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
  await eventually(
    () =>
      ports.every((port) => {
        const info = spawnSync('redis-cli', ['-p', String(port), 'cluster', 'info'], { encoding: 'utf8' });
        return info.stdout.includes('cluster_state:ok');
      }),
    20_000,
    'cluster_state:ok',
  );
  return { ports, url: ports.map((p) => `redis://127.0.0.1:${p}`).join(','), stop };
}
