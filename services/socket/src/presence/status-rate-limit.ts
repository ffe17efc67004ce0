import { TokenBucket, type TokenBucketRate } from '../core/token-bucket.js';

/** Status changes one user may make at once on one pod (whatever their number of sockets). */
export const STATUS_BURST = 5;
/** Status changes per second one user may go on making on one pod. */
export const STATUS_PER_SEC = 1;
/** Users whose budget is remembered; past it, refilled budgets are forgotten first, then the oldest. */
export const MAX_TRACKED_USERS = 50_000;

/**
 * Per-user budget of status changes from the user's own sockets on this pod: a token bucket of
 * `STATUS_BURST` refilled at `STATUS_PER_SEC`, shared by every socket of the user here. Memory is
 * bounded: a full bucket changes nothing, so only users who changed their status in the last few
 * seconds are held, at most `maxUsers` of them.
 */
export class StatusRateLimit {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly rate: TokenBucketRate = { perSec: STATUS_PER_SEC, burst: STATUS_BURST, now: Date.now },
    private readonly maxUsers = MAX_TRACKED_USERS,
  ) {}

  /** Users whose budget is held now. */
  get size(): number {
    return this.buckets.size;
  }

  /** Takes one status change from `userId`'s budget; false (nothing taken) when it is spent. */
  take(userId: string): boolean {
    let bucket = this.buckets.get(userId);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxUsers) this.forget();
      bucket = new TokenBucket(this.rate);
      this.buckets.set(userId, bucket);
    }
    return bucket.take();
  }

  private forget(): void {
    const at = this.rate.now();
    for (const [userId, bucket] of this.buckets) if (bucket.isFull(at)) this.buckets.delete(userId);
    // Still full of users changing status right now: forgetting the oldest only forgives them.
    for (const userId of this.buckets.keys()) {
      if (this.buckets.size <= this.maxUsers / 2) break;
      this.buckets.delete(userId);
    }
  }
}
