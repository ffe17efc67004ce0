import { randomUUID } from 'node:crypto';
import { presenceKeys as keys } from '@gamesocket/protocol';
import type { Cluster, Redis } from 'ioredis';
import { byCodeUnit, page } from './listing.js';
import type {
  AddResult,
  DenyCheck,
  NodeReport,
  NodeStatus,
  OnlineUser,
  OnlineUsers,
  OnlineUsersQuery,
  Presence,
  PresenceStats,
  RemoveResult,
  SocketEntry,
  SocketLocation,
  StatusResult,
  SyncResult,
  UserPresence,
  UserRef,
} from './presence.js';
import { defineScripts, type ScriptName, type ScriptRunner } from './redis-scripts.js';
import { ShardLayout, type RedisStoreOptions } from './shard-layout.js';

/** A standalone or cluster ioredis client. */
export type RedisClient = Redis | Cluster;

/** Options of `RedisPresence`. */
export interface RedisPresenceOptions extends RedisStoreOptions {
  /** Sockets reaped, or users read or watched, per script call. Default 500. */
  reapBatch?: number;
}

/** A socket moving between nodes faster than this many tries is a bug, not a race to ride out. */
const MAX_MOVE_TRIES = 3;

const offline = (userId: string): UserPresence => ({ userId, online: false, connections: 0, status: null });

const member = (entry: SocketEntry): string => `${entry.socketId} ${entry.userId}`;
/** The user id of a `member`. */
const userOfMember = (value: string): string => value.slice(value.indexOf(' ') + 1);
/** A key of the shard that no script writes: the token deny key of a handshake without a `jti`. */
const NO_TOKEN = '\u0000';

/**
 * Presence in Redis, for every cluster mode and Redis Cluster. Key layout (the protocol's `presenceKeys`; prefix
 * `gamesocket`, `{pK}` = the user's shard):
 * - `gamesocket:{pK}:u:<userId>` hash socketId -> nodeId
 * - `gamesocket:{pK}:m:<userId>` hash username, status (while online)
 * - `gamesocket:{pK}:n:<nodeId>` set of "socketId userId" registered by that node in the shard
 * - `gamesocket:{pK}:w:<userId>` set of the nodes watching the user; `gamesocket:{pK}:wn:<nodeId>` the shard's
 *   users the node watches (what reaping it removes)
 * - `gamesocket:{pK}:conns`, `gamesocket:{pK}:online` counters of the shard
 * - `gamesocket:{pK}:r:<userId>`, `gamesocket:{pK}:gone`, `gamesocket:{pK}:deny:*`, `gamesocket:{pK}:lifecycle`:
 *   the user's memberships, their grace, the deny-list and the lifecycle feed, read or written in the same scripts
 * - `gamesocket:nodes` sorted set nodeId -> heartbeat expiry (epoch ms)
 * - `{gamesocket:nodes}:reports` hash nodeId -> the JSON report of its last heartbeat (the `nodes` key's slot)
 * - `gamesocket:reaper` lock of the one reaper at a time
 */
export class RedisPresence implements Presence {
  private readonly layout: ShardLayout;
  private readonly reapBatch: number;
  private readonly run: Record<ScriptName, ScriptRunner>;

  constructor(
    private readonly redis: RedisClient,
    options: RedisPresenceOptions = {},
  ) {
    this.layout = new ShardLayout(options);
    this.reapBatch = options.reapBatch ?? 500;
    this.run = defineScripts(redis);
  }

  /** A user's socket hash and meta hash in the shard of `shardPrefix`. */
  private userKeys(shardPrefix: string, userId: string): [string, string] {
    return [keys.userSockets(shardPrefix, userId), keys.userMeta(shardPrefix, userId)];
  }

  private entryKeys(entry: SocketEntry): [string, string, string, string, string] {
    const p = this.layout.of(entry.userId);
    return [...this.userKeys(p, entry.userId), keys.nodeSockets(p, entry.nodeId), keys.connections(p), keys.online(p)];
  }

