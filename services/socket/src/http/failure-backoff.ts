/** Options of `createFailureBackoff`. */
export interface FailureBackoffOptions {
  /** Failed attempts a key may make before it is locked out. */
  freeFailures: number;
  /** The first lockout, ms; each failure past it doubles the lockout. */
  baseMs: number;
  /** The longest lockout, ms. */
  maxMs: number;
  /** Keys remembered at most; past it, forgotten ones first, then the oldest. */
  maxKeys: number;
  /** Milliseconds clock (injected in tests). */
  now?: () => number;
}

/** What an attempt of a key may do now. */
export type Verdict = { allowed: true } | { allowed: false; retryAfterMs: number };

/**
 * Failed attempts per key (a client address) with exponential backoff: after `freeFailures`
 * failures the key is locked out for `baseMs`, and every later failure, or attempt while locked,
 * doubles it (up to `maxMs`) from that moment. A success forgets the key. Memory is bounded by
 * `maxKeys`: evicting a key forgives it, so a client with very many addresses gains at most
 * `freeFailures` attempts per address evicted.
 */
export interface FailureBackoff {
  /**
   * Before checking an attempt's credentials: refused while the key is locked out (and the lockout
   * doubles: the attempt counts as a failure, unchecked).
   */
  attempt(key: string): Verdict;
  /** The attempt's credentials were wrong: refused once past the free failures (with the new lockout). */
  failed(key: string): Verdict;
  /** The attempt succeeded: the key starts afresh. */
  succeeded(key: string): void;
  /** Keys remembered now. */
  readonly size: number;
}

interface Entry {
  failures: number;
  lockedUntil: number;
}

/** Creates the backoff (see `FailureBackoff`). */
export function createFailureBackoff(options: FailureBackoffOptions): FailureBackoff {
  const { freeFailures, baseMs, maxMs, maxKeys } = options;
  const now = options.now ?? Date.now;
  // Insertion order = least recently failed first: a key is re-inserted on each failure.
  const entries = new Map<string, Entry>();

  const lockoutMs = (failures: number): number => Math.min(maxMs, baseMs * 2 ** Math.min(failures - freeFailures, 40));

  const makeRoom = (at: number): void => {
    // Keys whose lockout (and a maxMs of quiet after it) has passed would start afresh anyway.
    for (const [key, entry] of entries) {
      if (entries.size < maxKeys) return;
      if (entry.lockedUntil + maxMs <= at) entries.delete(key);
    }
    for (const key of entries.keys()) {
      if (entries.size < maxKeys) return;
      entries.delete(key);
    }
  };

  const fail = (key: string): Verdict => {
    const at = now();
    const entry = entries.get(key) ?? { failures: 0, lockedUntil: 0 };
    entries.delete(key);
    if (entries.size >= maxKeys) makeRoom(at);
    entry.failures++;
    entries.set(key, entry);
    if (entry.failures < freeFailures) return { allowed: true };
    const retryAfterMs = lockoutMs(entry.failures);
    entry.lockedUntil = at + retryAfterMs;
    // The failure that starts the lockout was checked: it is answered as a wrong attempt, not refused.
    return entry.failures === freeFailures ? { allowed: true } : { allowed: false, retryAfterMs };
  };

  return {
    attempt(key) {
      const entry = entries.get(key);
      if (entry === undefined || entry.lockedUntil <= now()) return { allowed: true };
      return fail(key);
    },
    failed: fail,
    succeeded(key) {
      entries.delete(key);
    },
    get size() {
      return entries.size;
    },
  };
}
