import t from 'tap';
import { SignJWT, jwtVerify } from 'jose';
import { hmacVerifyKey } from '../../src/auth/hmac-key.js';
import { TEST_SECRET } from '@gamesocket/test-helpers/tokens';

const sign = (secret: string) =>
  new SignJWT({ sub: 'u1' })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(secret));

t.test('hmacVerifyKey: one HS256 CryptoKey, verify-only and not extractable, that jose uses as is', async (t) => {
  const key = await hmacVerifyKey(TEST_SECRET);
  t.equal(key.type, 'secret');
  t.same(key.algorithm, { name: 'HMAC', hash: { name: 'SHA-256' }, length: 8 * Buffer.byteLength(TEST_SECRET) });
  t.same(key.usages, ['verify'], 'it can verify, never sign');
  t.equal(key.extractable, false, 'the secret cannot be read back from it');
  const { payload } = await jwtVerify(await sign(TEST_SECRET), key, { algorithms: ['HS256'] });
  t.equal(payload.sub, 'u1', 'a token signed with the secret verifies');
  await t.rejects(
    jwtVerify(await sign(`${TEST_SECRET}-other`), key, { algorithms: ['HS256'] }),
    { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' },
    'a token signed with another secret does not',
  );
  const bytes = await hmacVerifyKey(new TextEncoder().encode(TEST_SECRET));
  const again = await jwtVerify(await sign(TEST_SECRET), bytes, { algorithms: ['HS256'] });
  t.equal(again.payload.sub, 'u1', 'a secret given as bytes is the same key');
});
