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

/** The deny-list of a single node. */
export class MemoryDenyList implements DenyList {
  private readonly entries = new Map<string, number>();

  async deny(target: DenyTarget, untilMs: number): Promise<void> {
    this.entries.set(denyKey(target, ''), untilMs);
  }

  async isDenied(userId: string, jti: string | undefined): Promise<boolean> {
    const now = Date.now();
    const active = (key: string): boolean => (this.entries.get(key) ?? 0) > now;
    return active(denyKey({ userId }, '')) || (jti !== undefined && active(denyKey({ jti }, '')));
  }
}
