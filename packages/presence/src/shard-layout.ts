import { DEFAULT_PRESENCE_SHARDS, KEY_PREFIX, presenceKeys, shardOf } from '@gamesocket/protocol';

/** Options every Redis-backed store of this package shares; every pod and emitter must use the same values. */
export interface RedisStoreOptions {
  /** Key prefix. Default `gamesocket` (the protocol's `KEY_PREFIX`). */
  prefix?: string;
  /**
   * Users are spread over this many hash slots (`{p0}` … `{pN-1}`), so Redis Cluster can spread them
   * over its shards while every per-user operation stays atomic. Default 16.
   */
  shards?: number;
  /** How long a user with no socket keeps their memberships (`MEMBERSHIP_GRACE_MS`). Default 120 000. */
  membershipGraceMs?: number;
  /** Approximate cap of each shard's lifecycle stream (`LIFECYCLE_STREAM_MAX_LEN`). Default 10 000. */
  lifecycleMaxLen?: number;
}

/** Where a deployment's keys are: its prefix and shards (see the protocol's `presenceKeys`). */
export class ShardLayout {
  readonly prefix: string;
  readonly shards: number;
  readonly graceMs: number;
  readonly lifecycleMaxLen: number;

  constructor(options: RedisStoreOptions = {}) {
    this.prefix = options.prefix ?? KEY_PREFIX;
    // Keys wrap the prefix or follow it with hash tags ({prefix:nodes}, prefix:{p3}): a brace in it would move slots.
    if (/[{}]/.test(this.prefix)) throw new TypeError(`the key prefix must not contain braces: ${this.prefix}`);
    this.shards = options.shards ?? DEFAULT_PRESENCE_SHARDS;
    this.graceMs = options.membershipGraceMs ?? 120_000;
    this.lifecycleMaxLen = options.lifecycleMaxLen ?? 10_000;
  }

  /** The key prefix of shard `shard`. */
  shard(shard: number): string {
    return presenceKeys.shard(shard, this.prefix);
  }

  /** The key prefix of an id's shard (a user id; a room name for its counter). */
  of(id: string): string {
    return this.shard(shardOf(id, this.shards));
  }

  /** Every shard's key prefix. */
  all(): string[] {
    return Array.from({ length: this.shards }, (_, shard) => this.shard(shard));
  }
}
