import { randomBytes } from 'node:crypto';
import { createMemoryEmitter } from '@gamesocket/emitter';
import { startLobbyExample } from '@gamesocket/lobby-example';
import type { Config } from './config/config.js';
import type { RunOptions } from './run.js';

/** The example backend's HTTP port beside the demo (the page's default), unless `LOBBY_EXAMPLE_PORT` says. */
export const EXAMPLE_BACKEND_PORT = 3100;

/**
 * True when `npm start` runs the example backend in this process: the dev demo (dev auth, which is single node, in
 * memory, and never in production). Everywhere else the example is a process of its own on Redis.
 */
export function embedsExampleBackend(config: Config): boolean {
  return config.devAuth && config.adapter === 'memory' && !config.production;
}

/** `LOBBY_EXAMPLE_PORT` (default 3100); throws a one-line `RangeError` naming the variable on a bad value. */
export function exampleBackendPort(env: NodeJS.ProcessEnv): number {
  const raw = env.LOBBY_EXAMPLE_PORT?.trim();
  if (raw === undefined || raw === '') return EXAMPLE_BACKEND_PORT;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65_535) {
    throw new RangeError(`LOBBY_EXAMPLE_PORT must be an integer from 0 to 65535 (got ${JSON.stringify(raw)})`);
  }
  return port;
}

/**
 * The example backend as a companion of a dev demo service: the same `startLobbyExample` as its own process, on a
 * memory emitter over the service's node (intents, lifecycle, memberships and emits stay in this process), on
 * `port`; the dev sign-in's key is shared so its cookie is a login there too, and the demo page's origins (the
 * service's `ALLOWED_ORIGINS` and its own address by either local name) may call it.
 */
export function exampleBackend(config: Config, port: number): RunOptions {
  // A string key, as the example takes its secrets; 43 characters, 32 random bytes.
  const secret = randomBytes(32).toString('base64url');
  return {
    build: { devSecret: Buffer.from(secret) },
    async companion(app) {
      if (app.local === undefined) throw new Error('the example backend runs in process only in memory mode');
      const address = app.fastify.server.address();
      const servicePort = typeof address === 'object' && address !== null ? address.port : config.port;
      const emitter = createMemoryEmitter(app.local);
      const lobby = await startLobbyExample({
        emitter,
        jwtSecret: secret,
        ticketSecret: secret,
        port,
        host: config.host,
        allowedOrigins: [
          ...config.allowedOrigins,
          `http://localhost:${servicePort}`,
          `http://127.0.0.1:${servicePort}`,
        ],
        onError: (err) => app.log.error({ err }, 'example backend error'),
      }).catch(async (err: unknown) => {
        await emitter.close();
        throw new Error(
          `the example backend cannot start on ${config.host}:${port} (LOBBY_EXAMPLE_PORT): ${(err as Error).message}`,
          { cause: err },
        );
      });
      app.log.info({ url: lobby.url }, 'example backend listening in this process (the demo rooms)');
      return {
        async close() {
          await lobby.close();
          await emitter.close();
        },
      };
    },
  };
}
