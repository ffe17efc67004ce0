import type { Server } from 'node:net';
import { buildApp, type App, type BuildOptions } from './app.js';
import { ConfigError, loadConfig, type Config } from './config/config.js';
import { InternalsMismatch } from './core/internals.js';

// Beyond the drain window: closing Socket.IO and Redis, removing presence.
const SHUTDOWN_MARGIN_MS = 10_000;

/** Something that runs beside the service in its process and stops with it. */
export interface Companion {
  close(): Promise<void>;
}

/** Options of `runService`. */
export interface RunOptions {
  build?: BuildOptions;
  /** Started once the service listens; closed first at shutdown. A failure to start exits 1. */
  companion?: (app: App) => Promise<Companion>;
}

/** Reads the config from `env`; a bad value exits 1 with one line naming the variable. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`gamesocket: invalid config: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

/** The port a server listens on (the configured one when it reports none). */
function portOf(address: ReturnType<Server['address']>, configured: number): number {
  return typeof address === 'object' && address !== null ? address.port : configured;
}

async function build(config: Config, options: BuildOptions | undefined): Promise<App> {
  try {
    return await buildApp(config, options);
  } catch (err) {
    if (err instanceof InternalsMismatch) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

/**
 * Runs the service as a process: builds it, listens (and on `METRICS_PORT`), starts the companion, and on
 * SIGTERM/SIGINT drains and exits 0 (1 when the drain outlasts its bound). Failing to listen exits 1.
 */
export async function runService(config: Config, options: RunOptions = {}): Promise<void> {
  const app = await build(config, options.build);
  const { log } = app;
  // A signal while the companion starts stops it once it has started.
  let companion: Promise<Companion | undefined> = Promise.resolve(undefined);

  process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled rejection'));
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'uncaught exception');
    process.exit(1);
  });

  let stopping = false;
  async function shutdown(signal: NodeJS.Signals): Promise<void> {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      log.error('shutdown timed out');
      process.exit(1);
    }, config.drainWindowMs + SHUTDOWN_MARGIN_MS);
    timer.unref();
    try {
      await (await companion)?.close();
    } catch (err) {
      // The service still drains: its clients matter more than the companion's clean stop.
      log.error({ err }, 'the companion failed to stop');
    }
    await app.close();
    log.info('bye');
    process.exit(0);
  }
  process.on('SIGTERM', (signal) => void shutdown(signal));
  process.on('SIGINT', (signal) => void shutdown(signal));

  let address: string;
  try {
    address = await app.fastify.listen({ port: config.port, host: config.host });
  } catch (err) {
    process.stderr.write(`gamesocket: cannot listen on ${config.host}:${config.port}: ${(err as Error).message}\n`);
    process.exit(1);
  }
  let metricsPort: number | undefined;
  if (app.ops !== undefined) {
    try {
      await app.ops.listen({ port: config.metricsPort, host: config.host });
    } catch (err) {
      process.stderr.write(
        `gamesocket: cannot listen on ${config.host}:${String(config.metricsPort)} (METRICS_PORT): ${(err as Error).message}\n`,
      );
      process.exit(1);
    }
    metricsPort = portOf(app.ops.server.address(), config.metricsPort ?? 0);
  }
  log.info(
    {
      address,
      port: portOf(app.fastify.server.address(), config.port),
      ...(metricsPort !== undefined && { metricsPort }),
      adapter: config.adapter,
      devAuth: config.devAuth,
    },
    'gamesocket listening',
  );
  if (options.companion !== undefined) {
    companion = options.companion(app).catch((err: unknown) => {
      process.stderr.write(`gamesocket: cannot start beside the service: ${(err as Error).message}\n`);
      process.exit(1);
    });
    await companion;
  }
}
