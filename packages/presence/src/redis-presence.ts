import { randomUUID } from 'node:crypto';
import { KEY_PREFIX, presenceKeys as keys } from '@gamesocket/protocol';
import type { Cluster, Redis } from 'ioredis';
import type {
  AddResult,
  Presence,
  PresenceStats,
  RemoveResult,
  SocketEntry,
  StatusResult,
  SyncResult,
  UserPresence,
  UserRef,
} from './presence.js';
import { defineScripts, type ScriptName, type ScriptRunner } from './redis-scripts.js';

/** A standalone or cluster ioredis client. */
export type RedisClient = Redis | Cluster;

/** Options of `RedisPresence`. */
export interface RedisPresenceOptions {
  /** Key prefix. Default `gamesocket` (the protocol's `KEY_PREFIX`). */
  prefix?: string;
  /**
   * Users are spread over this many hash slots (`{p0}` … `{pN-1}`), so Redis Cluster can spread
   * presence over its shards while every per-user operation stays atomic. Default 16. Every pod
   * and emitter must use the same value.
   */
  shards?: number;
  /** Sockets reaped per script call. Default 500. */
  reapBatch?: number;
}

/** A socket moving between nodes faster than this many tries is a bug, not a race to ride out. */
const MAX_MOVE_TRIES = 3;

/** FNV-1a: a stable shard for a user id, identical in every process. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const offline = (userId: string): UserPresence => ({ userId, online: false, connections: 0, status: null });

const member = (entry: SocketEntry): string => `${entry.socketId} ${entry.userId}`;
/** The user id of a `member`. */
const userOfMember = (value: string): string => value.slice(value.indexOf(' ') + 1);

/**
 * Presence in Redis, for every cluster mode and Redis Cluster. Key layout (the protocol's `presenceKeys`; prefix
 * `gamesocket`, `{pK}` = the user's shard):
 * - `gamesocket:{pK}:u:<userId>` hash socketId -> nodeId
 * - `gamesocket:{pK}:m:<userId>` hash username, status (while online)
 * - `gamesocket:{pK}:n:<nodeId>` set of "socketId userId" registered by that node in the shard
 * - `gamesocket:{pK}:conns`, `gamesocket:{pK}:online` counters of the shard
 * - `gamesocket:nodes` sorted set nodeId -> heartbeat expiry (epoch ms)
 * - `gamesocket:reaper` lock of the one reaper at a time
 */
export class RedisPresence implements Presence {
  private readonly prefix: string;
  private readonly shards: number;
  private readonly reapBatch: number;
  private readonly run: Record<ScriptName, ScriptRunner>;

  constructor(
    private readonly redis: RedisClient,
    options: RedisPresenceOptions = {},
  ) {
    this.prefix = options.prefix ?? KEY_PREFIX;
    this.shards = options.shards ?? 16;
    this.reapBatch = options.reapBatch ?? 500;
    this.run = defineScripts(redis);
  }

  private shardPrefix(shard: number): string {
    return keys.shard(shard, this.prefix);
  }

  private userPrefix(userId: string): string {
    return this.shardPrefix(hash(userId) % this.shards);
  }

  /** A user's socket hash and meta hash in the shard of `shardPrefix`. */
  private userKeys(shardPrefix: string, userId: string): [string, string] {
    return [keys.userSockets(shardPrefix, userId), keys.userMeta(shardPrefix, userId)];
  }

  private entryKeys(entry: SocketEntry): [string, string, string, string, string] {
    const p = this.userPrefix(entry.userId);
    return [...this.userKeys(p, entry.userId), keys.nodeSockets(p, entry.nodeId), keys.connections(p), keys.online(p)];
  }

  private get nodesKey(): string {
    return keys.nodes(this.prefix);
  }

  async addSocket(entry: SocketEntry, limit = 0): Promise<AddResult> {
    const keys = this.entryKeys(entry);
    // A socket stored under another node moves here, out of that node's set. Which node that is
    // only Redis knows: the script names it, and the call is made again with that node's set as a key.
    let previous = { nodeId: entry.nodeId, sockets: keys[2] };
    for (let tries = 1; ; tries++) {
      const reply = (await this.run.gsPresenceAdd(
        ...keys,
        previous.sockets,
        entry.socketId,
        entry.nodeId,
        member(entry),
        entry.username ?? entry.userId,
        limit,
        previous.nodeId,
      )) as [0 | 1, 0 | 1, number] | [-1, string];
      if (reply[0] !== -1) {
        const [accepted, first, connections] = reply;
        return { accepted: accepted === 1, first: first === 1, connections };
      }
      if (tries === MAX_MOVE_TRIES) throw new Error(`socket ${entry.socketId} keeps moving between nodes`);
      const nodeId = reply[1];
      previous = { nodeId, sockets: this.entryKeys({ ...entry, nodeId })[2] };
    }
  }

  async removeSocket(entry: SocketEntry, options: { keepLast?: boolean } = {}): Promise<RemoveResult> {
    const [last, connections, username] = (await this.run.gsPresenceRemove(
      ...this.entryKeys(entry),
      entry.socketId,
      member(entry),
      entry.nodeId,
      options.keepLast === true ? '1' : '0',
    )) as [number, number, string?];
    return last === 1 ? { last: true, connections, username: username || entry.userId } : { last: false, connections };
  }

