/** deploy/haproxy/haproxy.cfg against the compose replicas and the service's timeouts. */
import t from 'tap';
import { loadConfig, type Config } from '../src/config/config.js';
import {
  rec,
  list,
  text,
  at,
  durationMs,
  imageEnv,
  composeServices,
  composeEnv,
  socketServiceNames,
  haproxySection,
  directive,
  haproxyFrontend,
  haproxyBackend,
  haproxyCheckUri,
} from './deploy/artifacts.js';

t.test(
  'HAProxy: every socket replica behind it, readiness checks, sticky cookie, websocket-safe timeouts',
  async (t) => {
    const socketEnv = { ...imageEnv, ...composeEnv(socketServiceNames[0] ?? '').env };
    const config: Config = loadConfig(socketEnv);
    const haproxyService = Object.entries(composeServices).find(([, s]) =>
      /^haproxy:/.test(String(rec(s, 'service').image)),
    );
    t.ok(haproxyService, 'compose runs the official haproxy image');
    const [haproxyName, haproxyValue] = haproxyService ?? ['', {}];
    const volumes = list(at(haproxyValue, 'volumes', haproxyName), 'volumes').map((v) => text(v, 'volume'));
    t.ok(
      volumes.some((v) => /^\.\/deploy\/haproxy\/haproxy\.cfg:\/usr\/local\/etc\/haproxy\/haproxy\.cfg(:ro)?$/.test(v)),
      'compose mounts deploy/haproxy/haproxy.cfg where the image reads it',
    );

    const bindPort = /:(\d+)$/.exec(directive(haproxyFrontend, 'bind')[0]?.[1] ?? '')?.[1];
    const published = list(at(haproxyValue, 'ports', haproxyName), 'ports').map((p) => text(p, 'port'));
    t.ok(
      published.some((p) => p.split(':').at(-1) === bindPort),
      `compose publishes the frontend port ${bindPort}`,
    );
    const backend = haproxyBackend;

    const servers = directive(backend, 'server');
    t.same(
      servers.map((tokens) => tokens[1]).sort(),
      [...socketServiceNames].sort(),
      'one server line per compose socket replica',
    );
    for (const tokens of servers) {
      const [host, port] = (tokens[2] ?? '').split(':');
      t.ok(host !== undefined && socketServiceNames.includes(host), `${tokens[1]} targets a socket service`);
      t.equal(Number(port), config.port, `${tokens[1]} targets the service's PORT`);
      t.ok(tokens.includes('cookie'), `${tokens[1]} has a sticky cookie value`);
    }
    const defaultServer = directive(backend, 'default-server')[0] ?? [];
    t.ok(defaultServer.includes('check') || servers.every((s) => s.includes('check')), 'servers are health checked');
    t.match(directive(backend, 'cookie')[0]?.join(' ') ?? '', /^cookie \S+ insert\b/, 'sticky sessions by cookie');
    t.equal(haproxyCheckUri, '/readyz', 'health checks hit /readyz');
    t.ok(directive(backend, 'option', 'httpchk').length === 1, 'option httpchk');
    t.ok(
      directive(backend, 'http-check', 'expect', 'status', '200').length === 1,
      'a check passes on 200 only (503 while Redis is down or draining)',
    );

    const timeout = (name: string): number => {
      const line = [
        ...directive(backend, 'timeout', name),
        ...directive(haproxySection('defaults'), 'timeout', name),
      ][0];
      if (line?.[2] === undefined) throw new Error(`haproxy.cfg: no timeout ${name}`);
      return durationMs(line[2], `timeout ${name}`);
    };
    const heartbeat = config.pingIntervalMs + config.pingTimeoutMs;
    for (const name of ['client', 'server', 'tunnel']) {
      t.ok(timeout(name) > heartbeat, `timeout ${name} > PING_INTERVAL_MS + PING_TIMEOUT_MS (${heartbeat} ms)`);
    }
  },
);
