import { request as httpRequest } from 'node:http';
import t from 'tap';
import WebSocket from 'ws';
import {
  TEST_ORIGIN,
  type Teardown,
  type TestSocket,
  WAIT_MS,
  connectClient,
  createClient,
  eventually,
  listsOnline,
  mintToken,
  nextDiff,
  request,
  startService,
  waitFor,
  withTimeout,
} from '@gamesocket/test-helpers';

const EVIL_ORIGIN = 'http://evil.example';
const TRANSPORTS = ['websocket', 'polling'] as const;

/** `waitFor` on a socket.io-client socket (the helper's `Listenable` type does not accept it as is). */
function nextEvent<T>(socket: TestSocket, event: string): Promise<T> {
  return waitFor<T>(socket as unknown as Parameters<typeof waitFor>[0], event);
}

/** Tries to connect from `origin` and expects a refusal; returns the client's error and what it received. */
async function expectRefused(t: Teardown, url: string, origin: string, transport: 'websocket' | 'polling') {
  const socket = createClient(t, url, { origin, transports: [transport] });
  const received: string[] = [];
  socket.onAny((event: string) => received.push(event));
  const error = await nextEvent<Error>(socket, 'connect_error');
  return { socket, error, received };
}

/** A raw Engine.IO polling handshake, as a browser page's XHR would send it. */
function pollingHandshake(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Response> {
  return fetch(`${url}/socket.io/?EIO=4&transport=polling`, { method, headers, signal: AbortSignal.timeout(WAIT_MS) });
}

/** Closes a raw Engine.IO session opened by `pollingHandshake` (a `1` close packet). */
async function closeEngineSession(url: string, sid: string): Promise<void> {
  const res = await fetch(`${url}/socket.io/?EIO=4&transport=polling&sid=${encodeURIComponent(sid)}`, {
    method: 'POST',
    headers: { origin: TEST_ORIGIN, 'content-type': 'text/plain;charset=UTF-8' },
    body: '1',
    signal: AbortSignal.timeout(WAIT_MS),
  });
  await res.text();
}

/** One sample of the Prometheus text format. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text exposition format (the subset prom-client writes). */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/.exec(line);
    if (match === null) throw new Error(`unparsable metrics line: ${line}`);
    const [, name = '', labelText = '', value = ''] = match;
    const labels: Record<string, string> = {};
    for (const [, key = '', raw = ''] of labelText.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key] = raw.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    samples.push({ name, labels, value: Number(value) });
  }
  return samples;
}

