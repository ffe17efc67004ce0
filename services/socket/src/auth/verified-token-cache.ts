import type { TokenVerifier, VerifyResult } from './token-verifier.js';

/** Options of `cacheVerifiedTokens`. */
export interface VerifiedTokenCacheOptions {
  /** Most tokens remembered (least recently used dropped first); 0 = no cache. */
  maxEntries: number;
  /** Longest a verified token is remembered, ms (bounds how long a JWKS key removal is ignored). */
  maxAgeMs: number;
  /** Seconds of clock skew accepted on `exp`, as in the verifier (JWT_CLOCK_TOLERANCE_SEC). */
  clockToleranceSec: number;
  /** Clock in epoch ms; tests move it. */
  now?: () => number;
}

type Verified = Extract<VerifyResult, { auth: 'ok' }>;

interface Entry {
  result: Verified;
  /** Epoch ms after which the entry is verified again. */
  staleAt: number;
}

/** A verifier that remembers its verified tokens, plus what a test needs to see inside it. */
export interface CachedTokenVerifier extends TokenVerifier {
  /** Tokens remembered now. */
  readonly size: number;
}

/**
 * Remembers successful verifications by the exact token string, so a user reconnecting with the same
 * cookie skips the signature check. Only `ok` results are kept; `exp` is checked on every hit with
 * jose's rule (expired once `exp <= now - tolerance`), so a cached token expires exactly as an
 * uncached one. Revocation is not cached here: the caller checks the deny-list on every handshake.
 */
export function cacheVerifiedTokens(inner: TokenVerifier, options: VerifiedTokenCacheOptions): CachedTokenVerifier {
  const { maxEntries, maxAgeMs, clockToleranceSec, now = Date.now } = options;
  // A Map iterates in insertion order: re-inserting on a hit makes the first key the least recently used.
  const entries = new Map<string, Entry>();

  const remember = (token: string, result: Verified): void => {
    if (maxEntries <= 0) return;
    entries.delete(token);
    entries.set(token, { result, staleAt: now() + maxAgeMs });
    if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
  };

  return {
    get size() {
      return entries.size;
    },
    async verify(token) {
      const entry = entries.get(token);
      if (entry !== undefined) {
        const at = now();
        const { exp } = entry.result;
        if (exp <= Math.floor(at / 1000) - clockToleranceSec) {
          entries.delete(token);
          return { auth: 'expired', reason: 'ERR_JWT_EXPIRED' };
        }
        if (at < entry.staleAt) {
          entries.delete(token);
          entries.set(token, entry);
          // A copy per handshake: sockets never share (and so never alter) one user object.
          return { ...entry.result, user: { ...entry.result.user } };
        }
        entries.delete(token);
      }
      const result = await inner.verify(token);
      if (result.auth === 'ok') remember(token, result);
      return result;
    },
  };
}