  private get nodesKey(): string {
    return keys.nodes(this.layout.prefix);
  }

  async addSocket(entry: SocketEntry, limit = 0, denyCheck?: DenyCheck): Promise<AddResult> {
    const p = this.layout.of(entry.userId);
    const base = this.entryKeys(entry);
    const tail = [
      keys.denyUser(p, entry.userId),
      keys.denyToken(p, denyCheck?.jti ?? NO_TOKEN),
      keys.userRooms(p, entry.userId),
      keys.offlineMembers(p),
      keys.lifecycle(p),
      keys.watchers(p, entry.userId),
    ];
    // A socket stored under another node moves here, out of that node's set. Which node that is
    // only Redis knows: the script names it, and the call is made again with that node's set as a key.
    let previous = { nodeId: entry.nodeId, sockets: base[2] };
    for (let tries = 1; ; tries++) {
      const reply = (await this.run.gsPresenceAdd(
        ...base,
        previous.sockets,
        ...tail,
        entry.socketId,
        entry.nodeId,
        member(entry),
        entry.username ?? entry.userId,
        limit,
        previous.nodeId,
        denyCheck === undefined ? '0' : '1',
        this.layout.lifecycleMaxLen,
        entry.userId,
      )) as [0 | 1 | 2, 0 | 1, number, 0 | 1, ...string[]] | [-1, string];
      if (reply[0] !== -1) {
        const [status, first, connections, watched, ...rooms] = reply;
        return {
          accepted: status === 1,
          denied: status === 2,
          first: first === 1,
          connections,
          watched: watched === 1,
          rooms,
        };
      }
      if (tries === MAX_MOVE_TRIES) throw new Error(`socket ${entry.socketId} keeps moving between nodes`);
      const nodeId = reply[1];
      previous = { nodeId, sockets: this.entryKeys({ ...entry, nodeId })[2] };
    }
  }

  async removeSocket(entry: SocketEntry, options: { keepLast?: boolean } = {}): Promise<RemoveResult> {
    const p = this.layout.of(entry.userId);
    const [last, connections, username, watched] = (await this.run.gsPresenceRemove(
      ...this.entryKeys(entry),
      keys.userRooms(p, entry.userId),
      keys.offlineMembers(p),
      keys.lifecycle(p),
      keys.watchers(p, entry.userId),
      entry.socketId,
      member(entry),
      entry.nodeId,
      options.keepLast === true ? '1' : '0',
      entry.userId,
      this.layout.graceMs,
      this.layout.lifecycleMaxLen,
    )) as [number, number, string?, number?];
    return last === 1
      ? { last: true, connections, username: username || entry.userId, watched: watched === 1 }
      : { last: false, connections };
  }

  async setStatus(userId: string, status: string): Promise<StatusResult> {
    const p = this.layout.of(userId);
    const reply = await this.run.gsPresenceStatus(keys.userSockets(p, userId), keys.userMeta(p, userId), status);
    return reply === 1 ? 'changed' : reply === 2 ? 'unchanged' : 'offline';
  }

  async get(userId: string): Promise<UserPresence> {
    const [presence] = await this.getMany([userId]);
    return presence ?? offline(userId);
  }

  getMany(userIds: readonly string[]): Promise<UserPresence[]> {
    return this.readByShard(userIds, (p, ids) => {
      const callKeys = ids.flatMap((userId) => this.userKeys(p, userId));
      return this.run.gsPresenceRead(callKeys.length, ...callKeys);
    });
  }

  watch(nodeId: string, userIds: readonly string[]): Promise<UserPresence[]> {
    return this.readByShard(userIds, (p, ids) => this.watchInShard(p, nodeId, ids));
  }

  /** Registers `nodeId` as a watcher of `ids`, all in shard `p`; replies connections, status per user. */
  private watchInShard(p: string, nodeId: string, ids: readonly string[]): Promise<unknown> {
    const callKeys = [
      keys.nodeWatches(p, nodeId),
      ...ids.flatMap((userId) => [...this.userKeys(p, userId), keys.watchers(p, userId)]),
    ];
    return this.run.gsWatch(callKeys.length, ...callKeys, nodeId, ...ids);
  }