/** The samples named `name` whose labels include every pair of `labels`. */
function findSamples(samples: Sample[], name: string, labels: Record<string, string> = {}): Sample[] {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** The value of the one sample named `name` with `labels` (a subset); undefined when none, throws when several. */
function sampleValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = findSamples(samples, name, labels);
  if (found.length > 1) throw new Error(`${found.length} samples match ${name} ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

async function scrape(url: string): Promise<{ contentType: string | null; samples: Sample[] }> {
  const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(WAIT_MS) });
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return { contentType: res.headers.get('content-type'), samples: parseMetrics(await res.text()) };
}

t.test('the Origin allowlist', async (t) => {
  const service = await startService(t);
  const { url } = service;

  for (const transport of TRANSPORTS) {
    t.test(`a foreign Origin is refused (${transport})`, async (t) => {
      // Count sessions opened meanwhile (clientsCount would also see earlier clients still closing).
      let engineSessions = 0;
      const onSession = (): void => {
        engineSessions += 1;
      };
      service.app.io.engine.on('connection', onSession);
      t.teardown(() => service.app.io.engine.off('connection', onSession));
      const { socket, error, received } = await expectRefused(t, url, EVIL_ORIGIN, transport);
      t.type(error, Error, `connect_error: ${error.message}`);
      t.notOk(socket.connected);
      t.same(received, [], 'no system:connected, no event at all');
      t.equal(engineSessions, 0, 'no Engine.IO session was opened');
    });

    t.test(`an allowed Origin connects (${transport})`, async (t) => {
      const { socket, connected } = await connectClient(t, url, { origin: TEST_ORIGIN, transports: [transport] });
      t.equal(connected.socketId, socket.id);
      t.equal(socket.io.engine.transport.name, transport);
      t.match(await request(socket, 'system:ping'), { pong: true });
    });

    // A request without Origin is not a cross-site page: browsers always send Origin on cross-origin
    // requests and on every WebSocket handshake, so a missing header means a non-browser client
    // (a game server, a bot, a CLI), which cross-site WebSocket hijacking cannot come from.
    t.test(`a client without an Origin header connects (${transport})`, async (t) => {
      const { socket, connected } = await connectClient(t, url, { origin: null, transports: [transport] });
      t.equal(connected.socketId, socket.id);
      t.equal(socket.io.engine.transport.name, transport);
    });
  }

  t.test('origins are compared exactly', async (t) => {
    for (const origin of [
      'http://localhost:5174',
      'https://localhost:5173',
      'http://localhost:5173.evil.example',
      'http://LOCALHOST:5173',
      'null',
      '',
    ]) {
      const { error, received } = await expectRefused(t, url, origin, 'websocket');
      t.type(error, Error, `${JSON.stringify(origin)} is refused`);
      t.same(received, []);
    }
  });

  t.test('the refusal happens before any handshake', async (t) => {
    const refused = await pollingHandshake(url, { origin: EVIL_ORIGIN });
    const refusedBody = await refused.text();
    t.equal(refused.status, 403, 'a foreign Origin gets 403');
    t.notMatch(refusedBody, /sid/, `no sid in the body (${refusedBody})`);
    t.equal(refused.headers.get('access-control-allow-origin'), null, 'and no CORS grant');

    const allowed = await pollingHandshake(url, { origin: TEST_ORIGIN });
    const allowedBody = await allowed.text();
    t.equal(allowed.status, 200, 'the allowed Origin gets 200');
    t.match(allowedBody, /^0\{/, 'an Engine.IO open packet');
    const open = JSON.parse(allowedBody.slice(1)) as { sid?: unknown };
    t.type(open.sid, 'string', 'with a sid');
    await closeEngineSession(url, open.sid as string);
    await eventually(() => service.app.io.engine.clientsCount === 0, WAIT_MS, 'raw session closed');
  });

  t.test('CORS for polling', async (t) => {
    const res = await pollingHandshake(url, { origin: TEST_ORIGIN });
    const open = JSON.parse((await res.text()).slice(1)) as { sid: string };
    t.equal(res.headers.get('access-control-allow-origin'), TEST_ORIGIN, 'the allowed origin is echoed');
    t.equal(res.headers.get('access-control-allow-credentials'), 'true', 'credentials (the cookie) are allowed');
    await closeEngineSession(url, open.sid);

    const preflight = await pollingHandshake(
      url,
      { origin: TEST_ORIGIN, 'access-control-request-method': 'POST' },
      'OPTIONS',
    );
    t.equal(preflight.status, 204, 'a preflight from the allowed origin is answered');
    t.equal(preflight.headers.get('access-control-allow-origin'), TEST_ORIGIN);
    t.equal(preflight.headers.get('access-control-allow-credentials'), 'true');

    const foreign = await pollingHandshake(
      url,
      { origin: EVIL_ORIGIN, 'access-control-request-method': 'POST' },
      'OPTIONS',
    );
    t.equal(foreign.headers.get('access-control-allow-origin'), null, 'a foreign preflight gets no CORS grant');
  });
});

t.test('/metrics', async (t) => {
  const NODE_ID = 'metrics-node-1';
  const service = await startService(t, { NODE_ID });
  const { url } = service;

  const alice = await connectClient(t, url, { token: await mintToken({ sub: 'u1', username: 'alice' }) });
  const bob = await connectClient(t, url, { token: await mintToken({ sub: 'u2', username: 'bob' }) });
  const anonymous = await connectClient(t, url);
  await expectRefused(t, url, EVIL_ORIGIN, 'websocket');
  t.match(await request(alice.socket, 'system:ping'), { pong: true }, 'one valid event');
  t.match(
    await request(bob.socket, 'player:status_change', { status: 'NOT VALID' }),
    { ok: false, error: { code: 'INVALID_PAYLOAD' } },
    'one invalid event',
  );

  const { contentType, samples } = await scrape(url);
  t.match(contentType, /^text\/plain/, 'Prometheus text format');
  const value = (name: string, labels: Record<string, string> = {}) => sampleValue(samples, name, labels);

  t.equal(value('gamesocket_connections', { auth: 'ok' }), 2, 'two authenticated connections');
  t.equal(value('gamesocket_connections', { auth: 'anonymous' }), 1, 'one anonymous connection');
  t.equal(value('gamesocket_handshakes_total', { result: 'ok' }), 2);
  t.equal(value('gamesocket_handshakes_total', { result: 'anonymous' }), 1);
  t.equal(value('gamesocket_handshakes_total', { result: 'origin_refused' }), 1);
  t.equal(value('gamesocket_events_received_total', { domain: 'system' }), 1);
  t.equal(value('gamesocket_events_received_total', { domain: 'player' }), 1);
  t.equal(value('gamesocket_events_rejected_total', { code: 'INVALID_PAYLOAD' }), 1);
  t.equal(
    findSamples(samples, 'gamesocket_events_rejected_total').reduce((sum, s) => sum + s.value, 0),
    1,
    'nothing else was rejected',
  );

  for (const s of findSamples(samples, 'gamesocket_connections')) {
    t.equal(s.labels.node, NODE_ID, `every sample carries node="${NODE_ID}" (${JSON.stringify(s.labels)})`);
  }
  const cpu = findSamples(samples, 'process_cpu_user_seconds_total');
  t.equal(cpu.length, 1, 'default process metrics are exported');
  t.equal(cpu[0]?.labels.node, NODE_ID, 'with the node label too');
  t.ok((cpu[0]?.value ?? -1) >= 0);
  t.ok(findSamples(samples, 'nodejs_eventloop_lag_seconds').length > 0, 'and the Node.js runtime metrics');

  t.test('after the clients disconnect the connections gauge goes back to 0', async (t) => {
    for (const client of [alice, bob, anonymous]) client.socket.disconnect();
    await eventually(
      async () => {
        const now = (await scrape(url)).samples;
        return (
          sampleValue(now, 'gamesocket_connections', { auth: 'ok' }) === 0 &&
          sampleValue(now, 'gamesocket_connections', { auth: 'anonymous' }) === 0
        );
      },
      WAIT_MS,
      'gamesocket_connections back to 0',
    );
    const after = (await scrape(url)).samples;
    t.equal(sampleValue(after, 'gamesocket_connections', { auth: 'ok' }), 0);
    t.equal(sampleValue(after, 'gamesocket_connections', { auth: 'anonymous' }), 0);
    t.equal(
      sampleValue(after, 'gamesocket_disconnects_total', { reason: 'client namespace disconnect' }),
      3,
      'the three disconnects are counted by reason',
    );
    t.equal(sampleValue(after, 'gamesocket_handshakes_total', { result: 'ok' }), 2, 'counters do not go down');
  });
});

t.test('probes', async (t) => {
  const { url } = await startService(t);
  for (const [path, body] of [
    ['/healthz', { status: 'ok' }],
    ['/readyz', { status: 'ready' }],
  ] as const) {
    const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(WAIT_MS) });
    t.equal(res.status, 200, `${path} answers 200`);
    t.match(res.headers.get('content-type'), /^application\/json/);
    t.same(await res.json(), body, `${path} body`);
  }
});

/** A raw polling handshake with exactly these headers (Host included); resolves with the status. */
function rawPollingStatus(port: number, headers: Record<string, string>): Promise<number> {
  return withTimeout(
    new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port, path: '/socket.io/?EIO=4&transport=polling', headers },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    }),
    WAIT_MS,
    'polling handshake',
  );
}

/** A raw websocket upgrade with exactly these headers (Host included); resolves true when it opened. */
function rawUpgradeOpens(port: number, headers: Record<string, string>): Promise<boolean> {
  return withTimeout(
    new Promise<boolean>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`, { headers });
      ws.once('open', () => {
        ws.terminate();
        resolve(true);
      });
      ws.once('unexpected-response', (_req, res) => {
        res.resume();
        resolve(false);
      });
      ws.once('error', reject);
    }),
    WAIT_MS,
    'websocket upgrade',
  );
}

