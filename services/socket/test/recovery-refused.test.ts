/**
 * A recovering handshake that the verification queue refuses (a reconnect storm after a pod drain) must not
 * use up its session: the recovery guard (handshake/session-recovery.ts) and the auth middleware see the same
 * refusal, the guard takes the session's owner record only once the handshake was admitted, and the client's
 * retry still recovers what it missed. Real parts: Socket.IO with connection state recovery, the service's
 * authenticator, verification gate, guard and middleware, an HS256 token.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as ioClient } from 'socket.io-client';
import t from 'tap';
import { TEST_ORIGIN, TEST_SECRET, authCookie, mintToken, waitFor } from '@gamesocket/test-helpers';
import { createAuthenticator, socketAuthMiddleware } from '../src/auth/socket-auth.js';
import { createTokenVerifier } from '../src/auth/token-verifier.js';
import { createVerificationGate } from '../src/auth/verification-gate.js';
import { createLogger } from '../src/core/logger.js';
import type { GameServer } from '../src/core/socket-types.js';
import { guardRecovery, memorySessionOwners, sessionAdmissions } from '../src/handshake/session-recovery.js';

t.test('a recovering CONNECT refused by the full verification queue leaves its session for the retry', async (t) => {
  const http = createServer();
  const io = new Server(http, { connectionStateRecovery: { maxDisconnectionDuration: 60_000 } });
  t.teardown(() => new Promise<void>((resolve) => io.close(() => resolve())));
  const log = createLogger({ level: 'silent', nodeId: 'n' });
  // One verification at a time and none waiting: while the test holds the slot, a verification is refused.
  const gate = createVerificationGate(1, 0);
  const authenticate = createAuthenticator({
    verifier: createTokenVerifier({ key: { kind: 'secret', secret: TEST_SECRET } }),
    cookieName: 'accessToken',
    log,
    gate,
  });
  guardRecovery(io as unknown as GameServer, {
    authenticate,
    owners: memorySessionOwners(),
    windowMs: 60_000,
    log,
    denied: async () => false,
    roomsOf: async () => [],
    admissions: sessionAdmissions(),
  });
  io.use(socketAuthMiddleware(authenticate) as unknown as Parameters<typeof io.use>[0]);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const client = ioClient(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, {
    transports: ['websocket'],
    reconnection: false,
    extraHeaders: { origin: TEST_ORIGIN, cookie: authCookie(await mintToken({ sub: 'u1' })) },
  });
  t.teardown(() => client.close());
  const seen: number[] = [];
  client.on('tick', (n: number) => {
    seen.push(n);
  });

  await waitFor(client, 'connect');
  io.emit('tick', 1);
  await waitFor(client, 'tick');
  // The transport drops (a recoverable close): the server keeps the session, its owner is recorded.
  const dropped = waitFor(client, 'disconnect');
  for (const socket of io.sockets.sockets.values()) socket.conn.close();
  await dropped;
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
