import { KEY_PREFIX, denyKey, type DenyTarget } from '@gamesocket/protocol';
import type { RedisClient } from './redis-presence.js';

/** What a revocation names: every token of a user, or one token by its `jti`. */
export type { DenyTarget } from '@gamesocket/protocol';

/**
 * Revoked users and token ids, checked at every handshake. Entries expire by themselves (set
 * `untilMs` to the revoked tokens' expiry).
 */
export interface DenyList {
  deny(target: DenyTarget, untilMs: number): Promise<void>;
  isDenied(userId: string, jti: string | undefined): Promise<boolean>;
}

/** The deny-list in Redis: `gamesocket:deny:user:<id>` / `gamesocket:deny:jti:<jti>` with a TTL (`denyKey`). */
export class RedisDenyList implements DenyList {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix = KEY_PREFIX,
  ) {}

  async deny(target: DenyTarget, untilMs: number): Promise<void> {
    const ttl = Math.max(1, Math.ceil(untilMs - Date.now()));
    await this.redis.set(denyKey(target, this.prefix), String(untilMs), 'PX', ttl);
  }

  async isDenied(userId: string, jti: string | undefined): Promise<boolean> {
    const checks = [this.redis.exists(denyKey({ userId }, this.prefix))];
    if (jti !== undefined) checks.push(this.redis.exists(denyKey({ jti }, this.prefix)));
    return (await Promise.all(checks)).some((count) => count > 0);
  }
}

/** Options of `MemoryDenyList`. */
export interface MemoryDenyListOptions {
  /** Most entries kept; at the cap the one that expires first gives way. Default 100 000. */
  maxEntries?: number;
  now?: () => number;
}

/**
 * The deny-list of a single node. Expired entries are swept whenever the list has doubled since the
 * last sweep, so it holds at most about twice the active denials, and never more than `maxEntries`.
 */
export class MemoryDenyList implements DenyList {
  private readonly entries = new Map<string, number>();
  private readonly maxEntries: number;
  private readonly now: () => number;
  private sweepAt = 1024;

  constructor(options: MemoryDenyListOptions = {}) {
    this.maxEntries = options.maxEntries ?? 100_000;
    this.now = options.now ?? Date.now;
  }

  /** Entries held, expired ones not yet swept included. */
  get size(): number {
    return this.entries.size;
  }

  async deny(target: DenyTarget, untilMs: number): Promise<void> {
    const key = denyKey(target, '');
    if (!this.entries.has(key) && this.entries.size >= Math.min(this.sweepAt, this.maxEntries)) this.sweep();
    this.entries.set(key, untilMs);
  }

  async isDenied(userId: string, jti: string | undefined): Promise<boolean> {
    const now = this.now();
    const active = (key: string): boolean => (this.entries.get(key) ?? 0) > now;
    return active(denyKey({ userId }, '')) || (jti !== undefined && active(denyKey({ jti }, '')));
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, until] of this.entries) if (until <= now) this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      let first: [string, number] | undefined;
      for (const entry of this.entries) if (first === undefined || entry[1] < first[1]) first = entry;
      if (first !== undefined) this.entries.delete(first[0]);
    }
    this.sweepAt = Math.max(1024, this.entries.size * 2);
  }
}
