import t from 'tap';
import { secretMatcher } from '../../src/core/secret-compare.js';

t.test('matches the expected secret only, byte for byte', async (t) => {
  const matches = secretMatcher('token-of-sixteen+chars');
  t.ok(matches('token-of-sixteen+chars'), 'the same secret');
  t.notOk(matches('token-of-sixteen+charz'), 'one character off');
  t.notOk(matches('token-of-sixteen+chars '), 'a trailing space');
  t.notOk(matches('token-of-sixteen+char'), 'a prefix');
  t.notOk(matches(''), 'empty');
  t.notOk(matches('TOKEN-OF-SIXTEEN+CHARS'), 'case matters');
});

t.test('any length is compared without throwing (digests are equal length)', async (t) => {
  const matches = secretMatcher('short');
  t.notOk(matches('x'.repeat(10_000)), 'a much longer guess');
  t.ok(secretMatcher('é'.repeat(8))('é'.repeat(8)), 'multi-byte characters');
  t.notOk(secretMatcher('é')('e\u0301'), 'no Unicode normalisation: the bytes differ');
});
