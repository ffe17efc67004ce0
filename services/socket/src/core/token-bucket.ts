/** What many buckets share: refill rate, size and clock. */
export interface TokenBucketRate {
  /** Tokens added per second, continuously. */
  readonly perSec: number;
  /** Most tokens a bucket holds: the burst it allows. */
  readonly burst: number;
  /** Milliseconds clock (injected in tests). */
  readonly now: () => number;
}

/**
 * A token bucket: starts full with `rate.burst` tokens and refills at `rate.perSec` per second, never
 * above `rate.burst`. Each allowed event takes one token; with less than one left, events are refused.
 */
export class TokenBucket {
  #tokens: number;
  #at: number;

  constructor(readonly rate: TokenBucketRate) {
    this.#tokens = rate.burst;
    this.#at = rate.now();
  }

  /** Refills up to now and takes one token; false (nothing taken) when less than one is left. */
  take(): boolean {
    const at = this.rate.now();
    this.#tokens = this.#tokensAt(at);
    this.#at = at;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** True when the bucket is full again at `at`: forgetting it then would change nothing. */
  isFull(at: number = this.rate.now()): boolean {
    return this.#tokensAt(at) >= this.rate.burst;
  }

  #tokensAt(at: number): number {
    return Math.min(this.rate.burst, this.#tokens + ((at - this.#at) / 1000) * this.rate.perSec);
  }
}
