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
  /**
   * Set of the nodes with a socket that watches the user (`player:watch`): a pod publishes the user's
   * `player:online` / `player:offline` only when it is not empty. A dead node's entries go when it is reaped.
   */
  watchers: (shardPrefix: string, userId: string): string => `${shardPrefix}w:${userId}`,
  /** Set of the shard's user ids a node registered itself as a watcher of (`watchers`): what reaping it removes. */
  nodeWatches: (shardPrefix: string, nodeId: string): string => `${shardPrefix}wn:${nodeId}`,
  /** Counter of the shard's sockets. */
  connections: (shardPrefix: string): string => `${shardPrefix}conns`,
  /** Counter of the shard's online users. */
  online: (shardPrefix: string): string => `${shardPrefix}online`,
  /** Set of the room names (`room:<id>`, `match:<id>`) a user holds a membership of; deleted when empty. */
  userRooms: (shardPrefix: string, userId: string): string => `${shardPrefix}r:${userId}`,
  /** Hash userId -> username of a room's members whose user is in this shard (a room's members span every shard). */
  roomMembers: (shardPrefix: string, room: string): string => `${shardPrefix}rm:${room}`,
  /**
   * Sorted set userId -> expiry (epoch ms, Redis time) of the shard's users who hold memberships but have no socket:
   * at expiry their memberships end (`expired`); their first socket back removes them from it.
   */
  offlineMembers: (shardPrefix: string): string => `${shardPrefix}gone`,
  /**
   * Counter of a room's members, in the shard of the room's name (`shardOf(room)`): the one that takes it to 0
   * appends `room:emptied`.
   */
  roomCount: (shardPrefix: string, room: string): string => `${shardPrefix}rc:${room}`,
  /**
   * The shard's lifecycle stream (Redis Stream, fields `LIFECYCLE_FIELDS`, capped with `MAXLEN ~`): written by the
   * scripts that make each transition, read by backends with consumer groups over every shard (`consumeLifecycle`).
   */
  lifecycle: (shardPrefix: string): string => `${shardPrefix}lifecycle`,
  /** A revoked user (string: the `until` epoch ms, PX TTL), in the user's shard so the handshake script reads it. */
  denyUser: (shardPrefix: string, userId: string): string => `${shardPrefix}deny:user:${userId}`,
  /** A revoked token id (string, PX TTL); written to every shard, since a `jti` does not name its user. */
  denyToken: (shardPrefix: string, jti: string): string => `${shardPrefix}deny:jti:${jti}`,
  /** Sorted set nodeId -> heartbeat expiry (epoch ms, Redis time): the live pods; dead ones are reaped. */
  nodes: (prefix = KEY_PREFIX): string => `${prefix}:nodes`,
  /**
   * Hash nodeId -> the JSON report of its last heartbeat (connections, event rates, drain state), read by the admin
   * view; the hash tag is the `nodes` key's own name, so both are in one hash slot and one script writes both.
   */
  nodeReports: (prefix = KEY_PREFIX): string => `{${prefix}:nodes}:reports`,
  /** Lock (string, PX 30 s) held by the one pod reaping dead nodes. */
  reaper: (prefix = KEY_PREFIX): string => `${prefix}:reaper`,
} as const;

/** Default number of presence shards (`{p0}` … `{p15}`); every pod and emitter of a deployment must use the same. */
export const DEFAULT_PRESENCE_SHARDS = 16;

/** The shard of an id (a user id, or a room name for `roomCount`): FNV-1a, identical in every process. */
export function shardOf(id: string, shards = DEFAULT_PRESENCE_SHARDS): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shards;
}
