import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { Server } from 'socket.io';
import { WAIT_MS, createClient, request, withTimeout, type TestSocket } from '@gamesocket/test-helpers';
import { createLogger } from '../src/core/logger.js';
import { createMetrics } from '../src/core/metrics.js';
import type { GameServer } from '../src/core/socket-types.js';
import type { EventHandlers, SharedContext } from '../src/events/handler.js';
import { createEventPipeline } from '../src/events/pipeline.js';

const connected = (socket: TestSocket): Promise<void> =>
  withTimeout(new Promise<void>((resolve) => socket.once('connect', () => resolve())), WAIT_MS, 'connect');

t.test('a handler that throws answers INTERNAL, is logged once with the event, and the pod serves on', async (t) => {
  // A real Socket.IO server with the real pipeline, one of whose handlers throws (injected here).
  const handlers: EventHandlers = {
    'system:ping': {
      auth: false,
      handle: () => {
        throw new Error('boom: a bug in a handler');
      },
    },
    'lobby:stats': { auth: false, handle: () => ({ online: 1, connections: 1, nodes: 1 }) },
  };
  const lines: Record<string, unknown>[] = [];
  const log = createLogger(
    { level: 'info', nodeId: 'pipeline-test' },
    { write: (line) => lines.push(JSON.parse(line)) },
  );
  const metrics = createMetrics('pipeline-test', {
    adapterMode: 'memory',
    redisUp: () => true,
    draining: () => false,
    presence: async () => ({ online: 0, connections: 0 }),
    verifications: () => ({ active: 0, waiting: 0 }),
  });
  const httpServer = createServer();
  const io: GameServer = new Server(httpServer);
  // The handlers under test use none of the shared services.
  const shared = { io, log, nodeId: 'pipeline-test' } as unknown as SharedContext;
  io.on('connection', createEventPipeline(handlers, { metrics, rateLimit: { perSec: 100, burst: 100 }, shared }));
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  t.teardown(() => io.close());
  const url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;

  const thrower = createClient(t, url);
  const bystander = createClient(t, url);
  await Promise.all([connected(thrower), connected(bystander)]);

  t.same(await request(thrower, 'system:ping'), { ok: false, error: { code: 'INTERNAL', message: 'internal error' } });
  const failures = lines.filter((line) => line.msg === 'event handler failed');
  t.equal(failures.length, 1, 'logged once');
  t.equal(failures[0]?.event, 'system:ping', 'with the event name');
  t.match(failures[0]?.err, { message: 'boom: a bug in a handler' }, 'and the error');
  t.notMatch(JSON.stringify(await request(thrower, 'system:ping')), 'boom', 'the client never sees the error text');

  t.same(await request(bystander, 'lobby:stats'), { ok: true, data: { online: 1, connections: 1, nodes: 1 } });
  t.same(await request(thrower, 'lobby:stats'), { ok: true, data: { online: 1, connections: 1, nodes: 1 } });
  t.ok(thrower.connected && bystander.connected, 'both sockets are still connected');
});
