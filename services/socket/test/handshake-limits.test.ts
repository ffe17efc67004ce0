/**
 * Handshake and connection floods: per-address handshake rate and session caps (the client address
 * from X-Forwarded-For only behind a trusted proxy) and the global cap on token verifications, all
 * refused in allowRequest — before any Engine.IO session — with stable codes, and counted.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import type { ConnectedPayload } from '@gamesocket/protocol';
import { exportJWK, generateKeyPair } from 'jose';
import { io as ioClient } from 'socket.io-client';
import t from 'tap';
import { WebSocket } from 'ws';
import { CONFIG_VARIABLES } from '../src/config/config.js';
import {
  TEST_ORIGIN,
  type Teardown,
  TEST_SECRET,
  WAIT_MS,
  authCookie,
  connectClient,
  createClient,
  eventually,
  mintToken,
  spawnService,
  startService,
  waitFor,
  withTimeout,
  metricValue,
  scrapeMetrics,
  openRawSocket,
  rawConnect,
} from '@gamesocket/test-helpers';

/** How one raw handshake attempt ended. */
type Attempt = { accepted: true; close(): Promise<void> } | { accepted: false; status: number; body: string };

interface AttemptOptions {
  headers?: Record<string, string>;
  /** Source address of the TCP connection (another loopback address = another client). */
  localAddress?: string;
}

/** A raw Engine.IO long-polling handshake (GET without sid), each on its own TCP connection. */
function pollingAttempt(url: string, options: AttemptOptions = {}): Promise<Attempt> {
  return withTimeout(
    new Promise<Attempt>((resolve, reject) => {
      const req = httpRequest(
        `${url}/socket.io/?EIO=4&transport=polling`,
        {
          agent: false,
          headers: { origin: TEST_ORIGIN, ...options.headers },
          ...(options.localAddress !== undefined && { localAddress: options.localAddress }),
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => {
            if (res.statusCode === 200 && body.startsWith('0{')) {
              const { sid } = JSON.parse(body.slice(1)) as { sid: string };
              resolve({ accepted: true, close: () => closePolling(url, sid) });
            } else resolve({ accepted: false, status: res.statusCode ?? 0, body });
          });
        },
      );
      req.on('error', reject);
      req.end();
    }),
    WAIT_MS * 4,
    'polling handshake',
  );
}

async function closePolling(url: string, sid: string): Promise<void> {
  await fetch(`${url}/socket.io/?EIO=4&transport=polling&sid=${encodeURIComponent(sid)}`, {
    method: 'POST',
    headers: { origin: TEST_ORIGIN, 'content-type': 'text/plain;charset=UTF-8' },
    body: '1',
    signal: AbortSignal.timeout(WAIT_MS),
  }).then(
    (res) => res.text(),
    () => undefined,
  );
}

