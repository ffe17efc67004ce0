import t from 'tap';
import { decodeJwt } from 'jose';
import { createTokenVerifier, type TokenVerifier } from '../../src/auth/token-verifier.js';
import { cacheVerifiedTokens, type VerifiedTokenCacheOptions } from '../../src/auth/verified-token-cache.js';
import { TEST_SECRET, mintToken } from '@gamesocket/test-helpers/tokens';

const TOLERANCE_SEC = 5;

/** The real HS256 verifier, counting the signature checks that reach it. */
function countingVerifier(): TokenVerifier & { calls: number } {
  const real = createTokenVerifier({ key: { kind: 'secret', secret: TEST_SECRET }, clockToleranceSec: TOLERANCE_SEC });
  const counted = {
    calls: 0,
    verify(token: string) {
      counted.calls++;
      return real.verify(token);
    },
  };
  return counted;
}

/** A cache over a counting real verifier, with a clock the test moves. */
function setup(options: Partial<VerifiedTokenCacheOptions> = {}) {
  const inner = countingVerifier();
  const clock = { ms: Date.now() };
  const cache = cacheVerifiedTokens(inner, {
    maxEntries: 100,
    maxAgeMs: 60_000,
    clockToleranceSec: TOLERANCE_SEC,
    now: () => clock.ms,
    ...options,
  });
  return { inner, clock, cache };
}

t.test('verified-token cache', async (t) => {
  t.test('a second verify of the same token is a hit: same user, no signature check', async (t) => {
    const { inner, cache } = setup();
    const token = await mintToken({ sub: 'u1', username: 'alice', role: 'player', jti: 'j1' });
    const first = await cache.verify(token);
    const second = await cache.verify(token);
    t.match(first, { auth: 'ok', user: { userId: 'u1', username: 'alice', role: 'player' }, jti: 'j1' });
    t.same(second, first, 'the cached result equals the verified one');
    t.equal(inner.calls, 1, 'the signature was checked once');
    const third = await cache.verify(token);
    t.ok(
      second.auth === 'ok' && third.auth === 'ok' && second.user !== third.user,
      'each hit gets its own user object',
    );
  });

  t.test('a token that expires after being cached is refused as expired (with the clock tolerance)', async (t) => {
    const { inner, clock, cache } = setup();
    const token = await mintToken({ sub: 'u2' }, { expiresIn: 30 });
    const exp = decodeJwt(token).exp as number;
    t.equal((await cache.verify(token)).auth, 'ok');
    clock.ms = (exp + TOLERANCE_SEC - 1) * 1000;
    t.equal((await cache.verify(token)).auth, 'ok', 'past exp but within the tolerance: accepted, as jose does');
    clock.ms = (exp + TOLERANCE_SEC) * 1000;
    t.same(await cache.verify(token), { auth: 'expired', reason: 'ERR_JWT_EXPIRED' }, 'at exp + tolerance: expired');
    t.equal(inner.calls, 1, 'refused from the entry, not re-verified');
    t.equal(cache.size, 0, 'the expired entry is dropped');
  });

  t.test('an entry older than the max age is verified again', async (t) => {
    const { inner, clock, cache } = setup({ maxAgeMs: 1000 });
    const token = await mintToken({ sub: 'u3' });
    await cache.verify(token);
    clock.ms += 999;
    await cache.verify(token);
    t.equal(inner.calls, 1, 'within the max age: a hit');
    clock.ms += 1;
    t.equal((await cache.verify(token)).auth, 'ok');
    t.equal(inner.calls, 2, 'at the max age: verified again');
  });

  t.test('refused tokens are never cached', async (t) => {
    const { inner, cache } = setup();
    const forged = await mintToken({ sub: 'u4' }, { key: 'another-secret-of-at-least-32-bytes!!' });
    const expired = await mintToken({ sub: 'u4' }, { expiresIn: -60 });
    for (const token of [forged, forged, expired, expired, 'not.a.jwt', 'not.a.jwt']) await cache.verify(token);
    t.equal(inner.calls, 6, 'each one verified');
    t.equal(cache.size, 0);
    t.equal((await cache.verify(forged)).auth, 'invalid');
  });

  t.test('the cache is bounded and drops the least recently used token', async (t) => {
    const { inner, cache } = setup({ maxEntries: 3 });
    const tokens = await Promise.all([0, 1, 2, 3].map((i) => mintToken({ sub: `b${i}` })));
    for (const token of tokens.slice(0, 3)) await cache.verify(token);
    await cache.verify(tokens[0] as string); // b0 is now the most recently used
    await cache.verify(tokens[3] as string); // evicts b1
    t.equal(cache.size, 3, 'never more than maxEntries');
    t.equal(inner.calls, 4);
    await cache.verify(tokens[0] as string);
    await cache.verify(tokens[2] as string);
    t.equal(inner.calls, 4, 'b0 and b2 still cached');
    await cache.verify(tokens[1] as string);
    t.equal(inner.calls, 5, 'b1 was evicted and is verified again');
    t.equal(cache.size, 3);
  });

  t.test('maxEntries 0 turns the cache off', async (t) => {
    const { inner, cache } = setup({ maxEntries: 0 });
    const token = await mintToken({ sub: 'u5' });
    await cache.verify(token);
    await cache.verify(token);
    t.equal(inner.calls, 2);
    t.equal(cache.size, 0);
  });
});
