import type { IncomingMessage } from 'node:http';
import t from 'tap';
import { createAuthenticator } from '../../src/auth/socket-auth.js';
import { MAX_AUTH_TOKEN_LENGTH, handshakeToken } from '../../src/auth/handshake-token.js';
import type { TokenVerifier, VerifyResult } from '../../src/auth/token-verifier.js';
import { createLogger } from '../../src/core/logger.js';
import { createVerificationGate } from '../../src/auth/verification-gate.js';

const request = (cookie?: string) =>
  ({ headers: cookie === undefined ? {} : { cookie } }) as unknown as IncomingMessage;

t.test('where the token comes from: the cookie first, else auth.token', async (t) => {
  t.equal(handshakeToken(request('accessToken=c1'), { token: 'a1' }, 'accessToken'), 'c1', 'the cookie wins');
  t.equal(handshakeToken(request(), { token: 'a1' }, 'accessToken'), 'a1', 'no cookie: auth.token');
  t.equal(handshakeToken(request('other=x'), { token: 'a1' }, 'accessToken'), 'a1', 'another cookie is no cookie');
  t.equal(handshakeToken(request('accessToken='), { token: 'a1' }, 'accessToken'), 'a1', 'an empty cookie is none');
  t.equal(handshakeToken(request(), {}, 'accessToken'), undefined, 'neither');
  t.equal(handshakeToken(undefined, { token: 'a1' }, 'accessToken'), 'a1', 'a released request: auth.token');
  t.equal(handshakeToken(undefined, {}, 'accessToken'), undefined, 'a released request and no auth.token');
  const long = 'x'.repeat(MAX_AUTH_TOKEN_LENGTH);
  t.equal(handshakeToken(request(), { token: long }, 'accessToken'), long, `${MAX_AUTH_TOKEN_LENGTH} characters`);
  for (const [what, auth] of [
    ['undefined', undefined],
    ['null', null],
    ['a string', 'a1'],
    ['an array', ['a1']],
    ['a number token', { token: 1 }],
    ['an object token', { token: { token: 'a1' } }],
    ['an empty token', { token: '' }],
    ['a token one character too long', { token: `${long}x` }],
    ['an inherited token', Object.create({ token: 'a1' }) as object],
  ] as const) {
    t.equal(handshakeToken(request(), auth, 'accessToken'), undefined, `${what}: no token`);
  }
});

t.test('one verification per connection and token', async (t) => {
  const verified: string[] = [];
  const verifier: TokenVerifier = {
    async verify(token): Promise<VerifyResult> {
      verified.push(token);
      return { auth: 'ok', user: { userId: token, username: token, role: 'user' }, exp: 2e9, jti: undefined };
    },
  };
  const authenticate = createAuthenticator({
    verifier,
    cookieName: 'accessToken',
    log: createLogger({ level: 'silent', nodeId: 'n' }),
  });
  const connection = request();
  const [guard, middleware] = await Promise.all([
    authenticate(connection, { token: 'a1', pid: 'p', offset: 'o' }),
    authenticate(connection, { token: 'a1' }),
  ]);
  t.equal(guard, middleware, 'the recovery guard and the middleware share one identity');
  t.same(verified, ['a1'], 'verified once');
  t.equal((await authenticate(connection, { token: 'a2' })).user?.userId, 'a2', 'another token on it: verified');
  t.equal((await authenticate(request(), { token: 'a1' })).user?.userId, 'a1', 'another connection: its own');
  t.same(verified, ['a1', 'a2', 'a1']);
  t.equal((await authenticate(request(), { token: 7 })).auth, 'anonymous', 'a malformed token: anonymous');
  t.equal(verified.length, 3, 'and nothing verified');
});

t.test('a refusal (the verification queue was full) holds for its CONNECT; a later CONNECT tries again', async (t) => {
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  const verifier: TokenVerifier = {
    async verify(token): Promise<VerifyResult> {
      if (token === 'slow') await held;
      return { auth: 'ok', user: { userId: token, username: token, role: 'user' }, exp: 2e9, jti: undefined };
    },
  };
  const gate = createVerificationGate(1, 0);
  const log = createLogger({ level: 'silent', nodeId: 'n' });
  const authenticate = createAuthenticator({ verifier, cookieName: 'accessToken', log, gate });
  const slow = authenticate(request(), { token: 'slow' });
  const connection = request();
  const refused = await authenticate(connection, { token: 'a1' });
  t.equal(refused.refusal?.code, 'UNAVAILABLE', 'refused while the gate is full');
  release();
  await slow;
  const sameConnect = await authenticate(connection, { token: 'a1' });
  t.equal(
    sameConnect.refusal?.code,
    'UNAVAILABLE',
    'the same CONNECT (the recovery guard, then the middleware) gets the same refusal, though the gate is free now',
  );
  // The middleware forgets the connection's result once it has read it.
  authenticate.forget(connection);
  const again = await authenticate(connection, { token: 'a1' });
  t.equal(again.refusal, undefined, 'a later CONNECT with the same token on the same connection is verified');
  t.equal(again.user?.userId, 'a1');
});
