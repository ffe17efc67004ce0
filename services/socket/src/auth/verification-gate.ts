import { ServiceError } from '../core/errors.js';

/**
 * A global cap on access-token verifications in flight (JWT signatures, JWKS fetches, the deny-list
 * read): `limit` run at once, at most `maxWaiting` more wait in arrival order, and past that a
 * verification is refused at once. A flood of handshakes therefore cannot queue thousands of
 * verifications on the event loop and the crypto thread pool; `saturated()` lets the handshake
 * admission refuse new ones cheaply while the gate is full.
 */
export interface VerificationGate {
  /**
   * Runs `verify` once a slot is free.
   * @throws ServiceError `UNAVAILABLE` at once when `maxWaiting` verifications already wait.
   */
  run<T>(verify: () => Promise<T>): Promise<T>;
  /** True while `limit` verifications run or wait: new handshakes with a token should be refused. */
  saturated(): boolean;
  /** Verifications running now. */
  readonly active: number;
  /** Verifications waiting for a slot. */
  readonly waiting: number;
}

const queueFull = (): ServiceError =>
  new ServiceError('UNAVAILABLE', 'too many handshakes in progress, retry later', 'verification queue full');

/**
 * Creates a gate that runs at most `limit` verifications at once and lets at most `maxWaiting`
 * (default: `limit`) wait for a slot.
 */
export function createVerificationGate(limit: number, maxWaiting = limit): VerificationGate {
  let active = 0;
  const queue: (() => void)[] = [];
  const release = (): void => {
    const next = queue.shift();
    if (next === undefined) active--;
    else next(); // the slot passes to the next in line
  };
  return {
    async run(verify) {
      if (active < limit) active++;
      else if (queue.length >= maxWaiting) throw queueFull();
      else await new Promise<void>((resolve) => queue.push(resolve));
      try {
        return await verify();
      } finally {
        release();
      }
    },
    saturated: () => active + queue.length >= limit,
    get active() {
      return active;
    },
    get waiting() {
      return queue.length;
    },
  };
}
