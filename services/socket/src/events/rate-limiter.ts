/** A token bucket: `burst` events at once, refilled at `perSec`. */
export interface RateLimiter {
  /** Takes one token; false when the bucket is empty (the event is refused). */
  take(): boolean;
  /** Events refused since the last one allowed. */
  readonly refusedInARow: number;
}

/** Creates one socket's bucket. */
export function createRateLimiter(perSec: number, burst: number, now: () => number = Date.now): RateLimiter {
  let tokens = burst;
  let last = now();
  let refused = 0;
  return {
    take() {
      const at = now();
      tokens = Math.min(burst, tokens + ((at - last) / 1000) * perSec);
      last = at;
      if (tokens >= 1) {
        tokens -= 1;
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
