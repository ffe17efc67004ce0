import { TokenBucket } from '../core/token-bucket.js';

/** A socket's event budget: a token bucket that also counts refusals in a row. */
export interface RateLimiter {
  /** Takes one token; false when the bucket is empty (the event is refused). */
  take(): boolean;
  /** Events refused since the last one allowed. */
  readonly refusedInARow: number;
}

/** Creates one socket's limiter: `burst` events at once, refilled at `perSec`. */
export function createRateLimiter(perSec: number, burst: number, now: () => number = Date.now): RateLimiter {
  const bucket = new TokenBucket({ perSec, burst, now });
  let refused = 0;
  return {
    take() {
      if (bucket.take()) {
        refused = 0;
        return true;
      }
      refused++;
      return false;
    },
    get refusedInARow() {
      return refused;
    },
  };
}
