import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import t from 'tap';
import { createVerificationGate, type VerificationGate } from '../../src/auth/verification-gate.js';
import { trustedProxies } from '../../src/handshake/client-address.js';
import { createAdmission, type AdmissionOptions } from '../../src/handshake/admission.js';

/** A handshake request as admission reads it: peer address, headers, and its network socket's events. */
function request(peer: string, headers: Record<string, string> = {}): IncomingMessage {
  const socket = Object.assign(new EventEmitter(), { remoteAddress: peer });
  return { socket, headers } as unknown as IncomingMessage;
}

/** An admission over a clock the test moves; no per-address limit unless a test sets it. */
function setup(options: Partial<AdmissionOptions> = {}) {
  const clock = { ms: 1_000_000 };
  const admission = createAdmission({
    maxConnectionsPerIp: 1_000,
    handshakeRatePerIp: 1_000,
    handshakeBurstPerIp: 1_000,
    trusted: trustedProxies([]),
    gate: createVerificationGate(10),
    authCookie: 'accessToken',
    now: () => clock.ms,
    ...options,
  });
  // Engine.IO's side: sessions opened for admitted requests, and handshakes that failed after admission.
  const engine = new EventEmitter();
  admission.attach(engine);
  const openSession = (req: IncomingMessage): EventEmitter => {
    const session = Object.assign(new EventEmitter(), { request: req, readyState: 'open' });
    engine.emit('connection', session);
    return session;
  };
  const failHandshake = (req: IncomingMessage): void => void engine.emit('connection_error', { req });
  // Both stages, as allowRequest runs them (with the Origin check between them).
  const admit = (req: IncomingMessage) => admission.rate(req) ?? admission.check(req);
  return { clock, admission, admit, openSession, failHandshake };
}

t.test('per address, handshakes draw on a token bucket: a burst, then the refill rate', async (t) => {
  const { clock, admit } = setup({ handshakeRatePerIp: 2, handshakeBurstPerIp: 3 });
  for (let i = 0; i < 3; i++) t.equal(admit(request('203.0.113.5')), undefined, `burst handshake ${i + 1}`);
  t.same(
    admit(request('203.0.113.5')),
    {
      code: 'RATE_LIMITED',
      limit: 'ip_handshake_rate',
      message: 'RATE_LIMITED: too many handshakes from this address',
    },
    'past the burst: refused with the stable code and the limit behind it',
  );
  t.equal(admit(request('203.0.113.6')), undefined, 'another address has its own bucket');

  clock.ms += 499;
  t.match(admit(request('203.0.113.5')), { code: 'RATE_LIMITED' }, 'less than one token refilled');
  clock.ms += 1;
  t.equal(admit(request('203.0.113.5')), undefined, 'at 2/s, one token after 500 ms');
  t.match(admit(request('203.0.113.5')), { code: 'RATE_LIMITED' }, 'and only one');

  clock.ms += 60_000;
  for (let i = 0; i < 3; i++) t.equal(admit(request('203.0.113.5')), undefined, `refilled ${i + 1}`);
  t.match(admit(request('203.0.113.5')), { code: 'RATE_LIMITED' }, 'never beyond the burst');
});

t.test('a handshake refused by the rate takes no token', async (t) => {
  const { clock, admit } = setup({ handshakeRatePerIp: 1, handshakeBurstPerIp: 1 });
  t.equal(admit(request('203.0.113.5')), undefined);
  for (let i = 0; i < 5; i++) t.match(admit(request('203.0.113.5')), { code: 'RATE_LIMITED' });
  clock.ms += 1000;
  t.equal(admit(request('203.0.113.5')), undefined, 'one second later the refilled token is there');
});

t.test('concurrent sessions per address are capped; a closed session frees its slot', async (t) => {
  const { admit, openSession } = setup({ maxConnectionsPerIp: 2 });
  const first = request('203.0.113.5');
  const second = request('203.0.113.5');
  t.equal(admit(first), undefined);
  t.equal(admit(second), undefined);
  const sessions = [openSession(first), openSession(second)];
  t.same(
    admit(request('203.0.113.5')),
    {
      code: 'CONNECTION_LIMIT',
      limit: 'ip_connections',
      message: 'CONNECTION_LIMIT: too many connections from this address',
    },
    'a third session is refused',
  );
  t.equal(admit(request('198.51.100.7')), undefined, 'another address is not affected');

  sessions[0]?.emit('close');
  t.equal(admit(request('203.0.113.5')), undefined, 'one closed: one slot free');
  t.match(admit(request('203.0.113.5')), { code: 'CONNECTION_LIMIT' }, 'and no more');
  sessions[0]?.emit('close');
  t.match(admit(request('203.0.113.5')), { code: 'CONNECTION_LIMIT' }, 'a second close event frees nothing');
});

