/**
 * A connected socket keeps nothing of its handshake it no longer needs: the Engine.IO request (the
 * headers with the cookie) and the copies in `socket.handshake` (headers, the CONNECT payload with
 * any `auth.token`) are let go once the socket is connected, which saves memory per connection and
 * keeps tokens out of the heap; the strings it keeps are shared with other sockets where equal.
 */
import type { IncomingMessage } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Socket as EngineSocket } from 'engine.io';
import t from 'tap';
import {
  authCookie,
  mintToken,
  openRawSocket,
  parseEvent,
  rawConnect,
  startService,
  waitFor,
  WAIT_MS,
  type RawSocket,
} from '@gamesocket/test-helpers';

setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;

const claims = { sub: 'release1', username: 'release', role: 'player' };

/** The `system:connected` payload among the frames after a CONNECT. */
async function connected(raw: RawSocket): Promise<{ socketId: string; auth: string }> {
  const frame = await raw.next((f) => parseEvent(f)?.[0] === 'system:connected', undefined, 'system:connected');
  const [, payload] = parseEvent(frame) as [string, { socketId: string; auth: string }];
  raw.frames.splice(raw.frames.indexOf(frame), 1);
  return payload;
}

t.test('a connected socket lets its handshake go', async (t) => {
  const service = await startService(t);
  const sockets = service.app.io.of('/').sockets;

  t.test('cookie: the request and the headers are released, the identity stays', async (t) => {
    const raw = await openRawSocket(t, service.url, { cookie: authCookie(await mintToken(claims)) });
    await rawConnect(raw);
    const { socketId, auth } = await connected(raw);
    t.equal(auth, 'ok');
    const socket = sockets.get(socketId);
    if (socket === undefined) throw new Error('no server socket');
    t.equal(socket.request, undefined, 'no Engine.IO request');
    t.same(socket.handshake.headers, {}, 'no headers');
    t.same(socket.handshake.auth, {}, 'no CONNECT payload');
    t.same(socket.handshake.query, {}, 'no query');
    t.same(socket.data.user, { userId: 'release1', username: 'release', role: 'player' });

    // The socket still works: an event with an ack.
    raw.send('421["system:ping"]');
    t.match(await raw.next((f) => f.startsWith('431')), /^431\[\{"pong":true/);
  });

  t.test('the time, URL and address it keeps are its own values', async (t) => {
    const first = await openRawSocket(t, service.url, { query: '&game=one' });
    await rawConnect(first);
    const second = await openRawSocket(t, service.url, { query: '&game=two' });
    await rawConnect(second);
    const third = await openRawSocket(t, service.url, { query: '&game=two' });
    await rawConnect(third);
    const handshakes = await Promise.all(
      [first, second, third].map(async (raw) => {
        const socket = sockets.get((await connected(raw)).socketId);
        if (socket === undefined) throw new Error('no server socket');
        return socket.handshake;
      }),
    );
    t.same(
      handshakes.map((h) => h.url),
      ['one', 'two', 'two'].map((game) => `/socket.io/?EIO=4&transport=websocket&game=${game}`),
    );
    for (const h of handshakes) {
      t.match(h.address, /^(::ffff:)?127\.0\.0\.1$/);
      // `time` is taken to the second just before `issued`: at most a second (and the instant between) behind it.
      const behind = h.issued - Date.parse(h.time);
      t.ok(behind >= 0 && behind < 2000, `time is the connect time (${behind} ms before issued)`);
    }
  });

  t.test('auth.token: the payload with the token is released', async (t) => {
    const raw = await openRawSocket(t, service.url);
    await rawConnect(raw, '/', { token: await mintToken(claims) });
    const { socketId, auth } = await connected(raw);
    t.equal(auth, 'ok');
    t.same(sockets.get(socketId)?.handshake.auth, {});
  });
  t.test('the upgrade request itself is collected once the socket is connected', async (t) => {
    let collected: Promise<unknown> | undefined;
    const registry = new FinalizationRegistry<() => void>((done) => done());
    const watch = (conn: EngineSocket): void => {
      // Only the registry sees the request: nothing in this test keeps it.
      collected = new Promise<void>((resolve) => registry.register(conn.request as IncomingMessage, resolve));
    };
    service.app.io.engine.once('connection', watch);
    const raw = await openRawSocket(t, service.url, { cookie: authCookie(await mintToken(claims)) });
    await rawConnect(raw);
    const { socketId, auth } = await connected(raw);
    t.equal(auth, 'ok');
    if (collected === undefined) throw new Error('no engine connection seen');
    let done = false;
    void collected.then(() => (done = true));
    // Full collections until the registry reports it, bounded.
    for (const deadline = Date.now() + WAIT_MS; !done && Date.now() < deadline;) {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
    t.ok(done, 'the request was garbage collected');
    t.ok(raw.isOpen(), 'collected while its websocket lives on');
    raw.send('421["system:ping"]');
    t.match(await raw.next((f) => f.startsWith('431')), /^431\[\{"pong":true/, 'and it is still served');

    // The TCP socket's close still reaches the server at once (ws's own listener was kept).
    const socket = sockets.get(socketId);
    if (socket === undefined) throw new Error('no server socket');
    const gone = waitFor<string>(socket, 'disconnect');
    raw.ws.terminate();
    t.equal(await gone, 'transport close', 'a dropped TCP connection is seen as such');
  });
});