/** A raw websocket handshake (upgrade without sid). */
function websocketAttempt(url: string, options: AttemptOptions = {}): Promise<Attempt> {
  return withTimeout(
    new Promise<Attempt>((resolve, reject) => {
      const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`, {
        headers: { origin: TEST_ORIGIN, ...options.headers },
        ...(options.localAddress !== undefined && { localAddress: options.localAddress }),
      });
      ws.once('open', () =>
        resolve({
          accepted: true,
          close: async () => {
            ws.terminate();
          },
        }),
      );
      ws.once('unexpected-response', (_req, res: IncomingMessage) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ accepted: false, status: res.statusCode ?? 0, body }));
        res.on('error', () => resolve({ accepted: false, status: res.statusCode ?? 0, body }));
      });
      ws.once('error', reject);
    }),
    WAIT_MS * 4,
    'websocket handshake',
  );
}

/** The stable code a refusal carries: `CODE: why` (websocket) or `{"code":4,"message":"CODE: why"}` (polling). */
function refusalCode(attempt: Attempt): string {
  if (attempt.accepted) return 'accepted';
  const message = attempt.body.startsWith('{')
    ? (JSON.parse(attempt.body) as { message: string }).message
    : attempt.body;
  return message.split(':')[0] ?? '';
}

/** Ends the sessions of accepted attempts (an open polling session would hold the service's close for 30 s). */
async function closeAll(attempts: Attempt[]): Promise<void> {
  await Promise.all(attempts.map((attempt) => (attempt.accepted ? attempt.close() : undefined)));
}

/** True when an attempt is accepted; its session is closed right away. */
async function admitted(attempt: Promise<Attempt>): Promise<boolean> {
  const result = await attempt;
  await closeAll([result]);
  return result.accepted;
}

/** The documented default of a variable, as a number. */
function defaultOf(name: string): number {
  return Number(CONFIG_VARIABLES.find((variable) => variable.name === name)?.default);
}

t.test('2 000 handshake attempts in a burst from one address', async (t) => {
  // The production defaults of the handshake rate (the test helpers lift per-address limits for every
  // other test).
  const burst = defaultOf('HANDSHAKE_BURST_PER_IP');
  const rate = defaultOf('HANDSHAKE_RATE_PER_IP');
  const ATTEMPTS = 2000;
  const pod = await spawnService(t, {
    NODE_ID: 'flood-pod',
    HANDSHAKE_BURST_PER_IP: String(burst),
    HANDSHAKE_RATE_PER_IP: String(rate),
    // Admitted sessions stay open until the end: on a slow machine a long flood would refill past the
    // per-address connection cap, a different limit (tested on its own below). Only the rate is under test.
    MAX_CONNECTIONS_PER_IP: String(ATTEMPTS),
  });
  // The flooder keeps this many attempts in flight (half polling, half websocket) until all 2 000 are sent.
  const IN_FLIGHT = 200;
  const attempts: Attempt[] = [];
  let next = 0;
  let tenthAnswered: () => void = () => undefined;
  const floodStarted = new Promise<void>((resolve) => (tenthAnswered = resolve));
  const worker = async (): Promise<void> => {
    while (next < ATTEMPTS) {
      const i = next++;
      attempts.push(await (i % 2 === 0 ? pollingAttempt(pod.url) : websocketAttempt(pod.url)));
      if (attempts.length === ATTEMPTS / 10) tenthAnswered();
    }
  };
  const started = Date.now();
  const flood = Promise.all(Array.from({ length: IN_FLIGHT }, worker));

  // Meanwhile, a player from another address (127.0.0.2) connects and is served.
  await withTimeout(floodStarted, WAIT_MS * 4, 'a tenth of the flood answered');
  const other = ioClient(pod.url, {
    transports: ['websocket'],
    extraHeaders: { origin: TEST_ORIGIN, cookie: authCookie(await mintToken({ sub: 'other-player' })) },
    localAddress: '127.0.0.2',
    reconnection: false,
    forceNew: true,
    timeout: WAIT_MS,
  } as Parameters<typeof ioClient>[1]);
  t.teardown(() => other.disconnect());
  const connected = await waitFor<ConnectedPayload>(other, 'system:connected', WAIT_MS * 2);
  const answeredWhenServed = attempts.length;

  await flood;
  const elapsedSec = (Date.now() - started) / 1000;
  const accepted = attempts.filter((a) => a.accepted).length;
  const refused = attempts.filter((a) => !a.accepted);
  const codes = new Map<string, number>();
  for (const attempt of refused) codes.set(refusalCode(attempt), (codes.get(refusalCode(attempt)) ?? 0) + 1);
  t.comment(
    `flood: ${ATTEMPTS} attempts (${IN_FLIGHT} in flight) in ${elapsedSec.toFixed(2)} s: ${accepted} accepted, ` +
      `${refused.length} refused ${JSON.stringify(Object.fromEntries(codes))}; ` +
      `the 127.0.0.2 client was served after ${answeredWhenServed} of ${ATTEMPTS} answers`,
  );

  // Not asserted: whether the flood was still going on (the comment above tells), a race with the refusals.
  t.equal(connected.auth, 'ok', 'the client from another address connected despite the flood');
  // A token bucket admits at most its burst plus what refills meanwhile.
  t.ok(accepted <= burst + Math.ceil(rate * elapsedSec), `at most the burst + refill were admitted (${accepted})`);
  t.ok(accepted >= burst, 'the burst itself was admitted');
  t.equal(accepted + refused.length, ATTEMPTS, 'every attempt was answered');
  t.ok(
    refused.every((a) => !a.accepted && (a.status === 403 || a.status === 400)),
    'refusals are plain HTTP errors (403 polling, 400 websocket)',
  );
  t.ok(
    refused.every((a) => !a.accepted && !a.body.includes('sid')),
    'no refused attempt got an Engine.IO session',
  );
  t.same([...codes.keys()].sort(), ['RATE_LIMITED'], 'each with the stable code RATE_LIMITED');

  const text = await scrapeMetrics(pod.url);
  t.equal(
    metricValue(text, 'gamesocket_handshakes_refused_total', 'code="RATE_LIMITED",limit="ip_handshake_rate"'),
    refused.length,
    'every refusal is counted with its code and limit',
  );
  const health = await fetch(`${pod.url}/healthz`, { signal: AbortSignal.timeout(WAIT_MS) });
  t.equal(health.status, 200, 'the pod stayed healthy');
});

t.test('concurrent sessions per address are capped and released when sessions end', async (t) => {
  const service = await startService(t, { MAX_CONNECTIONS_PER_IP: '3', HANDSHAKE_BURST_PER_IP: '1000' });
  const { url } = service;
  const open = [await websocketAttempt(url), await pollingAttempt(url), await websocketAttempt(url)];
  t.ok(
    open.every((a) => a.accepted),
    'three sessions are admitted',
  );
  const fourth = await pollingAttempt(url);
  t.match(fourth, { accepted: false, status: 403 }, 'a fourth is refused');
  t.equal(refusalCode(fourth), 'CONNECTION_LIMIT');
  t.equal(refusalCode(await websocketAttempt(url)), 'CONNECTION_LIMIT', 'over websocket too');

  const other = await pollingAttempt(url, { localAddress: '127.0.0.2' });
  t.ok(other.accepted, 'another address is not affected');
  await closeAll([other]);

  await closeAll(open.slice(0, 1));
  await eventually(() => admitted(pollingAttempt(url)), WAIT_MS, 'a slot to be released on close');
  t.pass('a closed session frees its slot');

  // An upgrade that ws itself rejects (bad key) creates no session: its slot is released with its socket.
  const badUpgrades = await Promise.all(Array.from({ length: 5 }, () => rawUpgrade(service.port, 'not-a-valid-key')));
  t.ok(
    badUpgrades.every((status) => status.startsWith('HTTP/1.1 400')),
    'bad upgrades are refused by ws',
  );
  await closeAll(open.slice(1));
  await eventually(() => admitted(websocketAttempt(url)), WAIT_MS, 'slots free again after bad upgrades');
  t.pass('no slot leaked');
});

/** Sends a websocket upgrade request by hand; resolves with the status line. */
function rawUpgrade(port: number, key: string): Promise<string> {
  return withTimeout(
    new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(
          'GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n' +
            `Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${key}\r\nOrigin: ${TEST_ORIGIN}\r\n\r\n`,
        );
      });
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      socket.on('close', () => resolve(text.split('\r\n')[0] ?? ''));
      socket.on('error', reject);
    }),
    WAIT_MS,
    'raw upgrade',
  );
}

t.test('X-Forwarded-For names the client only behind a trusted proxy', async (t) => {
  const xff = (value: string): AttemptOptions => ({ headers: { 'x-forwarded-for': value } });

  t.test('from a trusted proxy: per-client limits', async (t) => {
    const { url } = await startService(t, {
      TRUSTED_PROXIES: '127.0.0.1, 10.0.0.0/8',
      MAX_CONNECTIONS_PER_IP: '2',
      HANDSHAKE_BURST_PER_IP: '1000',
    });
    const a = [await pollingAttempt(url, xff('203.0.113.5')), await pollingAttempt(url, xff('203.0.113.5'))];
    t.ok(
      a.every((x) => x.accepted),
      'client 203.0.113.5: two sessions',
    );
    t.equal(refusalCode(await pollingAttempt(url, xff('203.0.113.5'))), 'CONNECTION_LIMIT', 'a third is refused');
    const b = await pollingAttempt(url, xff('198.51.100.9'));
    t.ok(b.accepted, 'another client behind the same proxy is not affected');
    t.equal(
      refusalCode(await pollingAttempt(url, xff('192.0.2.77, 203.0.113.5'))),
      'CONNECTION_LIMIT',
      'an address the client prepended itself is ignored (the right-most untrusted hop counts)',
    );
    t.equal(
      refusalCode(await pollingAttempt(url, xff('203.0.113.5, 10.1.2.3'))),
      'CONNECTION_LIMIT',
      'trusted hops (an inner proxy) are skipped',
    );
    t.equal(
      refusalCode(await pollingAttempt(url, xff('203.0.113.5:51234'))),
      'CONNECTION_LIMIT',
      'an entry with a port is the same client',
    );
    await closeAll([...a, b]);
  });

  t.test('from an untrusted peer: the header is ignored', async (t) => {
    const { url } = await startService(t, {
      TRUSTED_PROXIES: '10.0.0.0/8',
      MAX_CONNECTIONS_PER_IP: '2',
      HANDSHAKE_BURST_PER_IP: '1000',
    });
    const spoofed = [await pollingAttempt(url, xff('203.0.113.1')), await pollingAttempt(url, xff('203.0.113.2'))];
    t.ok(
      spoofed.every((x) => x.accepted),
      'two sessions',
    );
    const third = await websocketAttempt(url, xff('203.0.113.3'));
    t.equal(refusalCode(third), 'CONNECTION_LIMIT', 'a third, whatever X-Forwarded-For says, is refused');
    await closeAll(spoofed);
  });
});

/** A JWKS endpoint that holds its answers until released: token verifications stay in flight. */
async function slowJwks(t: Teardown, jwks: unknown): Promise<{ url: string; release(): void; requests: number }> {
  const held: ServerResponse[] = [];
  let released = false;
  const state = { requests: 0 };
  const answer = (res: ServerResponse): void => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(jwks));
  };
  const server = createServer((_req, res) => {
    state.requests++;
    if (released) answer(res);
    else held.push(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`,
    release() {
      released = true;
      for (const res of held.splice(0)) answer(res);
    },
    get requests() {
      return state.requests;
    },
  };
}

t.test('token verifications in flight are capped; while saturated, handshakes with a token are refused', async (t) => {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  const jwks = await slowJwks(t, { keys: [jwk] });
  const service = await startService(t, {
    JWT_SECRET: '',
    JWT_JWKS_URL: jwks.url,
    ROOM_TICKET_SECRET: TEST_SECRET,
    HANDSHAKE_CONCURRENCY: '2',
  });
  const { url } = service;
  const token = (sub: string) => mintToken({ sub }, { key: privateKey, alg: 'ES256', kid: 'k1' });

  // Four players open their Engine.IO sessions, then all send CONNECT while the JWKS does not answer:
  // two verifications run, two wait for a slot.
  const players = await Promise.all(['p1', 'p2', 'p3', 'p4'].map(async (sub) => rawSession(t, url, await token(sub))));
  const connected = Promise.all(players.map((player) => player.connect()));
  const verifications = async (state: string): Promise<number> =>
    metricValue(await scrapeMetrics(url), 'gamesocket_handshake_verifications', `state="${state}"`);
  await eventually(
    async () => (await verifications('active')) === 2 && (await verifications('waiting')) === 2,
    WAIT_MS,
    '2 verifications active and 2 waiting',
  );
  t.pass('at most HANDSHAKE_CONCURRENCY (2) verifications run at once; the others wait');

  const refused = createClient(t, url, { token: await token('p5') });
  const error = await waitFor<Error>(refused, 'connect_error');
  t.type(error, Error, 'a new handshake with a token is refused while saturated');
  const raw = await pollingAttempt(url, { headers: { cookie: authCookie(await token('p6')) } });
  t.match(raw, { accepted: false, status: 403 }, 'before any session (polling: 403)');
  t.equal(refusalCode(raw), 'UNAVAILABLE', 'with the stable code UNAVAILABLE');
  const anonymous = await connectClient(t, url);
  t.equal(anonymous.connected.auth, 'anonymous', 'an anonymous lobby viewer (nothing to verify) still connects');

  jwks.release();
  const results = await withTimeout(connected, WAIT_MS, 'the waiting players to connect');
  t.same(
    results.map((payload) => payload.auth),
    ['ok', 'ok', 'ok', 'ok'],
    'once the JWKS answers, every admitted player is verified and connected',
  );
  const later = await connectClient(t, url, { token: await token('p7') });
  t.equal(later.connected.auth, 'ok', 'and new handshakes are admitted again');
  t.equal(
    metricValue(
      await scrapeMetrics(url),
      'gamesocket_handshakes_refused_total',
      'code="UNAVAILABLE",limit="handshake_verification"',
    ),
    2,
    'both refusals are counted',
  );
});

/** A raw Engine.IO session over websocket whose Socket.IO CONNECT is sent on demand. */
async function rawSession(t: Teardown, url: string, token: string): Promise<{ connect(): Promise<ConnectedPayload> }> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`, {
    headers: { origin: TEST_ORIGIN, cookie: authCookie(token) },
  });
  t.teardown(() => ws.terminate());
  let onConnected: (payload: ConnectedPayload) => void = () => undefined;
  const connected = new Promise<ConnectedPayload>((resolve) => (onConnected = resolve));
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.on('message', (data: Buffer) => {
      const text = data.toString();
      if (text.startsWith('0')) resolve();
      else if (text === '2') ws.send('3');
      else if (text.startsWith('42["system:connected"')) {
        onConnected((JSON.parse(text.slice(2)) as [string, ConnectedPayload])[1]);
      }
    });
  });
  await withTimeout(opened, WAIT_MS, 'engine session open');
  return {
    connect() {
      ws.send('40');
      return withTimeout(connected, WAIT_MS, 'system:connected');
    },
  };
}

t.test('the verification queue is bounded: a CONNECT that finds it full is refused with UNAVAILABLE', async (t) => {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  const jwks = await slowJwks(t, { keys: [jwk] });
  const service = await startService(t, {
    JWT_SECRET: '',
    JWT_JWKS_URL: jwks.url,
    ROOM_TICKET_SECRET: TEST_SECRET,
    HANDSHAKE_CONCURRENCY: '2',
  });
  const { url } = service;
  const token = (sub: string) => mintToken({ sub }, { key: privateKey, alg: 'ES256', kid: 'k1' });

  // Five sessions are admitted while the gate is idle; their CONNECTs come later, all at once: the admission's
  // check at the handshake cannot see them coming.
  const subs = ['q1', 'q2', 'q3', 'q4', 'q5'];
  const sockets = await Promise.all(
    subs.map(async (sub) => openRawSocket(t, url, { cookie: authCookie(await token(sub)) })),
  );
  const answers = sockets.slice(0, 4).map((socket) => rawConnect(socket));
  const verifications = async (state: string): Promise<number> =>
    metricValue(await scrapeMetrics(url), 'gamesocket_handshake_verifications', `state="${state}"`);
  await eventually(
    async () => (await verifications('active')) === 2 && (await verifications('waiting')) === 2,
    WAIT_MS,
    '2 verifications active and 2 waiting',
  );
  const refused = await rawConnect(sockets[4]!);
  t.match(refused, /^44\{/, `the fifth CONNECT is refused at once: ${refused}`);
  const body = JSON.parse(refused.slice(2)) as { message: string; data?: { code: string } };
  t.equal(body.data?.code, 'UNAVAILABLE', 'with the stable code UNAVAILABLE');
  t.equal(await verifications('waiting'), 2, 'the queue did not grow');
  t.equal(
    metricValue(await scrapeMetrics(url), 'gamesocket_handshakes_refused_total', 'limit="verification_queue"'),
    1,
    'the refusal is counted',
  );

  jwks.release();
  const connected = await Promise.all(answers);
  t.ok(
    connected.every((frame) => frame.startsWith('40{')),
    'once the JWKS answers, the four queued players connect',
  );
});

t.test('a token in the CONNECT payload meets the same cap at its CONNECT', async (t) => {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  const jwks = await slowJwks(t, { keys: [jwk] });
  const { url } = await startService(t, {
    JWT_SECRET: '',
    JWT_JWKS_URL: jwks.url,
    ROOM_TICKET_SECRET: TEST_SECRET,
    HANDSHAKE_CONCURRENCY: '2',
  });
  const token = (sub: string) => mintToken({ sub }, { key: privateKey, alg: 'ES256', kid: 'k1' });

  // Four natives fill the gate (two verify, two wait) with tokens Engine.IO's handshake never saw.
  const natives = await Promise.all(['n1', 'n2', 'n3', 'n4'].map(() => openRawSocket(t, url)));
  const answers = natives.map(async (socket, i) => rawConnect(socket, '/', { token: await token(`n${i + 1}`) }));
  const verifications = async (state: string): Promise<number> =>
    metricValue(await scrapeMetrics(url), 'gamesocket_handshake_verifications', `state="${state}"`);
  await eventually(
    async () => (await verifications('active')) === 2 && (await verifications('waiting')) === 2,
    WAIT_MS,
    '2 verifications active and 2 waiting',
  );
  // Nothing to see at the Engine.IO handshake: the fifth session is admitted like an anonymous one.
  const fifth = await openRawSocket(t, url);
  const refused = await rawConnect(fifth, '/', { token: await token('n5') });
  t.match(refused, /^44\{/, `its CONNECT is refused at once: ${refused}`);
  t.equal((JSON.parse(refused.slice(2)) as { data?: { code: string } }).data?.code, 'UNAVAILABLE');
  t.equal(await verifications('waiting'), 2, 'the queue did not grow');

  jwks.release();
  const connected = await Promise.all(answers);
  t.ok(
    connected.every((frame) => frame.startsWith('40{')),
    'once the JWKS answers, the four queued natives connect',
  );
});

t.test('an Engine.IO session that sends no CONNECT within CONNECT_TIMEOUT_MS is closed', async (t) => {
  const { url } = await startService(t, { CONNECT_TIMEOUT_MS: '300' });
  const silent = await openRawSocket(t, url);
  const player = await openRawSocket(t, url);
  t.match(await rawConnect(player), /^40\{/, 'a player that sends CONNECT connects');
  const closed = await withTimeout(silent.closed, WAIT_MS, 'the silent session to be closed');
  t.pass(`the session that sent nothing is closed (code ${closed.code})`);
  t.ok(player.isOpen(), 'the connected player stays');
  player.send('421["system:ping"]');
  t.match(await player.next((frame) => frame.startsWith('431')), /pong/, 'and is still served');
});
