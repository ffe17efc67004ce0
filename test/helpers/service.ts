import type { AddressInfo } from 'node:net';
import { buildApp, type App, type BuildOptions } from '../../services/socket/src/app.js';
import { loadConfig, type Env } from '../../services/socket/src/config/config.js';
import { TEST_SECRET } from './tokens.js';

/** A started socket service for a test. */
export interface RunningService {
  app: App;
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  port: number;
  /** Base URL of `/metrics` and `/admin`: the METRICS_PORT listener when set, else `url`. */
  metricsUrl: string;
  close(): Promise<void>;
}

/** Minimal tap-like teardown registration. */
export interface Teardown {
  teardown(fn: () => unknown): void;
}

/** Per-address handshake limits high enough for any test (all of them connect from one address). */
export const UNLIMITED_PER_ADDRESS = {
  MAX_CONNECTIONS_PER_IP: '1000000',
  HANDSHAKE_RATE_PER_IP: '100000',
  HANDSHAKE_BURST_PER_IP: '100000',
} as const;

/** The allowed page origin test services use. */
export const TEST_ORIGIN = 'http://localhost:5173';

/** What every test service runs with, in process or spawned, before a test's own variables. */
export const TEST_SERVICE_ENV = {
  PORT: '0',
  HOST: '127.0.0.1',
  ALLOWED_ORIGINS: TEST_ORIGIN,
  JWT_SECRET: TEST_SECRET,
  // Teardown closes every service: no drain window unless a test asks for one.
  DRAIN_WINDOW_MS: '0',
  // Every test client comes from 127.0.0.1: per-address limits stay out of the way unless a test sets them.
  ...UNLIMITED_PER_ADDRESS,
} as const;

/**
 * Builds the real service from env-style config (validated like at boot), listens on a free
 * port on 127.0.0.1 and closes it when the test ends. Defaults: quiet logs, TEST_SECRET. `build`: what
 * `buildApp` takes besides the config (a tracer provider, a logger whose lines the test reads).
 */
export async function startService(t: Teardown, env: Env = {}, build: BuildOptions = {}): Promise<RunningService> {
  const config = loadConfig({ LOG_LEVEL: 'silent', ...TEST_SERVICE_ENV, ...env });
  const app = await buildApp(config, build);
  await app.fastify.listen({ port: config.port, host: config.host });
  const { port } = app.fastify.server.address() as AddressInfo;
  let metricsPort = port;
  if (app.ops !== undefined) {
    await app.ops.listen({ port: config.metricsPort, host: config.host });
    metricsPort = (app.ops.server.address() as AddressInfo).port;
  }
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await app.close();
  };
  t.teardown(close);
  return { app, url: `http://127.0.0.1:${port}`, port, metricsUrl: `http://127.0.0.1:${metricsPort}`, close };
}

/** Starts `count` service instances sharing `env` (e.g. one Redis); NODE_ID pod-0, pod-1, ... */
export async function startPods(
  t: Teardown,
  count: number,
  env: Env = {},
  build: BuildOptions = {},
): Promise<RunningService[]> {
  const pods: RunningService[] = [];
  for (let i = 0; i < count; i++) pods.push(await startService(t, { NODE_ID: `pod-${i}`, ...env }, build));
  return pods;
}
