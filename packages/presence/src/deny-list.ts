import type { RedisClient } from './redis-presence.js';

/** What a revocation names: every token of a user, or one token by its `jti`. */
export type DenyTarget = { userId: string } | { jti: string };

/**
 * Revoked users and token ids, checked at every handshake. Entries expire by themselves (set
 * `untilMs` to the revoked tokens' expiry).
 */
export interface DenyList {
  deny(target: DenyTarget, untilMs: number): Promise<void>;
  isDenied(userId: string, jti: string | undefined): Promise<boolean>;
}

const keyOf = (prefix: string, target: DenyTarget): string =>
  'userId' in target ? `${prefix}:deny:user:${target.userId}` : `${prefix}:deny:jti:${target.jti}`;

/** The deny-list in Redis: `gamesocket:deny:user:<id>` / `gamesocket:deny:jti:<jti>` with a TTL. */
export class RedisDenyList implements DenyList {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix = 'gamesocket',
  ) {}

  async deny(target: DenyTarget, untilMs: number): Promise<void> {
    const ttl = Math.max(1, Math.ceil(untilMs - Date.now()));
    await this.redis.set(keyOf(this.prefix, target), String(untilMs), 'PX', ttl);
  }

  async isDenied(userId: string, jti: string | undefined): Promise<boolean> {
    const checks = [this.redis.exists(keyOf(this.prefix, { userId }))];
    if (jti !== undefined) checks.push(this.redis.exists(keyOf(this.prefix, { jti })));
    return (await Promise.all(checks)).some((count) => count > 0);
  }
}

/** The deny-list of a single node. */
export class MemoryDenyList implements DenyList {
  private readonly entries = new Map<string, number>();

  async deny(target: DenyTarget, untilMs: number): Promise<void> {
    this.entries.set(keyOf('', target), untilMs);
  }

  async isDenied(userId: string, jti: string | undefined): Promise<boolean> {
    const now = Date.now();
    const active = (key: string): boolean => (this.entries.get(key) ?? 0) > now;
    return active(keyOf('', { userId })) || (jti !== undefined && active(keyOf('', { jti })));
  }
}