t.test('admitted handshakes hold a slot until they become a session or fail', async (t) => {
  const { admit, openSession, failHandshake } = setup({ maxConnectionsPerIp: 1 });
  const failing = request('203.0.113.5');
  t.equal(admit(failing), undefined);
  t.match(admit(request('203.0.113.5')), { code: 'CONNECTION_LIMIT' }, 'held while the handshake runs');
  failHandshake(failing);
  failHandshake(failing);
  const upgrade = request('203.0.113.5', { upgrade: 'websocket' });
  t.equal(admit(upgrade), undefined, 'a failed handshake frees its slot, once');
  upgrade.socket.emit('close');
  const opened = request('203.0.113.5');
  t.equal(admit(opened), undefined, 'an upgrade whose socket closes without a session frees its slot');

  const session = openSession(opened);
  opened.socket.emit('close');
  t.match(admit(request('203.0.113.5')), { code: 'CONNECTION_LIMIT' }, 'bound to its session from then on');
  session.emit('close');
  t.equal(admit(request('203.0.113.5')), undefined, 'released when the session closes');
});

t.test('IPv6 clients count per /64', async (t) => {
  const { admit } = setup({ maxConnectionsPerIp: 1 });
  t.equal(admit(request('2001:db8:1:2::1')), undefined);
  t.match(admit(request('2001:db8:1:2::ffff')), { code: 'CONNECTION_LIMIT' }, 'same /64');
  t.equal(admit(request('2001:db8:1:3::1')), undefined, 'the next /64');
});

t.test('X-Forwarded-For names the client only behind a trusted proxy', async (t) => {
  const untrusted: string[] = [];
  const { admit } = setup({
    maxConnectionsPerIp: 1,
    trusted: trustedProxies(['10.0.0.1']),
    onUntrustedForwardedFor: (peer) => untrusted.push(peer),
  });
  t.equal(admit(request('10.0.0.1', { 'x-forwarded-for': '203.0.113.5' })), undefined);
  t.equal(admit(request('10.0.0.1', { 'x-forwarded-for': '203.0.113.6' })), undefined, 'one per client');
  t.equal(admit(request('192.0.2.1', { 'x-forwarded-for': '203.0.113.7' })), undefined);
  t.match(
    admit(request('192.0.2.1', { 'x-forwarded-for': '203.0.113.8' })),
    { code: 'CONNECTION_LIMIT' },
    'from an untrusted peer the header is ignored: the peer is the client',
  );
  t.same(untrusted, ['192.0.2.1'], 'the untrusted header is reported once, with the peer');
});

t.test('a malformed X-Forwarded-For entry from a trusted proxy counts as the proxy, and is reported', async (t) => {
  const malformed: string[] = [];
  const { admit } = setup({
    maxConnectionsPerIp: 1,
    trusted: trustedProxies(['10.0.0.1']),
    onMalformedForwardedFor: (entry) => malformed.push(entry),
  });
  t.equal(admit(request('10.0.0.1', { 'x-forwarded-for': '203.0.113.5:4242' })), undefined, 'ip:port: a client');
  t.equal(admit(request('10.0.0.1', { 'x-forwarded-for': 'not-an-ip' })), undefined, 'malformed: the proxy');
  t.match(
    admit(request('10.0.0.1', { 'x-forwarded-for': '203.0.113.6, still-not-an-ip' })),
    { code: 'CONNECTION_LIMIT' },
    "another malformed one shares the proxy's slot",
  );
  t.same(malformed, ['not-an-ip', 'still-not-an-ip'], 'each is reported once (the two stages read it once)');
});

t.test('while token verification is saturated, handshakes carrying the auth cookie are refused', async (t) => {
  const gate: VerificationGate = createVerificationGate(1);
  const { admit } = setup({ gate });
  let release = (): void => undefined;
  const running = gate.run(() => new Promise<void>((resolve) => (release = resolve)));
  t.same(
    admit(request('203.0.113.5', { cookie: 'theme=dark; accessToken=abc' })),
    {
      code: 'UNAVAILABLE',
      limit: 'handshake_verification',
      message: 'UNAVAILABLE: too many handshakes in progress, retry later',
    },
    'with a token: refused',
  );
  t.equal(admit(request('203.0.113.5', { cookie: 'theme=dark' })), undefined, 'anonymous: admitted');
  t.equal(
    admit(request('203.0.113.5', { cookie: 'xaccessToken=abc; theme=accessToken=' })),
    undefined,
    'another cookie whose name or value merely contains the name: admitted',
  );
  t.equal(admit(request('203.0.113.5')), undefined, 'no cookie at all: admitted');
  release();
  await running;
  t.equal(admit(request('203.0.113.5', { cookie: 'accessToken=abc' })), undefined, 'free again: admitted');
});

t.test('every attempt takes a token, also one refused after the rate (a foreign Origin, a full address)', async (t) => {
  const { clock, admission, admit } = setup({ handshakeRatePerIp: 1, handshakeBurstPerIp: 3, maxConnectionsPerIp: 1 });
  // The Origin stage runs between the two: an attempt it refuses has been through the rate only.
  t.equal(admission.rate(request('203.0.113.5')), undefined, 'a refused Origin: one token');
  t.equal(admit(request('203.0.113.5')), undefined, 'an admitted session: one token');
  t.match(admit(request('203.0.113.5')), { code: 'CONNECTION_LIMIT' }, 'a full address: one token');
  t.match(admit(request('203.0.113.5')), { code: 'RATE_LIMITED' }, 'the burst of 3 is spent');
  t.match(admission.rate(request('203.0.113.5')), { code: 'RATE_LIMITED' }, 'for foreign Origins too');
  clock.ms += 1000;
  t.equal(admission.rate(request('203.0.113.5')), undefined, 'refilled at the rate');
});
