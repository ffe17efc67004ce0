import { presenceKeys as keys, type MembershipEndReason, type RoomName, type UserId } from '@gamesocket/protocol';
import type { Cluster } from 'ioredis';
import { page } from './listing.js';
import type { EndedMembership, Grant, Memberships, RoomListing, RoomMember, RoomsQuery } from './memberships.js';
import type { UserRef } from './presence.js';
import type { RedisClient } from './redis-presence.js';
import { defineScripts, type ScriptName, type ScriptRunner } from './redis-scripts.js';
import { ShardLayout, type RedisStoreOptions } from './shard-layout.js';

/** Options of `RedisMemberships`. */
export interface RedisMembershipsOptions extends RedisStoreOptions {
  /** Users whose grace ended, expired per script call. Default 200. */
  expireBatch?: number;
}

/** `text` as a literal in a SCAN MATCH pattern. */
const globLiteral = (text: string): string => text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);

const byUserId = (a: RoomMember, b: RoomMember): number => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0);

/**
 * Memberships in Redis (standalone and Cluster), in the user's shard beside their presence, so the
 * handshake script reads them with the registration. Keys (the protocol's `presenceKeys`):
 * - `gamesocket:{pK}:r:<userId>` set of the user's rooms
 * - `gamesocket:{pK}:rm:<room>` hash userId -> username of the room's members in shard K (a room's
 *   members are read from every shard)
 * - `gamesocket:{pK}:gone` sorted set of the shard's users in their grace
 * - `gamesocket:{pR}:rc:<room>` the room's member count, in the room name's shard: `room:emptied`
 * Each transition's lifecycle entry is appended by the script that makes it. The room counter is a
 * second step: a process that dies between the two leaves it one off, which only affects
 * `room:emptied` of that room.
 */
export class RedisMemberships implements Memberships {
  private readonly layout: ShardLayout;
  private readonly expireBatch: number;
  private readonly run: Record<ScriptName, ScriptRunner>;

  constructor(
    private readonly redis: RedisClient,
    options: RedisMembershipsOptions = {},
  ) {
    this.layout = new ShardLayout(options);
    this.expireBatch = options.expireBatch ?? 200;
    this.run = defineScripts(redis);
  }

  private async count(room: RoomName, delta: number, nodeId: string): Promise<void> {
    if (delta === 0) return;
    const p = this.layout.of(room);
    await this.run.gsRoomCount(
      keys.roomCount(p, room),
      keys.lifecycle(p),
      delta,
      room,
      nodeId,
      this.layout.lifecycleMaxLen,
    );
  }

  async grant(user: { userId: UserId; username?: string }, room: RoomName, nodeId: string): Promise<Grant> {
    const p = this.layout.of(user.userId);
    const [granted, username] = (await this.run.gsMemberGrant(
      keys.userRooms(p, user.userId),
      keys.roomMembers(p, room),
      keys.userSockets(p, user.userId),
      keys.userMeta(p, user.userId),
      keys.offlineMembers(p),
      keys.lifecycle(p),
      user.userId,
      user.username ?? '',
      room,
      nodeId,
      this.layout.graceMs,
      this.layout.lifecycleMaxLen,
    )) as [0 | 1, string];
    if (granted === 1) await this.count(room, 1, nodeId);
    return { granted: granted === 1, username };
  }

  async end(
    userId: UserId,
    rooms: readonly RoomName[],
    reason: MembershipEndReason,
    nodeId: string,
  ): Promise<RoomName[]> {
    if (rooms.length === 0) return [];
    const p = this.layout.of(userId);
    const unique = [...new Set(rooms)];
    const callKeys = [
      keys.userRooms(p, userId),
      keys.offlineMembers(p),
      keys.lifecycle(p),
      ...unique.map((room) => keys.roomMembers(p, room)),
    ];
    const ended = (await this.run.gsMemberEnd(
      callKeys.length,
      ...callKeys,
      userId,
      reason,
      nodeId,
      this.layout.lifecycleMaxLen,
      ...unique,
    )) as RoomName[];
    await Promise.all(ended.map((room) => this.count(room, -1, nodeId)));
    return ended;
  }

  async endAll(userId: UserId, reason: MembershipEndReason, nodeId: string): Promise<RoomName[]> {
    const ended: RoomName[] = [];
    // A room granted between the read and the end is caught by the next round.
    for (let round = 0; round < 3; round++) {
      const rooms = await this.roomsOf(userId);
      if (rooms.length === 0) break;
      ended.push(...(await this.end(userId, rooms, reason, nodeId)));
    }
    return ended;
  }

  async closeRoom(room: RoomName, nodeId: string): Promise<UserId[]> {
    const closed = await Promise.all(
      this.layout.all().map(async (p) => {
        const users = await this.redis.hkeys(keys.roomMembers(p, room));
        if (users.length === 0) return [];
        const callKeys = [
          keys.roomMembers(p, room),
          keys.offlineMembers(p),
          keys.lifecycle(p),
          ...users.map((userId) => keys.userRooms(p, userId)),
        ];
        return (await this.run.gsRoomClose(
          callKeys.length,
          ...callKeys,
          room,
          'closed',
          nodeId,
          this.layout.lifecycleMaxLen,
          ...users,
        )) as UserId[];
      }),
    );
    const users = closed.flat().sort();
    await this.count(room, -users.length, nodeId);
    return users;
  }