t.test('same-origin: an Origin equal to <scheme>://<Host> is accepted, in production too', async (t) => {
  const service = await startService(t, {
    NODE_ENV: 'production',
    ROOM_TICKET_SECRET: 'room-ticket-key-of-its-own-32-bytes-or-more',
  });
  const { port } = service;
  const own = `127.0.0.1:${port}`;
  const attempts: [string, Record<string, string>, boolean][] = [
    ['the page served from this host:port', { host: own, origin: `http://${own}` }, true],
    ['another port on the same host', { host: own, origin: `http://127.0.0.1:${port + 1}` }, false],
    ['another host name for the same address', { host: own, origin: `http://localhost:${port}` }, false],
    ['https over a plain connection (another scheme)', { host: own, origin: `https://${own}` }, false],
    ['a Host the Origin does not name', { host: 'game.example.com', origin: `http://${own}` }, false],
    [
      'a host name through a proxy that keeps Host',
      { host: 'game.example.com', origin: 'http://game.example.com' },
      true,
    ],
    [
      'an https page behind TLS, but X-Forwarded-Proto from a peer not in TRUSTED_PROXIES',
      { host: 'game.example.com', origin: 'https://game.example.com', 'x-forwarded-proto': 'https' },
      false,
    ],
  ];
  for (const [what, headers, accepted] of attempts) {
    t.equal(await rawPollingStatus(port, headers), accepted ? 200 : 403, `polling: ${what}`);
    t.equal(await rawUpgradeOpens(port, headers), accepted, `websocket: ${what}`);
  }

  const proxied = await startService(t, {
    NODE_ENV: 'production',
    ROOM_TICKET_SECRET: 'room-ticket-key-of-its-own-32-bytes-or-more',
    TRUSTED_PROXIES: '127.0.0.1',
  });
  const tls = { host: 'game.example.com', 'x-forwarded-proto': 'https' };
  t.equal(
    await rawPollingStatus(proxied.port, { ...tls, origin: 'https://game.example.com' }),
    200,
    'behind a trusted TLS proxy: the https page of the host',
  );
  t.equal(
    await rawUpgradeOpens(proxied.port, { ...tls, host: 'game.example.com:443', origin: 'https://game.example.com' }),
    true,
    'the default port in Host is the same origin',
  );
  t.equal(
    await rawPollingStatus(proxied.port, { ...tls, origin: 'http://game.example.com' }),
    403,
    'an http page of the same host is another origin',
  );
});