  async setStatus(userId: string, status: string): Promise<StatusResult> {
    const p = this.userPrefix(userId);
    const reply = await this.run.gsPresenceStatus(keys.userSockets(p, userId), keys.userMeta(p, userId), status);
    return reply === 1 ? 'changed' : reply === 2 ? 'unchanged' : 'offline';
  }

  async get(userId: string): Promise<UserPresence> {
    const [presence] = await this.getMany([userId]);
    return presence ?? offline(userId);
  }

  async getMany(userIds: readonly string[]): Promise<UserPresence[]> {
    // Grouped by shard: one script call per shard names all its users' keys (one hash slot per call).
    const byShard = new Map<string, string[]>();
    for (const userId of new Set(userIds)) {
      const p = this.userPrefix(userId);
      const ids = byShard.get(p);
      if (ids === undefined) byShard.set(p, [userId]);
      else ids.push(userId);
    }
    const found = new Map<string, UserPresence>();
    await Promise.all(
      [...byShard].map(async ([p, ids]) => {
        const callKeys = ids.flatMap((userId) => this.userKeys(p, userId));
        const flat = (await this.run.gsPresenceRead(callKeys.length, ...callKeys)) as (number | string)[];
        ids.forEach((userId, i) => {
          const connections = Number(flat[2 * i] ?? 0);
          const status = String(flat[2 * i + 1] ?? '');
          found.set(userId, connections > 0 ? { userId, online: true, connections, status } : offline(userId));
        });
      }),
    );
    return userIds.map((userId) => found.get(userId) ?? offline(userId));
  }

  async stats(): Promise<PresenceStats> {
    const shards = Array.from({ length: this.shards }, (_, shard) => this.shardPrefix(shard));
    const [conns, online, nodes] = await Promise.all([
      Promise.all(shards.map((p) => this.redis.get(keys.connections(p)))),
      Promise.all(shards.map((p) => this.redis.get(keys.online(p)))),
      this.run.gsNodesAlive(this.nodesKey) as Promise<number>,
    ]);
    const sum = (values: (string | null)[]): number => values.reduce((total, value) => total + Number(value ?? 0), 0);
    return { online: sum(online), connections: sum(conns), nodes };
  }

  async heartbeat(nodeId: string, ttlMs: number): Promise<boolean> {
    return (await this.run.gsNodeHeartbeat(this.nodesKey, nodeId, ttlMs)) === 1;
  }

  async reapDeadNodes(): Promise<UserRef[]> {
    const lock = keys.reaper(this.prefix);
    const token = randomUUID();
    // One reaper at a time; the lock expires by itself if its holder dies mid-way.
    if ((await this.redis.set(lock, token, 'PX', 30_000, 'NX')) !== 'OK') return [];
    try {
      const dead = (await this.run.gsNodesDead(this.nodesKey)) as string[];
      const gone: UserRef[] = [];
      for (const nodeId of dead) gone.push(...(await this.removeNode(nodeId)));
      return gone;
    } finally {
      await this.run.gsPresenceUnlock(lock, token);
    }
  }

  async removeNode(nodeId: string): Promise<UserRef[]> {
    const gone: UserRef[] = [];
    for (let shard = 0; shard < this.shards; shard++) {
      const p = this.shardPrefix(shard);
      const nodeSockets = keys.nodeSockets(p, nodeId);
      // The users' keys are named by the node's set: read a batch, then remove it naming them all.
      for (;;) {
        const members = await this.redis.srandmember(nodeSockets, this.reapBatch);
        if (members.length === 0) break;
        // In the set's shard, like the set itself: every key of the call is in one hash slot.
        const userKeys = members.flatMap((value) => this.userKeys(p, userOfMember(value)));
        const callKeys = [nodeSockets, keys.connections(p), keys.online(p), ...userKeys];
        const flat = (await this.run.gsPresenceReap(callKeys.length, ...callKeys, nodeId, ...members)) as string[];
        for (let i = 0; i + 1 < flat.length; i += 2) gone.push({ userId: flat[i] ?? '', username: flat[i + 1] ?? '' });
        if (members.length < this.reapBatch) break;
      }
    }
    await this.redis.zrem(this.nodesKey, nodeId);
    return gone;
  }

  async syncNode(nodeId: string, entries: readonly SocketEntry[]): Promise<SyncResult> {
    const wanted = new Map(entries.map((entry) => [entry.socketId, entry]));
    const stored = (
      await Promise.all(
        Array.from({ length: this.shards }, (_, shard) =>
          this.redis.smembers(keys.nodeSockets(this.shardPrefix(shard), nodeId)),
        ),
      )
    ).flat();
    const result: SyncResult = { online: [], offline: [] };
    for (const value of stored) {
      const space = value.indexOf(' ');
      const socketId = value.slice(0, space);
      const userId = value.slice(space + 1);
      if (wanted.has(socketId)) continue;
      const removed = await this.removeSocket({ userId, socketId, nodeId });
      if (removed.last) result.offline.push({ userId, username: removed.username ?? userId });
    }
    for (const entry of wanted.values()) {
      const { first } = await this.addSocket(entry);
      if (first) result.online.push({ userId: entry.userId, username: entry.username ?? entry.userId });
    }
    return result;
  }

  async close(): Promise<void> {}
}