  async unwatch(nodeId: string, userIds: readonly string[]): Promise<void> {
    await Promise.all([...this.byShard(userIds)].map(([p, ids]) => this.unwatchInShard(p, nodeId, ids)));
  }

  async syncWatches(nodeId: string, userIds: readonly string[]): Promise<void> {
    const wanted = new Set(userIds);
    const stale = await Promise.all(
      this.layout
        .all()
        .map(async (p) => (await this.redis.smembers(keys.nodeWatches(p, nodeId))).filter((id) => !wanted.has(id))),
    );
    await this.unwatch(nodeId, stale.flat());
    await Promise.all(this.byShard([...wanted]).map(([p, ids]) => this.watchInShard(p, nodeId, ids)));
  }

  private unwatchInShard(p: string, nodeId: string, ids: readonly string[]): Promise<unknown> {
    const callKeys = [keys.nodeWatches(p, nodeId), ...ids.map((userId) => keys.watchers(p, userId))];
    return this.run.gsUnwatch(callKeys.length, ...callKeys, nodeId, ...ids);
  }

  /** Distinct `userIds` by shard, in batches of at most `reapBatch` (one script call each, one hash slot). */
  private byShard(userIds: readonly string[]): [string, string[]][] {
    const shards = new Map<string, string[]>();
    for (const userId of new Set(userIds)) {
      const p = this.layout.of(userId);
      const ids = shards.get(p);
      if (ids === undefined) shards.set(p, [userId]);
      else ids.push(userId);
    }
    return [...shards].flatMap(([p, ids]) =>
      Array.from({ length: Math.ceil(ids.length / this.reapBatch) }, (_, i): [string, string[]] => [
        p,
        ids.slice(i * this.reapBatch, (i + 1) * this.reapBatch),
      ]),
    );
  }