  async roomsOf(userId: UserId): Promise<RoomName[]> {
    return this.redis.smembers(keys.userRooms(this.layout.of(userId), userId));
  }

  async rooms(query: RoomsQuery): Promise<RoomListing> {
    // A room's member hashes are spread over the users' shards: find them with a SCAN of every master.
    const found = new Map<RoomName, string[]>();
    const shardPrefixes = new Set(this.layout.all());
    const marker = ':rm:';
    const pattern = `${globLiteral(`${this.layout.prefix}:`)}{p*}${marker}*`;
    for (const node of await this.masters()) {
      let cursor = '0';
      do {
        const [next, names] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        for (const key of names) {
          const at = key.indexOf(marker, this.layout.prefix.length);
          if (at < 0 || !shardPrefixes.has(key.slice(0, at + 1))) continue;
          const room = key.slice(at + marker.length);
          found.set(room, [...(found.get(room) ?? []), key]);
        }
        cursor = next;
      } while (cursor !== '0');
    }
    const { ids, matched } = page(found.keys(), query);
    const rooms = await Promise.all(
      ids.map(async (room) => {
        const sizes = await Promise.all((found.get(room) ?? []).map((key) => this.redis.hlen(key)));
        return { room, members: sizes.reduce((total, size) => total + size, 0) };
      }),
    );
    return { rooms: rooms.filter((summary) => summary.members > 0), matched };
  }

  /** The clients to SCAN: each master of a Cluster, else the one server. */
  private async masters(): Promise<RedisClient[]> {
    if (!this.redis.isCluster) return [this.redis];
    const cluster = this.redis as Cluster;
    // A Cluster client learns its masters on its first command.
    if (cluster.nodes('master').length === 0) await cluster.exists(keys.nodes(this.layout.prefix));
    return cluster.nodes('master');
  }

  async members(room: RoomName): Promise<RoomMember[]> {
    const shards = await Promise.all(
      this.layout.all().map(async (p) => {
        const names = Object.entries(await this.redis.hgetall(keys.roomMembers(p, room)));
        const counts = await Promise.all(names.map(([userId]) => this.redis.hlen(keys.userSockets(p, userId))));
        return names.map(([userId, username], i): RoomMember => {
          const connections = counts[i] ?? 0;
          return { userId, username, online: connections > 0, connections };
        });
      }),
    );
    return shards.flat().sort(byUserId);
  }

  async expire(nodeId: string): Promise<EndedMembership[]> {
    const perShard = await Promise.all(this.layout.all().map((p) => this.expireShard(p, nodeId)));
    const ended = perShard.flat();
    const emptied = new Map<RoomName, number>();
    for (const { room } of ended) emptied.set(room, (emptied.get(room) ?? 0) - 1);
    await Promise.all([...emptied].map(([room, delta]) => this.count(room, delta, nodeId)));
    return ended;
  }

  private async expireShard(p: string, nodeId: string): Promise<EndedMembership[]> {
    const due = (await this.run.gsMembersDue(keys.offlineMembers(p), this.expireBatch)) as UserId[];
    if (due.length === 0) return [];
    const rooms = await Promise.all(due.map((userId) => this.redis.smembers(keys.userRooms(p, userId))));
    const callKeys = [keys.offlineMembers(p), keys.lifecycle(p)];
    const args: (string | number)[] = [];
    due.forEach((userId, i) => {
      const held = rooms[i] ?? [];
      callKeys.push(
        keys.userSockets(p, userId),
        keys.userRooms(p, userId),
        ...held.map((room) => keys.roomMembers(p, room)),
      );
      args.push(userId, held.length, ...held);
    });
    const flat = (await this.run.gsMemberExpire(
      callKeys.length,
      ...callKeys,
      nodeId,
      this.layout.lifecycleMaxLen,
      ...args,
    )) as string[];
    const ended: EndedMembership[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) ended.push({ userId: flat[i] ?? '', room: flat[i + 1] ?? '' });
    return ended;
  }

  async restore(users: readonly (UserRef & { rooms: readonly RoomName[] })[]): Promise<number> {
    let restored = 0;
    for (const user of users) {
      const p = this.layout.of(user.userId);
      const missing = (
        await Promise.all(
          user.rooms.map(async (room) =>
            (await this.redis.sismember(keys.userRooms(p, user.userId), room)) === 1 ? undefined : room,
          ),
        )
      ).filter((room): room is RoomName => room !== undefined);
      for (const room of missing) {
        // Quietly: the store lost them, the users never did. One transaction per membership, in one slot.
        await this.redis
          .multi()
          .sadd(keys.userRooms(p, user.userId), room)
          .hset(keys.roomMembers(p, room), user.userId, user.username)
          .exec();
        await this.redis.incr(keys.roomCount(this.layout.of(room), room));
        restored++;
      }
    }
    return restored;
  }
}
