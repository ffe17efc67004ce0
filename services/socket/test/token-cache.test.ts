import t from 'tap';
import { WAIT_MS, connectClient, mintToken, waitFor, startService } from '@gamesocket/test-helpers';

t.test('a cached token is still refused once revoked (the deny-list is checked at every handshake)', async (t) => {
  const API_TOKEN = 'token-cache-test-api-token';
  const { url } = await startService(t, { PUBLISH_API_TOKEN: API_TOKEN });
  const revoke = (body: unknown): Promise<Response> =>
    fetch(`${url}/v1/revoke`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
      signal: AbortSignal.timeout(WAIT_MS),
    });
  const until = Date.now() + 60_000;

  const reconnect = async (token: string): Promise<string> => {
    const client = await connectClient(t, url, { token });
    const closed = waitFor<string>(client.socket, 'disconnect');
    client.socket.disconnect();
    await closed;
    return client.connected.auth;
  };

  t.test('revokeToken: that token, cached by earlier handshakes, is refused', async (t) => {
    const token = await mintToken({ sub: 'cached1' });
    const withJti = await mintToken({ sub: 'cached1', jti: 'cached-jti' });
    t.equal(await reconnect(withJti), 'ok', 'first handshake verifies and caches it');
    t.equal(await reconnect(withJti), 'ok', 'second handshake (a cache hit)');
    t.equal((await revoke({ user: 'cached1', jti: 'cached-jti', until })).status, 202);
    t.equal((await connectClient(t, url, { token: withJti })).connected.auth, 'invalid', 'revoked jti refused');
    t.equal((await connectClient(t, url, { token })).connected.auth, 'ok', 'another token of the user still works');
  });

  t.test('revokeUser: the user’s cached token is refused', async (t) => {
    const token = await mintToken({ sub: 'cached2' });
    t.equal(await reconnect(token), 'ok');
    t.equal(await reconnect(token), 'ok');
    t.equal((await revoke({ user: 'cached2', until })).status, 202);
    const again = await connectClient(t, url, { token });
    t.equal(again.connected.auth, 'invalid', 'refused at the handshake');
    t.equal(again.connected.user, null);
  });
});