  /** Reads presence with one script call per batch of `byShard`; `call` replies connections, status per user. */
  private async readByShard(
    userIds: readonly string[],
    call: (p: string, ids: string[]) => Promise<unknown>,
  ): Promise<UserPresence[]> {
    const found = new Map<string, UserPresence>();
    await Promise.all(
      this.byShard(userIds).map(async ([p, ids]) => {
        const flat = (await call(p, ids)) as (number | string)[];
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
    const shards = this.layout.all();
    const [conns, online, nodes] = await Promise.all([
      Promise.all(shards.map((p) => this.redis.get(keys.connections(p)))),
      Promise.all(shards.map((p) => this.redis.get(keys.online(p)))),
      this.run.gsNodesAlive(this.nodesKey) as Promise<number>,
    ]);
    const sum = (values: (string | null)[]): number => values.reduce((total, value) => total + Number(value ?? 0), 0);
    return { online: sum(online), connections: sum(conns), nodes };
  }

  private get reportsKey(): string {
    return keys.nodeReports(this.layout.prefix);
  }

  async heartbeat(nodeId: string, ttlMs: number, report?: NodeReport): Promise<boolean> {
    const json = report === undefined ? '' : JSON.stringify(report);
    return (await this.run.gsNodeHeartbeat(this.nodesKey, this.reportsKey, nodeId, ttlMs, json)) === 1;
  }

  async nodes(): Promise<NodeStatus[]> {
    const [now, ...flat] = (await this.run.gsNodesList(this.nodesKey, this.reportsKey)) as [number, ...string[]];
    const nodes: NodeStatus[] = [];
    for (let i = 0; i + 2 < flat.length; i += 3) {
      const expiresAt = Number(flat[i + 1]);
      const report = flat[i + 2] ?? '';
      nodes.push({
        nodeId: flat[i] ?? '',
        alive: expiresAt > now,
        expiresAt,
        report: report === '' ? undefined : (JSON.parse(report) as NodeReport),
      });
    }
    return nodes.sort((a, b) => byCodeUnit(a.nodeId, b.nodeId));
  }

  async userSockets(userId: string): Promise<SocketLocation[]> {
    const sockets = await this.redis.hgetall(keys.userSockets(this.layout.of(userId), userId));
    return Object.entries(sockets)
      .map(([socketId, nodeId]) => ({ socketId, nodeId }))
      .sort((a, b) => byCodeUnit(a.socketId, b.socketId));
  }

  async onlineUsers(query: OnlineUsersQuery): Promise<OnlineUsers> {
    // Who is online is known from the nodes' socket sets (every node, every shard): no SCAN of the keyspace.
    const nodeIds = (await this.redis.zrange(this.nodesKey, 0, -1)) as string[];
    const userIds = new Set<string>();
    await Promise.all(
      this.layout.all().flatMap((p) =>
        nodeIds.map(async (nodeId) => {
          const set = keys.nodeSockets(p, nodeId);
          let cursor = '0';
          do {
            const [next, members] = await this.redis.sscan(set, cursor, 'COUNT', 1000);
            for (const value of members) userIds.add(userOfMember(value));
            cursor = next;
          } while (cursor !== '0');
        }),
      ),
    );
    const { ids, matched } = page(userIds, query);
    const users = await Promise.all(
      ids.map(async (userId): Promise<OnlineUser | undefined> => {
        const p = this.layout.of(userId);
        const [sockets, [username, status]] = await Promise.all([
          this.userSockets(userId),
          this.redis.hmget(keys.userMeta(p, userId), 'username', 'status'),
        ]);
        // Gone since the sets were read.
        if (sockets.length === 0) return undefined;
        return { userId, username: username ?? userId, status: status ?? 'online', sockets };
      }),
    );
    return { users: users.filter((user): user is OnlineUser => user !== undefined), matched };
  }

  async reapDeadNodes(): Promise<UserRef[]> {
    const lock = keys.reaper(this.layout.prefix);
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
    for (const p of this.layout.all()) {
      const nodeSockets = keys.nodeSockets(p, nodeId);
      // The users' keys are named by the node's set: read a batch, then remove it naming them all.
      for (;;) {
        const members = await this.redis.srandmember(nodeSockets, this.reapBatch);
        if (members.length === 0) break;
        // In the set's shard, like the set itself: every key of the call is in one hash slot.
        const userKeys = members.flatMap((value) => {
          const userId = userOfMember(value);
          return [...this.userKeys(p, userId), keys.userRooms(p, userId)];
        });
        const callKeys = [
          nodeSockets,
          keys.connections(p),
          keys.online(p),
          keys.offlineMembers(p),
          keys.lifecycle(p),
          ...userKeys,
        ];
        const flat = (await this.run.gsPresenceReap(
          callKeys.length,
          ...callKeys,
          nodeId,
          this.layout.graceMs,
          this.layout.lifecycleMaxLen,
          ...members,
        )) as string[];
        for (let i = 0; i + 1 < flat.length; i += 2) gone.push({ userId: flat[i] ?? '', username: flat[i + 1] ?? '' });
        if (members.length < this.reapBatch) break;
      }
      const nodeWatches = keys.nodeWatches(p, nodeId);
      for (;;) {
        const ids = await this.redis.srandmember(nodeWatches, this.reapBatch);
        if (ids.length === 0) break;
        await this.unwatchInShard(p, nodeId, ids);
        if (ids.length < this.reapBatch) break;
      }
    }
    await this.redis.zrem(this.nodesKey, nodeId);
    await this.redis.hdel(this.reportsKey, nodeId);
    return gone;
  }

  async syncNode(nodeId: string, entries: readonly SocketEntry[]): Promise<SyncResult> {
    const wanted = new Map(entries.map((entry) => [entry.socketId, entry]));
    const stored = (
      await Promise.all(this.layout.all().map((p) => this.redis.smembers(keys.nodeSockets(p, nodeId))))
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
