/**
 * The recovery guard's races (handshake/session-recovery.ts). A recovering handshake that the verification queue
 * refuses (a reconnect storm after a pod drain) must not use up its session: the guard and the auth middleware see
 * the same refusal, the guard takes the session's owner record only once the handshake was admitted, and the
 * client's retry still recovers what it missed. A recovering handshake that arrives before the owner record (the
 * old pod writes it when the socket's close reaches it, which under load can be after the client's reconnect) waits
 * for it, a bounded time. Real parts: Socket.IO with connection state recovery, the service's authenticator,
 * verification gate, guard and middleware, an HS256 token; the owner store is the memory one, its writes held back
 * where a test makes them late.
 */
import { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { io as ioClient, type Socket as ClientSocket } from 'socket.io-client';
import t from 'tap';
import {
  TEST_ORIGIN,
  TEST_SECRET,
  authCookie,
  eventually,
  mintToken,
  waitFor,
  type TapTest,
} from '@gamesocket/test-helpers';
import { createAuthenticator, socketAuthMiddleware } from '../src/auth/socket-auth.js';
import { createTokenVerifier } from '../src/auth/token-verifier.js';
import { createVerificationGate, type VerificationGate } from '../src/auth/verification-gate.js';
import { createLogger } from '../src/core/logger.js';
import type { GameServer } from '../src/core/socket-types.js';
import {
  OWNER_RECORD_RETRY_MS,
  guardRecovery,
  memorySessionOwners,
  redisSessionOwners,
  sessionAdmissions,
  type SessionOwners,
} from '../src/handshake/session-recovery.js';

/** A server with recovery and the service's guard, a client signed in as u1 that counts `tick`s, connected. */
async function guardedServer(
  t: TapTest,
  owners: SessionOwners,
  { gate = createVerificationGate(4, 64), auth }: { gate?: VerificationGate; auth?: Record<string, unknown> } = {},
) {
  const http = createServer();
  const io = new Server(http, { connectionStateRecovery: { maxDisconnectionDuration: 60_000 } });
  t.teardown(() => new Promise<void>((resolve) => io.close(() => resolve())));
  // The guard's reasons for a fresh socket, as it logs them (debug).
  const refusals = new EventEmitter();
  const log = createLogger(
    { level: 'debug', nodeId: 'n' },
    {
      write: (line: string) => {
        const entry = JSON.parse(line) as { msg?: string; why?: string };
        if (entry.msg === 'recovery refused') refusals.emit('refused', entry.why);
      },
    },
  );
  const authenticate = createAuthenticator({
    verifier: createTokenVerifier({ key: { kind: 'secret', secret: TEST_SECRET } }),
    cookieName: 'accessToken',
    log,
    gate,
  });
  guardRecovery(io as unknown as GameServer, {
    authenticate,
    owners,
    windowMs: 60_000,
    log,
    denied: async () => false,
    roomsOf: async () => [],
    admissions: sessionAdmissions(),
  });
  io.use(socketAuthMiddleware(authenticate) as unknown as Parameters<typeof io.use>[0]);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const client: ClientSocket = ioClient(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, {
    transports: ['websocket'],
    reconnection: false,
    extraHeaders: { origin: TEST_ORIGIN, cookie: authCookie(await mintToken({ sub: 'u1' })) },
    ...(auth !== undefined && { auth }),
  });
  t.teardown(() => client.close());
  const seen: number[] = [];
  client.on('tick', (n: number) => {
    seen.push(n);
  });
  await waitFor(client, 'connect');
  io.emit('tick', 1);
  await waitFor(client, 'tick');
  /** The server drops the transport (a recoverable close): Socket.IO keeps the session, the guard records its owner. */
  const drop = async (): Promise<void> => {
    const dropped = waitFor(client, 'disconnect');
    for (const socket of io.sockets.sockets.values()) socket.conn.close();
    await dropped;
  };
  return { io, client, seen, drop, refusals };
}

/**
 * The memory owner store, each record's write held until `release` (the old pod's write arriving late), or until
 * the guard's look number `releaseAfterTakes` has found nothing.
 */
function lateOwners({
  releaseAfterTakes,
  onTake,
}: { releaseAfterTakes?: number; onTake?: (take: number) => Promise<void> } = {}): SessionOwners & {
  release(): void;
  held(): number;
  takes(): number;
} {
  const inner = memorySessionOwners();
  let waiting: (() => void)[] = [];
  let released = false;
  let takes = 0;
  const release = (): void => {
    released = true;
    for (const resolve of waiting) resolve();
    waiting = [];
  };
  return {
    async set(pid, owner, ttlMs) {
      if (!released) await new Promise<void>((resolve) => waiting.push(resolve));
      await inner.set(pid, owner, ttlMs);
    },
    async take(pid) {
      takes++;
      await onTake?.(takes);
      const owner = await inner.take(pid);
      if (takes === releaseAfterTakes) release();
      return owner;
    },
    release,
    held: () => waiting.length,
    takes: () => takes,
  };
}

t.test('a recovering CONNECT refused by the full verification queue leaves its session for the retry', async (t) => {
  // One verification at a time and none waiting: while the test holds the slot, a verification is refused.
  const gate = createVerificationGate(1, 0);
  const { io, client, seen, drop } = await guardedServer(t, memorySessionOwners(), { gate });
  await drop();
  io.emit('tick', 2);

  let release: () => void = () => undefined;
  const held = gate.run(() => new Promise<void>((resolve) => (release = resolve)));
  client.connect();
  const refused = await waitFor<Error>(client, 'connect_error');
  t.match(refused.message, /too many handshakes/, 'the reconnect is refused while the queue is full');
  release();
  await held;

  client.connect();
  await waitFor(client, 'connect');
  t.equal(client.recovered, true, 'the retry recovers the session');
  t.same(seen, [1, 2], 'and gets what was published while it was away, once');
});

t.test('a recovering CONNECT that arrives before its owner record waits for it and recovers', async (t) => {
  // The record lands right after the guard's first look found nothing.
  const owners = lateOwners({ releaseAfterTakes: 1 });
  const { io, client, seen, drop } = await guardedServer(t, owners);
  await drop();
  await eventually(() => owners.held() === 1, 5000, 'the owner record to be on its way');
  io.emit('tick', 2);
  client.connect();
  await waitFor(client, 'connect');
  t.equal(client.recovered, true, 'the session is recovered');
  t.same(seen, [1, 2], 'with what was published while the client was away, once');
  t.equal(owners.takes(), 2, 'found at the second look');
});

t.test('a session whose owner record never comes gets a fresh socket after the bounded wait', async (t) => {
  const owners = lateOwners();
  const { io, client, seen, drop, refusals } = await guardedServer(t, owners);
  await drop();
  io.emit('tick', 2);
  const refused = waitFor<string>(refusals, 'refused');
  client.connect();
  await waitFor(client, 'connect');
  t.equal(await refused, 'unknown session');
  t.equal(client.recovered, false, 'not recovered: the client resyncs');
  t.same(seen, [1], 'nothing replayed');
  t.equal(owners.takes(), 1 + OWNER_RECORD_RETRY_MS.length, 'one look, then one per wait, no more');
  owners.release();
});

t.test('a client that gives up while the guard waits leaves the record for its next attempt', async (t) => {
  let leave: () => Promise<void> = async () => undefined;
  // At the guard's first look the client leaves, and the server has seen it go before the look answers.
  const owners = lateOwners({ onTake: async (take) => (take === 1 ? leave() : undefined) });
  const { io, client, seen, drop, refusals } = await guardedServer(t, owners);
  leave = async () => {
    client.disconnect();
    await eventually(() => io.engine.clientsCount === 0, 5000, 'the server to see the client go');
  };
  await drop();
  io.emit('tick', 2);
  const gaveUp = waitFor<string>(refusals, 'refused');
  client.connect();
  t.equal(await gaveUp, 'client gone', 'the guard stops looking once the connection is closed');
  t.equal(owners.takes(), 1, 'no look after the client left');
  owners.release();
  client.connect();
  await waitFor(client, 'connect');
  t.equal(client.recovered, true, 'the next attempt recovers');
  t.same(seen, [1, 2]);
});

t.test('a client that leaves while its verification waits does not use up its session', async (t) => {
  // One verification at a time, one waiting: while the test holds the slot, the reconnect's verification queues.
  const gate = createVerificationGate(1, 1);
  const owners = lateOwners();
  const { io, client, seen, drop, refusals } = await guardedServer(t, owners, { gate });
  await drop();
  owners.release();
  io.emit('tick', 2);
  let release: () => void = () => undefined;
  const held = gate.run(() => new Promise<void>((resolve) => (release = resolve)));
  const gaveUp = waitFor<string>(refusals, 'refused');
  client.connect();
  await eventually(() => gate.waiting === 1, 5000, 'the reconnect to wait for verification');
  client.disconnect();
  await eventually(() => io.engine.clientsCount === 0, 5000, 'the server to see the client go');
  release();
  await held;
  t.equal(await gaveUp, 'client gone');
  t.equal(owners.takes(), 0, 'the record was not taken');
  client.connect();
  await waitFor(client, 'connect');
  t.equal(client.recovered, true, 'the next attempt recovers');
  t.same(seen, [1, 2]);
});

t.test('an owner store that cannot answer refuses recovery at once, without the wait', async (t) => {
  let takes = 0;
  const failing: SessionOwners = {
    set: async () => undefined,
    take: async () => {
      takes++;
      throw new Error('redis unavailable');
    },
  };
  const { client, drop, refusals } = await guardedServer(t, failing);
  await drop();
  const refused = waitFor<string>(refusals, 'refused');
  client.connect();
  await waitFor(client, 'connect');
  t.equal(await refused, 'owner store unavailable');
  t.equal(client.recovered, false, 'not recovered');
  t.equal(takes, 1, 'asked once');
});

t.test('a session id that is not one is never looked up', async (t) => {
  const owners = lateOwners();
  const { client, refusals } = await guardedServer(t, owners, { auth: { pid: 'x'.repeat(65), offset: '0-0' } });
  // The first connect already carried the bogus session: the guard answered it with a fresh socket, unlooked-up.
  t.equal(owners.takes(), 0, 'no lookup');
  const refused = waitFor<string>(refusals, 'refused');
  client.disconnect().connect();
  t.equal(await refused, 'malformed session id');
});

t.test('the Redis owner store cannot answer while its client is not connected', async (t) => {
  // A real client that has not connected (status `wait`): the guard must hear "cannot answer", not "no owner".
  const redis = new Redis({ lazyConnect: true });
  t.teardown(() => redis.disconnect());
  await t.rejects(redisSessionOwners(redis).take('abc'), /redis unavailable/);
});
