/**
 * A recovering handshake that the verification queue refuses (a reconnect storm after a pod drain) must not
 * use up its session: the recovery guard (handshake/session-recovery.ts) takes the session's owner record
 * only once the handshake was admitted, so the client's retry still recovers what it missed.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as ioClient } from 'socket.io-client';
import t from 'tap';
import { TEST_ORIGIN, waitFor } from '@gamesocket/test-helpers';
import type { Authenticator, Identity } from '../src/auth/socket-auth.js';
import { ServiceError } from '../src/core/errors.js';
import { createLogger } from '../src/core/logger.js';
import type { GameServer } from '../src/core/socket-types.js';
import { guardRecovery, memorySessionOwners, sessionAdmissions } from '../src/handshake/session-recovery.js';

t.test('a recovering handshake refused by the verification queue leaves its session for the retry', async (t) => {
  const http = createServer();
  const io = new Server(http, { connectionStateRecovery: { maxDisconnectionDuration: 60_000 } }) as GameServer;
  t.teardown(() => new Promise<void>((resolve) => io.close(() => resolve())));
  const owners = memorySessionOwners();
  await owners.set('pid-1', 'u1', 60_000);
  const taken: (string | undefined)[] = [];
  let queueFull = true;
  const identity = (): Identity =>
    queueFull
      ? {
          auth: 'anonymous',
          user: null,
          tokenExp: undefined,
          refusal: new ServiceError('UNAVAILABLE', 'too many handshakes in progress', 'verification queue full'),
        }
      : { auth: 'ok', user: { userId: 'u1', username: 'u1', role: 'player' }, tokenExp: undefined };
  const authenticate = Object.assign(async () => identity(), { forget: () => undefined }) as Authenticator;
  guardRecovery(io, {
    authenticate,
    owners: {
      set: (pid, owner, ttlMs) => owners.set(pid, owner, ttlMs),
      take: async (pid) => {
        const owner = await owners.take(pid);
        taken.push(owner);
        return owner;
      },
    },
    windowMs: 60_000,
    log: createLogger({ level: 'silent', nodeId: 'n' }),
    denied: async () => false,
    roomsOf: async () => [],
    admissions: sessionAdmissions(),
  });
  // The service's auth middleware refuses the CONNECT the gate refused.
  io.use((_socket, next) => next(queueFull ? new Error('verification queue full') : undefined));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const attempt = () => {
    const client = ioClient(url, {
      transports: ['websocket'],
      reconnection: false,
      extraHeaders: { origin: TEST_ORIGIN },
      auth: { pid: 'pid-1', offset: '0' },
    });
    t.teardown(() => client.close());
    return client;
  };

  const refused = await waitFor<Error>(attempt(), 'connect_error');
  t.match(refused.message, /verification queue full/, 'the first attempt is refused');
  t.same(taken, [], 'and left the session owner alone');

  queueFull = false;
  await waitFor(attempt(), 'connect');
  t.same(taken, ['u1'], "the retry, admitted, took the owner record: the user's session was there to recover");
});
