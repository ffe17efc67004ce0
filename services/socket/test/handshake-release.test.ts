/**
 * A connected socket keeps nothing of its handshake it no longer needs: the Engine.IO request (the
 * headers with the cookie) and the copies in `socket.handshake` (headers, the CONNECT payload with
 * any `auth.token`) are let go once the socket is connected, which saves memory per connection and
 * keeps tokens out of the heap.
 */
import t from 'tap';
import {
  authCookie,
  mintToken,
  openRawSocket,
  parseEvent,
  rawConnect,
  startService,
  type RawSocket,
} from '@gamesocket/test-helpers';

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
    t.same(socket.data.user, { userId: 'release1', username: 'release', role: 'player' });

    // The socket still works: an event with an ack.
    raw.send('421["system:ping"]');
    t.match(await raw.next((f) => f.startsWith('431')), /^431\[\{"pong":true/);
  });

  t.test('auth.token: the payload with the token is released', async (t) => {
    const raw = await openRawSocket(t, service.url);
    await rawConnect(raw, '/', { token: await mintToken(claims) });
    const { socketId, auth } = await connected(raw);
    t.equal(auth, 'ok');
    t.same(sockets.get(socketId)?.handshake.auth, {});
  });
});
