/**
 * Engine.IO's heartbeat on one shared timer per pod (lifetime/shared-heartbeat.ts): pings keep coming
 * while pongs answer them (straight to a websocket, through engine.io for long-polling), a silent
 * client is closed by engine.io's own pong deadline, a closed connection leaves the timer, and an
 * Engine.IO v3 client (which pings itself) is left alone.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket as EngineSocket } from 'engine.io';
import { Server } from 'socket.io';
import { io as ioClient, type Socket as ClientSocket } from 'socket.io-client';
import t from 'tap';
import WebSocket from 'ws';
import { openRawSocket, startService, waitFor, withTimeout, WAIT_MS, type Teardown } from '@gamesocket/test-helpers';
import { pingTimerOf, sendPing } from '../src/core/internals.js';
import { heartbeatTickMs, MAX_HEARTBEAT_TICK_MS, shareHeartbeats } from '../src/lifetime/shared-heartbeat.js';

/** Node's own timer class: a connection's ping timer must not be one. */
const NodeTimeout = (() => {
  const timer = setTimeout(() => undefined, 0);
  clearTimeout(timer);
  return timer.constructor;
})();

/** A bare Socket.IO server with the shared heartbeat, and what closed its connections. */
async function bareServer(t: Teardown, options: { pingInterval: number; pingTimeout: number; allowEIO3?: boolean }) {
  const http = createServer();
  const io = new Server(http, options);
  const heartbeat = shareHeartbeats(io.engine, {
    pingIntervalMs: options.pingInterval,
    pingTimeoutMs: options.pingTimeout,
  });
  const closeReasons: string[] = [];
  const conns: EngineSocket[] = [];
  io.engine.on('connection', (conn: EngineSocket) => {
    conns.push(conn);
    conn.on('close', (reason: string) => closeReasons.push(reason));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => io.close(() => resolve())));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return { io, heartbeat, closeReasons, conns, url };
}

const pings = (frames: string[]): number => frames.filter((frame) => frame === '2').length;

/** Resolves once a socket.io-client has seen `count` more pings from now, bounded by `WAIT_MS`. */
function clientPings(client: ClientSocket, count: number, what: string): Promise<void> {
  let seen = 0;
  return withTimeout(
    new Promise<void>((resolve) =>
      client.io.engine.on('ping', () => {
        if (++seen === count) resolve();
      }),
    ),
    WAIT_MS,
    what,
  );
}

t.test('the tick: 100 ms, or a quarter of the shorter heartbeat setting', async (t) => {
  t.equal(heartbeatTickMs(25_000, 60_000), MAX_HEARTBEAT_TICK_MS);
  t.equal(heartbeatTickMs(200, 100), 25);
  t.equal(heartbeatTickMs(100, 600_000), 25);
  t.equal(heartbeatTickMs(2, 2), 1, 'never 0');
});

/** Resolves when the server closed one of `conns` (bounded). */
const serverClose = (conns: EngineSocket[], what: string): Promise<unknown> =>
  withTimeout(new Promise((resolve) => conns.forEach((conn) => conn.once('close', resolve))), WAIT_MS, what);

t.test('connections answering pings are pinged again and again, from the one timer', async (t) => {
  const { conns, closeReasons, url } = await bareServer(t, { pingInterval: 100, pingTimeout: 1000 });
  const sockets = await Promise.all([1, 2, 3].map(() => openRawSocket(t, url)));
  t.equal(conns.length, 3);
  for (const conn of conns) {
    const timer = pingTimerOf(conn);
    t.ok(timer !== null && !(timer instanceof NodeTimeout), 'a queued ping, no timer of its own');
  }
  for (const socket of sockets) await socket.next(() => pings(socket.frames) >= 4, WAIT_MS, 'four pings');
  t.ok(
    sockets.every((socket) => socket.isOpen()),
    'every session lives on',
  );
  t.same(closeReasons, [], 'nothing closed');
});

t.test('pings go on after an upgrade from long-polling to websocket', async (t) => {
  const { url } = await bareServer(t, { pingInterval: 100, pingTimeout: 1000 });
  const client = ioClient(url, { transports: ['polling', 'websocket'], reconnection: false });
  t.teardown(() => client.close());
  await waitFor(client.io.engine, 'upgrade');
  await clientPings(client, 2, 'two pings over the websocket');
  t.equal(client.io.engine.transport.name, 'websocket');
  t.ok(client.connected, 'still connected');
});

t.test('a websocket gets its pings straight, as frames; long-polling through engine.io', async (t) => {
  const { conns, url } = await bareServer(t, { pingInterval: 100, pingTimeout: 1000 });
  /** Pings engine.io made a packet of for `conn` (its `sendPacket`): none where the frame went straight. */
  const packetPings = (conn: EngineSocket): (() => number) => {
    let count = 0;
    conn.on('packetCreate', (packet: { type: string }) => {
      if (packet.type === 'ping') count++;
    });
    return () => count;
  };
  const socket = await openRawSocket(t, url);
  const [wsConn] = conns;
  if (wsConn === undefined) throw new Error('no engine connection');
  const wsPackets = packetPings(wsConn);
  await socket.next(() => pings(socket.frames) >= 3, WAIT_MS, 'three pings');
  t.equal(wsPackets(), 0, 'no ping packet made for the websocket');
  t.ok(socket.isOpen(), 'and its pongs keep it open');

  const client = ioClient(url, { transports: ['polling'], reconnection: false });
  t.teardown(() => client.close());
  await waitFor(client, 'connect');
  const pollConn = conns[1];
  if (pollConn === undefined) throw new Error('no polling connection');
  const pollPackets = packetPings(pollConn);
  await clientPings(client, 2, 'two pings over long-polling');
  t.ok(pollPackets() >= 1, 'long-polling pings are engine.io packets');
  t.ok(client.connected, 'still connected');
});

