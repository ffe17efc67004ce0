import type { LobbyExample, LobbyExampleOptions } from '@gamesocket/lobby-example';
import { waitForCluster } from './cluster.js';
import { startRedis, type RedisServer } from './redis.js';
import { startPods, TEST_ORIGIN, type RunningService, type Teardown } from './service.js';
import { TEST_SECRET } from './tokens.js';

/** Options of `startGameStack`. */
export interface GameStackOptions {
  /** The example backend's `startLobbyExample` (its own tests pass their source's, for coverage). */
  start(options: LobbyExampleOptions): Promise<LobbyExample>;
  /** The pods' cluster mode (and the example backend's). */
  mode: 'redis' | 'redis-streams';
  /** More variables for both pods. */
  podEnv?: Record<string, string>;
  /** The page origins the example backend accepts; default: the test origin. */
  allowedOrigins?(pods: readonly [RunningService, RunningService]): string[];
  /** The example backend's consumer name in its intent groups. */
  consumer: string;
}

/** A real Redis, two socket pods on it and the example backend, all closed when the test ends. */
export interface GameStack {
  redis: RedisServer;
  pods: readonly [RunningService, RunningService];
  lobby: LobbyExample;
  /** What the example backend reported to its `onError` (a healthy run leaves it empty). */
  backendErrors: unknown[];
}

/** Starts a Redis, two pods (waiting until they see each other) and the example backend on them. */
export async function startGameStack(t: Teardown, options: GameStackOptions): Promise<GameStack> {
  const redis = await startRedis(t);
  const started = await startPods(t, 2, { REDIS_URL: redis.url, ADAPTER: options.mode, ...options.podEnv });
  await waitForCluster(started);
  const [pod0, pod1] = started;
  if (pod0 === undefined || pod1 === undefined) throw new Error('two pods expected');
  const pods = [pod0, pod1] as const;
  const backendErrors: unknown[] = [];
  const lobby = await options.start({
    redisUrl: redis.url,
    mode: options.mode,
    jwtSecret: TEST_SECRET,
    ticketSecret: TEST_SECRET,
    port: 0,
    host: '127.0.0.1',
    allowedOrigins: options.allowedOrigins?.(pods) ?? [TEST_ORIGIN],
    consumer: options.consumer,
    onError: (err) => backendErrors.push(err),
  });
  t.teardown(() => lobby.close());
  return { redis, pods, lobby, backendErrors };
}