t.test('metrics: events sent by domain, cluster presence gauges, drain state', async (t) => {
  const service = await startService(t, { NODE_ID: 'metrics-node-2' });
  const alice = await connectClient(t, service.url, { token: await mintToken({ sub: 'alice' }) });
  t.same(await request(alice.socket, 'lobby:join'), { ok: true });
  const bobOnline = nextDiff(alice.socket, listsOnline('bob'));
  const aliceAgain = await connectClient(t, service.url, { token: await mintToken({ sub: 'alice' }) });
  const bob = await connectClient(t, service.url, { token: await mintToken({ sub: 'bob' }) });
  await bobOnline;
  const scrape = async (): Promise<Sample[]> => parseMetrics(await (await fetch(`${service.url}/metrics`)).text());
  await eventually(async () => sampleValue(await scrape(), 'gamesocket_presence_sockets') === 3);
  const samples = await scrape();
  t.equal(sampleValue(samples, 'gamesocket_presence_online_users'), 2, 'two users online');
  t.equal(sampleValue(samples, 'gamesocket_presence_sockets'), 3, 'three signed-in sockets');
  t.equal(sampleValue(samples, 'gamesocket_events_sent_total', { domain: 'system' }), 3, 'one system:connected each');
  t.ok(
    (sampleValue(samples, 'gamesocket_events_sent_total', { domain: 'lobby' }) ?? 0) >= 1,
    'lobby:presence_diff sent',
  );
  t.equal(
    sampleValue(samples, 'gamesocket_events_sent_total', { domain: 'player' }),
    undefined,
    'no player:* to the lobby',
  );
  // A broadcast counts once per socket it reaches, and a scrape neither loses nor repeats counts.
  for (const client of [aliceAgain, bob]) t.same(await request(client.socket, 'lobby:join'), { ok: true });
  const lobbySent = async (): Promise<number> =>
    sampleValue(await scrape(), 'gamesocket_events_sent_total', { domain: 'lobby' }) ?? 0;
  const before = await lobbySent();
  const carolOnline = [alice, aliceAgain, bob].map((client) => nextDiff(client.socket, listsOnline('carol')));
  await connectClient(t, service.url, { token: await mintToken({ sub: 'carol' }) });
  await Promise.all(carolOnline);
  t.equal(await lobbySent(), before + 3, 'the diff listing carol counts once for each of the 3 lobby sockets');
  t.equal(await lobbySent(), before + 3, 'and a second scrape gives the same total');
  t.equal(sampleValue(samples, 'gamesocket_draining'), 0, 'not draining');
});