t.test('a ping waits behind packets engine.io still holds, then goes straight again', async (t) => {
  // No ping of the timer's own during the test: this one sends them by hand.
  const { conns, url } = await bareServer(t, { pingInterval: 60_000, pingTimeout: 60_000 });
  const socket = await openRawSocket(t, url);
  const [conn] = conns;
  if (conn === undefined) throw new Error('no engine connection');
  let packetPings = 0;
  conn.on('packetCreate', (packet: { type: string }) => {
    if (packet.type === 'ping') packetPings++;
  });
  const transport = conn.transport as unknown as { writable: boolean };
  const engine = conn as unknown as { flush(): void };
  transport.writable = false; // as while a write is in flight: engine.io queues what comes next
  conn.write('held');
  sendPing(conn);
  t.equal(packetPings, 1, 'the ping is queued behind it as an engine.io packet');
  transport.writable = true;
  engine.flush();
  await socket.next((frame) => frame === '2', WAIT_MS, 'the queued ping');
  const held = socket.frames.indexOf('4held');
  t.ok(held >= 0 && held < socket.frames.indexOf('2'), 'after the packet queued before it');
  sendPing(conn);
  await socket.next(() => pings(socket.frames) >= 2, WAIT_MS, 'the next ping');
  t.equal(packetPings, 1, 'with nothing queued, straight to the websocket');
});

t.test('a closed connection leaves the timer; one not answering is closed by the pong deadline', async (t) => {
  const { heartbeat, closeReasons, conns, url } = await bareServer(t, { pingInterval: 60_000, pingTimeout: 100 });
  const [a, b] = await Promise.all([openRawSocket(t, url), openRawSocket(t, url)]);
  t.equal(heartbeat.waiting, 2, 'two connections wait for their ping');
  let closed = serverClose(conns, 'the server to see the first close');
  a.close();
  await closed;
  t.equal(heartbeat.waiting, 1, 'the closed one left at once, not at its ping');
  t.same(closeReasons, ['transport close']);
  closed = serverClose(
    conns.filter((conn) => conn.readyState !== 'closed'),
    'the server to see the second close',
  );
  b.close();
  await closed;
  t.equal(heartbeat.waiting, 0, 'the second left too');

  const quick = await bareServer(t, { pingInterval: 100, pingTimeout: 100 });
  const silent = await openRawSocket(t, quick.url, { answerPings: false });
  await silent.next((frame) => frame === '2');
  await withTimeout(silent.closed, WAIT_MS, 'the silent client to be closed');
  t.same(quick.closeReasons, ['ping timeout'], "engine.io's pong deadline closed it");
  t.equal(quick.heartbeat.waiting, 0, 'and it left the timer');
});

t.test('a close stuck waiting for a long-polling client is ended by the next ping, as engine.io ends it', async (t) => {
  const { conns, closeReasons, url } = await bareServer(t, { pingInterval: 100, pingTimeout: 100 });
  // The handshake GET answers the open packet; no GET follows, so the transport cannot write a close.
  const open = await withTimeout(fetch(`${url}/socket.io/?EIO=4&transport=polling`), WAIT_MS, 'the polling handshake');
  t.match(await open.text(), /^0\{"sid"/, 'open packet');
  const [conn] = conns;
  if (conn === undefined) throw new Error('no connection');
  const closed = serverClose([conn], 'the stuck close to end');
  conn.close();
  t.equal(conn.readyState, 'closing', 'the close waits for a poll that does not come (30 s)');
  await closed;
  t.same(closeReasons, ['ping timeout'], 'the ping that came due armed the pong deadline, which ended it');
});

t.test('an Engine.IO v3 client pings the server itself: left to engine.io', async (t) => {
  const { heartbeat, url } = await bareServer(t, { pingInterval: 100, pingTimeout: 100, allowEIO3: true });
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=3&transport=websocket`);
  t.teardown(() => ws.terminate());
  const frames: string[] = [];
  ws.on('message', (data: Buffer) => frames.push(data.toString()));
  const message = (match: (frame: string) => boolean, what: string): Promise<unknown> =>
    withTimeout(
      new Promise((resolve) => {
        const look = (): void => void (frames.some(match) && resolve(undefined));
        ws.on('message', look);
        look();
      }),
      WAIT_MS,
      what,
    );
  await message((frame) => frame.startsWith('0{'), 'the v3 open packet');
  t.equal(heartbeat.waiting, 0, 'not on the shared timer');
  ws.send('2');
  await message((frame) => frame === '3', 'the pong to the client ping');
  t.pass('the server answered the client ping');
});

t.test('the service pings every connection from its shared timer', async (t) => {
  const { app, url } = await startService(t, { PING_INTERVAL_MS: '200', PING_TIMEOUT_MS: '200' });
  const conns: EngineSocket[] = [];
  app.io.engine.on('connection', (conn: EngineSocket) => conns.push(conn));
  const socket = await openRawSocket(t, url);
  const [conn] = conns;
  const timer = conn === undefined ? null : pingTimerOf(conn);
  t.ok(timer !== null && !(timer instanceof NodeTimeout), 'a queued ping, no timer of its own');
  await socket.next(() => pings(socket.frames) >= 2, WAIT_MS, 'two pings');
  t.ok(socket.isOpen(), 'and the session lives on');
});
