import type { IntentDomain } from './intents.js';

/**
 * Every Redis key, stream and channel name the gamesocket processes share (the socket service's pods, the
 * emitter, backends), in one place. Each entry says its Redis type, who writes it, who reads it and how it is
 * bounded. Prefixes are parameters so a test or a second deployment on the same Redis can move them; every process
 * of one deployment must use the same values (the defaults do).
 */

/** The default prefix of gamesocket's own keys (presence, deny-list, session owners, intent streams). */
export const KEY_PREFIX = 'gamesocket';

/**
 * Channel prefix of every Socket.IO Redis adapter (the classic adapter's `key`, the sharded and streams adapters'
 * `channelPrefix`): pub/sub channels `socket.io#/#`, `socket.io#/#<room>#`, `socket.io-request#/#`. Written by pods
 * and emitters, read by pods. It is also the stock `@socket.io/redis-emitter`'s default, so that emitter works in
 * `redis` mode unchanged.
 */
export const ADAPTER_CHANNEL_PREFIX = 'socket.io';

/**
 * The redis-streams adapter's stream (Redis Stream). Pods and emitters XADD to it, every pod reads it; entries are
 * also the connection-state recovery window. Capped with `MAXLEN ~` (`DEFAULT_ADAPTER_STREAM_MAX_LEN`).
 */
export const ADAPTER_STREAM = 'socket.io';

/**
 * Default approximate cap of `ADAPTER_STREAM` (the service's `RECOVERY_STREAM_MAX_LEN`, the emitter's `maxLen`):
 * the other bound of recovery. Every writer of the stream should use the same cap.
 */
export const DEFAULT_ADAPTER_STREAM_MAX_LEN = 10_000;

/** Default approximate cap of each intent stream (the service's `INTENT_STREAM_MAX_LEN`). */
export const DEFAULT_INTENT_STREAM_MAX_LEN = 10_000;

/**
 * The intent stream of a domain, `<prefix>:intents:<domain>` (Redis Stream; entries encoded by
 * `encodeIntentFields`). The socket service appends accepted client intents (capped with `MAXLEN ~`,
 * `DEFAULT_INTENT_STREAM_MAX_LEN`); backends read it with consumer groups (`consumeIntents` of the emitter).
 */
export function intentStream(domain: IntentDomain, prefix = KEY_PREFIX): string {
  return `${prefix}:intents:${domain}`;
}

/** What a revocation names: every token of a user, or one token by its `jti`. */
export type DenyTarget = { userId: string } | { jti: string };

/**
 * A deny-list entry, `<prefix>:deny:user:<userId>` or `<prefix>:deny:jti:<jti>` (string: the `until` epoch ms).
 * Written by the emitter's `revokeUser` / `revokeToken` and the service's `POST /v1/revoke`, read at every
 * handshake; it expires by itself at `until` (PX TTL).
 */
export function denyKey(target: DenyTarget, prefix = KEY_PREFIX): string {
  return 'userId' in target ? `${prefix}:deny:user:${target.userId}` : `${prefix}:deny:jti:${target.jti}`;
}

/**
 * The owner of a recoverable Socket.IO session, `<prefix>:session-owner:<pid>` (string: a user id, '' for
 * anonymous). Written by the pod a socket disconnects from, read by the pod it reconnects to (recovery is refused
 * to another identity); TTL = the recovery window.
 */
export function sessionOwnerKey(pid: string, prefix = KEY_PREFIX): string {
  return `${prefix}:session-owner:${pid}`;
}

/**
 * Presence keys (`@gamesocket/presence`'s `RedisPresence`; written by pods, read by pods and emitters). Users are
 * spread over shards by a hash of their id; each shard's keys share one hash slot, `{pK}`, so Redis Cluster keeps
 * every per-user script atomic. The Lua scripts derive `u:` and `n:` keys from the shard prefix they are given, so
 * these suffixes are also written there.
 */
export const presenceKeys = {
  /** The key prefix of shard `shard`, `<prefix>:{p<shard>}:` (every key below but `nodes` and `reaper` starts so). */
  shard: (shard: number, prefix = KEY_PREFIX): string => `${prefix}:{p${shard}}:`,
  /** Hash socketId -> nodeId of one user's sockets; deleted with the last socket. */
  userSockets: (shardPrefix: string, userId: string): string => `${shardPrefix}u:${userId}`,
  /** Hash `username`, `status` of a user while online; deleted when they go offline. */
  userMeta: (shardPrefix: string, userId: string): string => `${shardPrefix}m:${userId}`,
  /** Set of `"<socketId> <userId>"` a node registered in the shard; emptied when the node is reaped. */
  nodeSockets: (shardPrefix: string, nodeId: string): string => `${shardPrefix}n:${nodeId}`,
  /** Counter of the shard's sockets. */
  connections: (shardPrefix: string): string => `${shardPrefix}conns`,
  /** Counter of the shard's online users. */
  online: (shardPrefix: string): string => `${shardPrefix}online`,
  /** Sorted set nodeId -> heartbeat expiry (epoch ms, Redis time): the live pods; dead ones are reaped. */
  nodes: (prefix = KEY_PREFIX): string => `${prefix}:nodes`,
  /** Lock (string, PX 30 s) held by the one pod reaping dead nodes. */
  reaper: (prefix = KEY_PREFIX): string => `${prefix}:reaper`,
} as const;
