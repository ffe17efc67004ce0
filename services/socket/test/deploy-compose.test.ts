/**
 * docker-compose.yml against the config schemas of the socket service and the lobby example, and the image entry
 * booted with its environment.
 */
import t from 'tap';
import { loadOptions } from '../../lobby-example/src/config.js';
import { loadConfig } from '../src/config/config.js';
import { WAIT_MS, eventually, spawnService, startRedis } from '@gamesocket/test-helpers';
import {
  rec,
  list,
  text,
  at,
  prometheusConfig,
  prometheusTargets,
  durationMs,
  CONFIG_NAMES,
  shutdownBoundMs,
  LOBBY_NAMES,
  readsOf,
  imageEnv,
  composeServices,
  composeEnv,
  socketServiceNames,
  lobbyServiceNames,
  composeHealthcheck,
} from './deploy/artifacts.js';

t.test('compose: socket replicas use documented variables with values that pass loadConfig', async (t) => {
  t.ok(socketServiceNames.length >= 2, `at least two socket replicas (${socketServiceNames.join(', ')})`);
  const nodeIds = new Set<string>();
  for (const name of socketServiceNames) {
    const { raw, env } = composeEnv(name);
    t.same(
      Object.keys(env).filter((key) => !CONFIG_NAMES.has(key)),
      [],
      `${name}: every variable is in CONFIG_VARIABLES`,
    );
    const { result: config, reads } = readsOf(loadConfig, { ...imageEnv, ...env });
    t.same(
      Object.keys(env).filter((key) => !reads.has(key)),
      [],
      `${name}: loadConfig reads every variable set`,
    );
    // The demo stack serves the demo lobby: NODE_ENV=development + DEV_LOGIN=true, dev logins signed with JWT_SECRET.
    t.equal(config.devLogin, true, `${name}: DEV_LOGIN serves the demo lobby and /dev/login`);
    t.equal(config.devAuth, false, `${name}: no dev auth (JWT_SECRET signs and verifies on every replica)`);
    t.equal(env.NODE_ENV, 'development', `${name}: NODE_ENV=development, which DEV_LOGIN needs`);
    const productionEnv = Object.fromEntries(
      Object.entries(env).filter(([key]) => key !== 'NODE_ENV' && key !== 'DEV_LOGIN'),
    );
    const production = loadConfig({ ...imageEnv, ...productionEnv });
    t.ok(
      production.production && !production.devLogin,
      `${name}: without the two demo lines it is a valid production config (the image sets NODE_ENV)`,
    );
    t.throws(
      () => loadConfig({ ...imageEnv, ...env, NODE_ENV: 'production' }),
      { name: 'ConfigError', message: /^DEV_LOGIN/ },
      `${name}: the demo switch cannot reach production`,
    );
    t.equal(config.adapter, env.ADAPTER, `${name}: ADAPTER ${env.ADAPTER}`);
    t.not(config.adapter, 'memory', `${name}: a Redis mode (replicas must see each other)`);
    t.equal(config.nodeId, env.NODE_ID, `${name}: explicit NODE_ID`);
    nodeIds.add(config.nodeId);
    t.ok(config.jwtSecret !== undefined, `${name}: JWT_SECRET set (no dev auth with Redis)`);
    t.ok(config.publishApiToken !== undefined, `${name}: the backend HTTP API is on`);
    for (const url of config.redisUrls) {
      const host = new URL(url).hostname;
      t.ok(composeServices[host] !== undefined, `${name}: REDIS_URL host ${host} is a compose service`);
      t.match(text(at(composeServices[host], 'image'), 'image'), /^redis:7(\b|$)/, 'official redis:7 image');
    }
    for (const [key, value] of Object.entries(raw).filter(([key]) => /SECRET|TOKEN|PASSWORD/.test(key))) {
      t.match(value, new RegExp(`^\\$\\{${key}:-`), `${name}: ${key} comes from the environment`);
      t.match(value, /NOT-FOR-PRODUCTION/, `${name}: ${key}'s dev default is marked not for production`);
    }
    const health = composeHealthcheck(name);
    t.equal(Number(health.port), config.port, `${name}: the healthcheck hits the service's port`);
    const grace = durationMs(text(at(composeServices[name], 'stop_grace_period', name), 'stop_grace_period'), name);
    const bound = shutdownBoundMs(config);
    t.ok(grace > bound, `${name}: stop_grace_period ${grace} ms > the ${bound} ms shutdown bound of run.ts`);
  }
  t.equal(nodeIds.size, socketServiceNames.length, 'every replica has its own NODE_ID');
});

