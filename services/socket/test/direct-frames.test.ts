/**
 * Broadcast frames written straight to a websocket (`writePreEncodedFrame`, core/internals.ts, called by the
 * slow-consumer guard's writer): a client gets broadcasts, volatile broadcasts and its own socket's emits, text and
 * binary, in the order the pod sent them, whichever path each took, over websocket, long-polling and across an
 * upgrade from one to the other, and the sent-event counter counts every one.
 */
import type { Socket as EngineSocket } from 'engine.io';
import type { Server } from 'socket.io';
import t from 'tap';
import {
  WAIT_MS,
  connectClient,
  eventually,
  metricValue,
  scrapeMetrics,
  startService,
  withTimeout,
  type ConnectedClient,
} from '@gamesocket/test-helpers';

const ROOM = 'order-probe';
const EVENT = 'lobby:stats';
/** Writes per batch: broadcasts, volatile broadcasts, per-socket emits and binary ones in turn, in one tick. */
const BATCH = 60;
/** Batches sent once the upgrading client is on websocket (and at most `MAX_BATCHES` in all). */
const BATCHES = 5;
const MAX_BATCHES = 200;
const NAMES = ['websocket', 'long-polling', 'upgrading from long-polling'];

/** The numbers a client received in `EVENT`'s `online` field, in order. */
function received(client: ConnectedClient): number[] {
  const seen: number[] = [];
  client.socket.onAny((event: string, payload: { online?: unknown }) => {
    if (event === EVENT && typeof payload?.online === 'number') seen.push(payload.online);
  });
  return seen;
}

t.test('broadcasts and direct emits arrive in order, on both transports and across an upgrade', async (t) => {
  const service = await startService(t);
  const io = service.app.io as unknown as Server;
  const websocket = await connectClient(t, service.url);
  const polling = await connectClient(t, service.url, { transports: ['polling'] });
  const sentBefore = metricValue(await scrapeMetrics(service.metricsUrl), 'gamesocket_events_sent_total', 'lobby');
  // Connected over long-polling; its websocket upgrade usually completes while the batches below are sent.
  const upgrading = await connectClient(t, service.url, { transports: ['polling', 'websocket'] });
  const clients = [websocket, polling, upgrading];
  const seen = clients.map(received);
  const sockets = clients.map((client) => io.of('/').sockets.get(client.socket.id!)!);
  for (const socket of sockets) socket.join(ROOM);

  // Messages that went through engine.io's write buffer (`packetCreate`), per client.
  const queued = sockets.map((socket) => {
    const count = { messages: 0 };
    (socket.conn as EngineSocket).on('packetCreate', (packet: { type: string }) => {
      if (packet.type === 'message') count.messages++;
    });
    return count;
  });

  let next = 0;
  let raw = 0;
  let binary = 0;
  let beforeUpgrade = 0;
  let afterUpgrade = 0;
  for (let batch = 0; batch < MAX_BATCHES && afterUpgrade < BATCHES; batch++) {
    for (let i = 0; i < BATCH; i++) {
      const body = { online: next++, rooms: 0 };
      if (batch % 2 === 1 && i === BATCH / 2) {
        // Two Engine.IO packets (the event, then its attachment), no pre-encoded frame: engine.io's path, and the
        // attachment waits in the write buffer behind the write in flight, with what follows it in this tick.
        for (const socket of sockets) socket.emit(EVENT, { ...body, blob: Buffer.from([i]) });
        binary++;
      } else if (i % 4 === 0) {
        io.to(ROOM).emit(EVENT, body);
      } else if (i % 4 === 1) {
        io.to(ROOM).volatile.emit(EVENT, body);
      } else if (i % 4 === 2) {
        for (const socket of sockets) socket.emit(EVENT, body);
      } else {
        // One packet written to engine.io as an ack is: no frame, the transport busy until its write callback.
        for (const socket of sockets) socket.conn.write(`2${JSON.stringify([EVENT, body])}`);
        raw++;
      }
    }
    // The next batch in another tick: engine.io's write callbacks have run, its write buffer is flushed.
    await new Promise((resolve) => setImmediate(resolve));
    if (sockets[2]!.conn.transport.name === 'websocket') afterUpgrade++;
    else beforeUpgrade++;
  }
  t.equal(afterUpgrade, BATCHES, `the third client upgraded to websocket, ${beforeUpgrade} batches in`);

  const expected = Array.from({ length: next }, (_, i) => i);
  for (const [index, client] of clients.entries()) {
    const name = NAMES[index]!;
    await eventually(() => seen[index]!.length >= next, WAIT_MS, `${name} to get ${next} events`);
    t.same(seen[index], expected, `the ${name} client got every event once, in the order sent`);
    t.ok(client.socket.connected, `the ${name} client is still connected`);
  }
  const packets = next + binary;
  const direct = packets - queued[0]!.messages;
  t.ok(direct > 0, `some writes to the websocket skipped engine.io's write buffer (${direct} of ${packets})`);
  t.ok(
    queued[0]!.messages > raw + 2 * binary,
    'and some broadcasts took it, behind an attachment still in it; in order all the same',
  );
  t.equal(queued[1]!.messages, packets, 'every write to the long-polling client went through its write buffer');
  t.ok(queued[2]!.messages < packets, 'once upgraded, some writes to the third client skipped it too');
  const sentAfter = metricValue(await scrapeMetrics(service.metricsUrl), 'gamesocket_events_sent_total', 'lobby');
  // The raw writes bypass Socket.IO's writer: they are not Socket.IO events the pod sent.
  t.equal(sentAfter - sentBefore, (next - raw) * clients.length, 'gamesocket_events_sent_total counted every event');

  // Closed here, not at teardown: a long-polling client left to the teardown keeps a request open for 30 s.
  const gone = new Promise((resolve) => sockets[1]!.once('disconnect', resolve));
  polling.socket.disconnect();
  await withTimeout(gone, WAIT_MS, 'the long-polling client to leave');
});
