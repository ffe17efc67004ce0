/**
 * Clients without a cookie jar (native builds, engines, bots) send the access token in the Socket.IO
 * CONNECT payload: `io(url, { auth: { token } })`. The cookie is read first; `auth.token` only when
 * there is no cookie. Same verification, cache, deny-list, expiry and recovery guard as the cookie.
 */
import t from 'tap';
import type { Socket } from 'socket.io-client';
import { createRoomTicket } from '@gamesocket/emitter';
import {
  TEST_SECRET,
  WAIT_MS,
  authCookie,
  connectClient,
  mintToken,
  openRawSocket,
  parseEvent,
  request,
  startService,
  unsignedToken,
  waitFor,
} from '@gamesocket/test-helpers';

const API_TOKEN = 'auth-token-test-api-token';
const claims = { sub: 'native1', username: 'native', role: 'player' };

t.test('auth.token in the CONNECT payload', async (t) => {
  const service = await startService(t, { PUBLISH_API_TOKEN: API_TOKEN });
  const { url } = service;

  t.test('a valid token authenticates', async (t) => {
    const client = await connectClient(t, url, { auth: { token: await mintToken(claims) } });
    t.equal(client.connected.auth, 'ok');
    t.same(client.connected.user, { userId: 'native1', username: 'native', role: 'player' });
    t.same(await request(client.socket, 'player:status_change', { status: 'away' }), { ok: true });
  });

  const refused: [string, () => Promise<string>, string][] = [
    ['an expired token', () => mintToken(claims, { expiresIn: -60 }), 'expired'],
    [
      'a token signed with another key',
      () => mintToken(claims, { key: 'another-secret-of-at-least-32-bytes!!' }),
      'invalid',
    ],
    ['an alg:none token', async () => unsignedToken(claims), 'invalid'],
    [
      'a room ticket used as an access token',
      () => createRoomTicket({ userId: 'native1', room: 'room:1', secret: TEST_SECRET }),
      'invalid',
    ],
    ['garbage', async () => 'not.a.jwt', 'invalid'],
  ];
  for (const [what, token, auth] of refused) {
    t.test(`${what} connects as anonymous with auth=${auth}`, async (t) => {
      const { connected } = await connectClient(t, url, { auth: { token: await token() } });
      t.equal(connected.auth, auth);
      t.equal(connected.user, null);
    });
  }

  t.test('a revoked user is refused like with the cookie', async (t) => {
    const token = await mintToken({ sub: 'revoked-native' });
    t.equal((await connectClient(t, url, { auth: { token } })).connected.auth, 'ok', 'before the revocation');
    const res = await fetch(`${url}/v1/revoke`, {
      method: 'POST',
      body: JSON.stringify({ user: 'revoked-native', until: Date.now() + 60_000 }),
      headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
      signal: AbortSignal.timeout(WAIT_MS),
    });
    t.equal(res.status, 202);
    const byAuth = await connectClient(t, url, { auth: { token } });
    t.equal(byAuth.connected.auth, 'invalid', 'auth.token: refused at the handshake');
    t.equal(byAuth.connected.user, null);
    const byCookie = await connectClient(t, url, { token });
    t.equal(byCookie.connected.auth, 'invalid', 'the cookie: the same');
  });

  t.test('the cookie wins when both are present', async (t) => {
    const cookieToken = await mintToken({ sub: 'from-cookie' });
    const authToken = await mintToken({ sub: 'from-auth' });
    const both = await connectClient(t, url, { token: cookieToken, auth: { token: authToken } });
    t.equal(both.connected.user?.userId, 'from-cookie', 'the cookie is read first');
    const expiredCookie = await connectClient(t, url, {
      token: await mintToken({ sub: 'from-cookie' }, { expiresIn: -60 }),
      auth: { token: authToken },
    });
    t.equal(expiredCookie.connected.auth, 'expired', 'a bad cookie is not replaced by auth.token');
    const emptyCookie = await connectClient(t, url, { cookie: authCookie(''), auth: { token: authToken } });
    t.equal(emptyCookie.connected.user?.userId, 'from-auth', 'an empty cookie is no cookie');
  });

  t.test('malformed auth payloads connect as anonymous', async (t) => {
    const valid = await mintToken(claims);
    const payloads: [string, Record<string, unknown>][] = [
      ['a number', { token: 42 }],
      ['an object', { token: { token: valid } }],
      ['an array', { token: [valid] }],
      ['null', { token: null }],
      ['an empty string', { token: '' }],
      ['over 8 KiB', { token: `${valid}${'x'.repeat(8192)}` }],
      ['another field', { accessToken: valid }],
    ];
    for (const [what, auth] of payloads) {
      const { connected } = await connectClient(t, url, { auth });
      t.equal(connected.auth, 'anonymous', `a token that is ${what}: anonymous`);
    }
  });

  t.test('a CONNECT payload that is not an object never crashes the pod', async (t) => {
    for (const payload of ['"token"', '[1]', '42', 'null', '{"token":', '{"__proto__":{"token":"x"}}']) {
      const raw = await openRawSocket(t, url);
      raw.send(`40${payload}`);
      const answer = await Promise.race([
        raw.next((frame) => frame.startsWith('40{') || frame.startsWith('44') || frame.startsWith('42')),
        raw.closed.then(() => 'closed'),
      ]);
      t.ok(answer !== undefined, `40${payload}: ${answer.slice(0, 80)}`);
      if (answer.startsWith('40{')) {
        const connected = await raw.next((frame) => parseEvent(frame)?.[0] === 'system:connected');
        t.match(parseEvent(connected)?.[1], { auth: 'anonymous' }, `40${payload}: anonymous`);
      }
      raw.close();
    }
    const after = await connectClient(t, url, { auth: { token: await mintToken(claims) } });
    t.equal(after.connected.auth, 'ok', 'the pod still serves');
  });
});

t.test('recovery: auth.token identifies the session owner like the cookie', async (t) => {
  const { url } = await startService(t);
  const token = await mintToken({ sub: 'recovering-native' });
  const other = await mintToken({ sub: 'someone-else' });

  /** Connects with `auth`, then drops the transport (no clean disconnect) and reconnects with `next`. */
  const dropAndReconnect = async (auth: Record<string, unknown>, next: Record<string, unknown>) => {
    const client = await connectClient(t, url, { auth });
    const untyped = client.socket as unknown as Socket;
    // Reconnection is off in test clients: turn it on for this one drop.
    untyped.io.reconnection(true);
    untyped.io.reconnectionDelay(0);
    const back = waitFor<{ recovered: boolean; user: { userId: string } | null }>(
      untyped as unknown as Parameters<typeof waitFor>[0],
      'system:connected',
    );
    untyped.auth = next;
    untyped.io.engine.close();
    return back;
  };

  const same = await dropAndReconnect({ token }, { token });
  t.equal(same.recovered, true, 'the same token recovers the session');
  t.equal(same.user?.userId, 'recovering-native');

  const another = await dropAndReconnect({ token }, { token: other });
  t.equal(another.recovered, false, "another user's token gets a fresh socket");
  t.equal(another.user?.userId, 'someone-else');
});