t.test('compose: lobby-example sets only what its config reads, consistent with the socket service', async (t) => {
  t.ok(LOBBY_NAMES.size >= 5, `lobby config names found in its source (${[...LOBBY_NAMES].join(', ')})`);
  t.same(lobbyServiceNames.length, 1, 'one lobby-example service');
  const socketEnv = composeEnv(socketServiceNames[0] ?? '').env;
  for (const name of lobbyServiceNames) {
    const { raw, env } = composeEnv(name);
    t.same(
      Object.keys(env).filter((key) => !LOBBY_NAMES.has(key)),
      [],
      `${name}: every variable is read by services/lobby-example/src/config.ts`,
    );
    const { result: options, reads } = readsOf(loadOptions, env);
    t.same(
      Object.keys(env).filter((key) => !reads.has(key)),
      [],
      `${name}: loadOptions reads every variable set`,
    );
    t.equal(options.mode, socketEnv.ADAPTER, 'same cluster mode as the socket service');
    t.equal(options.redisUrl, socketEnv.REDIS_URL, 'same Redis as the socket service');
    t.equal(options.jwtSecret, socketEnv.JWT_SECRET, 'same JWT secret as the socket service');
    t.equal(options.ticketSecret, socketEnv.ROOM_TICKET_SECRET, 'same room ticket key as the socket service');
    for (const [key, value] of Object.entries(raw).filter(([key]) => /SECRET|TOKEN|PASSWORD/.test(key))) {
      t.match(value, /NOT-FOR-PRODUCTION/, `${name}: ${key}'s dev default is marked not for production`);
    }
    const ports = list(at(composeServices[name], 'ports', name), 'ports').map((p) => text(p, 'port'));
    t.ok(
      ports.some((p) => p.split(':').at(-1) === String(options.port)),
      `${name}: publishes its PORT ${options.port}`,
    );
    const health = composeHealthcheck(name);
    t.equal(Number(health.port), options.port, `${name}: the healthcheck hits its port`);
  }
});

t.test('compose: Prometheus scrapes every socket replica on its METRICS_PORT, never through HAProxy', async (t) => {
  const prometheus = rec(composeServices.prometheus, 'compose service prometheus');
  t.match(text(prometheus.image, 'image'), /^prom\/prometheus:v3\./, 'the official Prometheus 3 image');
  const volumes = list(prometheus.volumes, 'prometheus volumes').map((v) => text(v, 'volume'));
  t.ok(
    volumes.some((v) => v.startsWith('./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml')),
    'mounts deploy/prometheus/prometheus.yml as its config',
  );
  const rules = list(prometheusConfig.rule_files, 'rule_files').map((r) => text(r, 'rule file'));
  for (const rule of rules) {
    t.ok(
      volumes.some((v) => v.startsWith('./deploy/prometheus/alerts.yml:') && v.split(':')[1] === rule),
      `rule file ${rule} is deploy/prometheus/alerts.yml, mounted`,
    );
  }
  const expected = socketServiceNames.map((name) => {
    const config = loadConfig({ ...imageEnv, ...composeEnv(name).env });
    t.ok(config.metricsPort !== undefined && config.metricsPort !== config.port, `${name}: METRICS_PORT of its own`);
    return `${name}:${String(config.metricsPort)}`;
  });
  t.same(
    prometheusTargets.map((target) => `${target.host}:${target.port}`).sort(),
    [...expected].sort(),
    'one target per socket replica, on its METRICS_PORT',
  );
});

t.test('the image entry boots with the compose environment, is ready with Redis and drains on SIGTERM', async (t) => {
  const redis = await startRedis(t);
  const env = { ...imageEnv, ...composeEnv(socketServiceNames[0] ?? '').env };
  const proc = await spawnService(t, {
    ...env,
    REDIS_URL: redis.url,
    PORT: '0',
    METRICS_PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
  });
  const status = async (path: string, url = proc.url): Promise<number> => {
    const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(WAIT_MS) });
    await res.text();
    return res.status;
  };
  t.equal(await status('/healthz'), 200, '/healthz');
  t.equal(await status('/metrics', proc.metricsUrl), 200, '/metrics on METRICS_PORT');
  t.equal(await status('/metrics'), 404, 'not on the port HAProxy sends clients to');
  await eventually(async () => (await status('/readyz')) === 200, WAIT_MS, '/readyz 200 with Redis up');
  t.pass('/readyz answers 200 once Redis is connected');
  const code = await proc.stop('SIGTERM', shutdownBoundMs(loadConfig(env)) + WAIT_MS);
  t.equal(code, 0, 'SIGTERM -> exit 0 within the shutdown bound');
});
