import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { exportJWK, generateKeyPair } from 'jose';
import { type Teardown, connectClient, mintToken, startService, unsignedToken } from '@gamesocket/test-helpers';

const claims = { sub: 'u1', username: 'alice', role: 'player' };
const TICKET_SECRET = 'room-ticket-secret-of-32-bytes-or-more!';

t.test('cookie token auth (HS256)', async (t) => {
  const { url } = await startService(t);

  t.test('a valid token connects as that user', async (t) => {
    const { connected } = await connectClient(t, url, { token: await mintToken(claims) });
    t.equal(connected.auth, 'ok');
    t.same(connected.user, { userId: 'u1', username: 'alice', role: 'player' });
  });

  t.test('userId claim is used when sub is absent; username and role have defaults', async (t) => {
    const { connected } = await connectClient(t, url, { token: await mintToken({ userId: 'u9' }) });
    t.equal(connected.auth, 'ok');
    t.same(connected.user, { userId: 'u9', username: 'u9', role: 'user' });
  });

  const anonymousCases: [string, () => Promise<string | undefined>, string][] = [
    ['no token', async () => undefined, 'anonymous'],
    ['an expired token', () => mintToken(claims, { expiresIn: -60 }), 'expired'],
    [
      'a token signed with another key',
      () => mintToken(claims, { key: 'another-secret-of-at-least-32-bytes!!' }),
      'invalid',
    ],
    ['an alg:none token', async () => unsignedToken(claims), 'invalid'],
    ['a wrong algorithm (HS512, same secret)', () => mintToken(claims, { alg: 'HS512' }), 'invalid'],
    ['a token without sub or userId', () => mintToken({ username: 'alice' }), 'invalid'],
    ['a sub that cannot name a room', () => mintToken({ sub: 'has space' }), 'invalid'],
    ['garbage', async () => 'not.a.jwt', 'invalid'],
    // It would never expire: an access token must carry exp.
    ['a token without exp', () => mintToken(claims, { exp: null }), 'invalid'],
    ['a room ticket (same key) used as an access token', () => mintToken({ sub: 'u1', room: 'room:1' }), 'invalid'],
  ];
  for (const [name, token, auth] of anonymousCases) {
    t.test(`${name} connects as anonymous with auth=${auth}`, async (t) => {
      const value = await token();
      const { connected } = await connectClient(t, url, value === undefined ? {} : { token: value });
      t.equal(connected.auth, auth);
      t.equal(connected.user, null);
    });
  }

  t.test('an RS256 token is refused by a secret-configured service', async (t) => {
    const { privateKey } = await generateKeyPair('RS256');
    const { connected } = await connectClient(t, url, {
      token: await mintToken(claims, { key: privateKey, alg: 'RS256' }),
    });
    t.equal(connected.auth, 'invalid');
  });
});

t.test('issuer and audience are enforced when configured', async (t) => {
  const { url } = await startService(t, { JWT_ISSUER: 'auth-api', JWT_AUDIENCE: 'game' });
  const cases: [string, Record<string, unknown>, string][] = [
    ['right iss and aud', { ...claims, iss: 'auth-api', aud: 'game' }, 'ok'],
    ['no iss', { ...claims, aud: 'game' }, 'invalid'],
    ['wrong iss', { ...claims, iss: 'evil', aud: 'game' }, 'invalid'],
    ['wrong aud', { ...claims, iss: 'auth-api', aud: 'other' }, 'invalid'],
  ];
  for (const [name, payload, auth] of cases) {
    const { connected } = await connectClient(t, url, { token: await mintToken(payload) });
    t.equal(connected.auth, auth, name);
  }
});

t.test('a custom AUTH_COOKIE name is read', async (t) => {
  const { url } = await startService(t, { AUTH_COOKIE: 'sid' });
  const token = await mintToken(claims);
  const other = await connectClient(t, url, { cookie: `accessToken=${token}` });
  t.equal(other.connected.auth, 'anonymous', 'the default cookie name is not read');
  const { connected } = await connectClient(t, url, { cookie: `theme=dark; sid=${token}` });
  t.equal(connected.auth, 'ok');
});

async function serveJwks(t: Teardown, jwks: unknown): Promise<string> {
  const server: Server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
}

for (const alg of ['EdDSA', 'ES256'] as const) {
  t.test(`JWKS (${alg})`, async (t) => {
    const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg, use: 'sig' };
    const jwksUrl = await serveJwks(t, { keys: [jwk] });
    const { url } = await startService(t, { JWT_SECRET: '', JWT_JWKS_URL: jwksUrl, ROOM_TICKET_SECRET: TICKET_SECRET });

    const ok = await connectClient(t, url, { token: await mintToken(claims, { key: privateKey, alg, kid: 'k1' }) });
    t.equal(ok.connected.auth, 'ok', 'a JWKS-signed token is accepted');
    t.equal(ok.connected.user?.userId, 'u1');

    const other = await generateKeyPair(alg);
    const wrongKey = await connectClient(t, url, {
      token: await mintToken(claims, { key: other.privateKey, alg, kid: 'k1' }),
    });
    t.equal(wrongKey.connected.auth, 'invalid', 'a token signed with a key not in the JWKS is invalid');

    // The classic confusion attack: HS256 with the public key material as the HMAC secret.
    for (const secret of [JSON.stringify(jwk), String(jwk.x)]) {
      const forged = await mintToken(claims, { key: secret.padEnd(32, '='), alg: 'HS256', kid: 'k1' });
      const { connected } = await connectClient(t, url, { token: forged });
      t.equal(connected.auth, 'invalid', 'HS256 forged with the public key is rejected');
    }

    const expired = await connectClient(t, url, {
      token: await mintToken(claims, { key: privateKey, alg, kid: 'k1', expiresIn: -60 }),
    });
    t.equal(expired.connected.auth, 'expired');
  });
}

t.test('an unreachable JWKS makes tokens invalid, not a crash', async (t) => {
  const { url } = await startService(t, {
    JWT_SECRET: '',
    JWT_JWKS_URL: 'http://127.0.0.1:1/jwks.json',
    ROOM_TICKET_SECRET: TICKET_SECRET,
  });
  const { privateKey } = await generateKeyPair('ES256');
  const { connected } = await connectClient(t, url, {
    token: await mintToken(claims, { key: privateKey, alg: 'ES256' }),
  });
  t.equal(connected.auth, 'invalid');
});
