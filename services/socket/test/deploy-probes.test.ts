/** Every probe and health check path (Docker, compose, HAProxy, Kubernetes, Ingress) is a route of the running service. */
import t from 'tap';
import { startLobbyExample } from '@gamesocket/lobby-example';
import { loadOptions } from '../../lobby-example/src/config.js';
import { TEST_ORIGIN, WAIT_MS, startRedis, startService } from '@gamesocket/test-helpers';
import {
  DEFAULT_PORT,
  composeEnv,
  lobbyServiceNames,
  dockerHealthcheck,
  socketProbePaths,
  lobbyProbePaths,
} from './deploy/artifacts.js';

t.test('probe and health check paths are routes of a built socket service', async (t) => {
  const { command, target } = dockerHealthcheck;
  t.same(command.slice(0, 2), ['node', '-e'], 'HEALTHCHECK uses node (no curl in slim images)');
  t.equal(Number(target.port), DEFAULT_PORT, 'HEALTHCHECK falls back to the default PORT');
  t.equal(target.path, '/healthz', 'HEALTHCHECK hits /healthz');

  const sources = new Set(socketProbePaths.map((p) => p.source.split(' ')[0]));
  t.ok(sources.has('compose') && sources.has('haproxy') && sources.has('k8s'), 'paths from every file were collected');
  t.ok(
    socketProbePaths.some((p) => p.metrics === true),
    'scrape paths (served on METRICS_PORT) were collected',
  );
  const service = await startService(t, { METRICS_PORT: '0' });
  const status = async (url: string, path: string): Promise<number> => {
    const res = await fetch(`${url}${path}`, {
      headers: { origin: TEST_ORIGIN },
      signal: AbortSignal.timeout(WAIT_MS),
    });
    await res.text();
    return res.status;
  };
  for (const { path, source, metrics } of socketProbePaths) {
    if (metrics === true) {
      t.equal(await status(service.metricsUrl, path), 200, `${source}: GET ${path} on METRICS_PORT -> 200`);
      t.equal(await status(service.url, path), 404, `${source}: GET ${path} on the main port -> 404`);
    } else {
      t.equal(await status(service.url, path), 200, `${source}: GET ${path} -> 200`);
    }
  }
  const missing = await fetch(`${service.url}/no-such-probe`, { signal: AbortSignal.timeout(WAIT_MS) });
  await missing.text();
  t.equal(missing.status, 404, 'an unknown path answers 404 (so the 200s above mean something)');
});

t.test('probe paths of the lobby example are routes of a running lobby example', async (t) => {
  t.ok(lobbyProbePaths.length >= 2, 'compose and Kubernetes probe paths collected');
  const redis = await startRedis(t);
  const env = composeEnv(lobbyServiceNames[0] ?? '').env;
  const lobby = await startLobbyExample({
    ...loadOptions({ ...env, REDIS_URL: redis.url, PORT: '0', HOST: '127.0.0.1' }),
    onError: () => undefined,
  });
  t.teardown(() => lobby.close());
  for (const { path, source } of lobbyProbePaths) {
    const res = await fetch(`${lobby.url}${path}`, { signal: AbortSignal.timeout(WAIT_MS) });
    await res.text();
    t.equal(res.status, 200, `${source}: GET ${path} -> 200`);
  }
});
