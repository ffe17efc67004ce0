import { webcrypto } from 'node:crypto';

/**
 * An HS256 verification key, imported once. jose takes a raw secret or a `KeyObject` too, but exports and
 * re-imports it as a CryptoKey on every verify (about a third of an HS256 verify's CPU); a CryptoKey is used as is.
 * A failed import (none is expected for a non-empty secret) surfaces at each verify, as a refused token.
 */
export function hmacVerifyKey(secret: string | Uint8Array): Promise<webcrypto.CryptoKey> {
  const raw = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
  const key = webcrypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  // Marked handled here: the verifies that await it see the failure.
  key.catch(() => undefined);
  return key;
}
