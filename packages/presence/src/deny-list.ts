import { presenceKeys as keys, type DenyTarget } from '@gamesocket/protocol';
import type { RedisClient } from './redis-presence.js';
import { ShardLayout, type RedisStoreOptions } from './shard-layout.js';

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

/**
 * The deny-list in Redis, in the presence shards so the handshake script reads it with the
 * registration: `gamesocket:{pK}:deny:user:<id>` in the user's shard, `gamesocket:{pK}:deny:jti:<jti>`
 * in every shard (a `jti` does not name its user), each with a TTL to its `until`.
 */
export class RedisDenyList implements DenyList {
  private readonly layout: ShardLayout;

  constructor(
    private readonly redis: RedisClient,
    options: RedisStoreOptions = {},
  ) {
    this.layout = new ShardLayout(options);
  }

  async deny(target: DenyTarget, untilMs: number): Promise<void> {
    const ttl = Math.max(1, Math.ceil(untilMs - Date.now()));
    const until = String(untilMs);
    if ('userId' in target) {
      await this.redis.set(keys.denyUser(this.layout.of(target.userId), target.userId), until, 'PX', ttl);
      return;
    }
    await Promise.all(this.layout.all().map((p) => this.redis.set(keys.denyToken(p, target.jti), until, 'PX', ttl)));
  }

  async isDenied(userId: string, jti: string | undefined): Promise<boolean> {
    const p = this.layout.of(userId);
    const checks = [this.redis.exists(keys.denyUser(p, userId))];
    if (jti !== undefined) checks.push(this.redis.exists(keys.denyToken(p, jti)));
    return (await Promise.all(checks)).some((count) => count > 0);
  }
}

const memoryKey = (target: DenyTarget): string => ('userId' in target ? `user:${target.userId}` : `jti:${target.jti}`);

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
    const key = memoryKey(target);
    if (!this.entries.has(key) && this.entries.size >= Math.min(this.sweepAt, this.maxEntries)) this.sweep();
    this.entries.set(key, untilMs);
  }

  async isDenied(userId: string, jti: string | undefined): Promise<boolean> {
    const now = this.now();
    const active = (key: string): boolean => (this.entries.get(key) ?? 0) > now;
    return active(memoryKey({ userId })) || (jti !== undefined && active(memoryKey({ jti })));
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
