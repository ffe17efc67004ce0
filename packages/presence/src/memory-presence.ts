import type { MemoryDenyList } from './deny-list.js';
import type { MemoryLifecycle } from './memory-lifecycle.js';
import type { MemoryMemberships } from './memory-memberships.js';
import { byCodeUnit, page } from './listing.js';
import type {
  AddResult,
  DenyCheck,
  NodeReport,
  NodeStatus,
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

interface UserState {
  /** socketId -> nodeId */
  sockets: Map<string, string>;
  username: string;
  status: string;
}

/** Options of `MemoryPresence`: the node's other state, which a handshake reads with presence. */
export interface MemoryPresenceOptions {
  /** The clock (tests move it). Default `Date.now`. */
  now?: () => number;
  /** Read by `addSocket` with a `denyCheck`. */
  denyList?: MemoryDenyList;
  /** Read by `addSocket` (the user's rooms); told when a user comes and goes (the grace). */
  memberships?: MemoryMemberships;
  /** Gets `player:online` / `player:offline`. */
  lifecycle?: MemoryLifecycle;
}

/**
 * Presence in this process: the default of a single node (`memory` mode). Same semantics as the
 * Redis implementation, node liveness included, so one contract suite covers both.
 */
export class MemoryPresence implements Presence {
  private readonly users = new Map<string, UserState>();
  /** nodeId -> sockets registered by that node */
  private readonly byNode = new Map<string, Map<string, SocketEntry>>();
  /** nodeId -> heartbeat expiry (epoch ms) */
  private readonly heartbeats = new Map<string, number>();
  /** nodeId -> its last heartbeat's report */
  private readonly reports = new Map<string, NodeReport>();
  /** userId -> the nodes watching the user */
  private readonly watchers = new Map<string, Set<string>>();
  /** nodeId -> the users the node watches */
  private readonly watchesOf = new Map<string, Set<string>>();
  private connections = 0;

  private readonly now: () => number;

  constructor(private readonly options: MemoryPresenceOptions = {}) {
    this.now = options.now ?? Date.now;
    options.memberships?.attachPresence({
      connections: (userId) => this.users.get(userId)?.sockets.size ?? 0,
      username: (userId) => this.users.get(userId)?.username,
    });
  }

  async addSocket(entry: SocketEntry, limit = 0, denyCheck?: DenyCheck): Promise<AddResult> {
    if (denyCheck !== undefined && (await this.options.denyList?.isDenied(entry.userId, denyCheck.jti)) === true) {
      return {
        accepted: false,
        denied: true,
        first: false,
        connections: this.users.get(entry.userId)?.sockets.size ?? 0,
        watched: false,
        rooms: [],
      };
    }
    return this.add(entry, limit);
  }

  private add(entry: SocketEntry, limit: number): AddResult {
    const user = this.users.get(entry.userId);
    const current = user?.sockets.get(entry.socketId);
    const rooms = (): string[] => this.options.memberships?.roomsNow(entry.userId) ?? [];
    if (user !== undefined && current !== undefined) {
      if (current !== entry.nodeId) {
        // Recovered on another node: the socket moves there.
        user.sockets.set(entry.socketId, entry.nodeId);
        this.byNode.get(current)?.delete(entry.socketId);
        this.nodeSockets(entry.nodeId).set(entry.socketId, entry);
      }
      return {
        accepted: true,
        denied: false,
        first: false,
        connections: user.sockets.size,
        watched: false,
        rooms: rooms(),
      };
    }
    if (limit > 0 && user !== undefined && user.sockets.size >= limit) {
      return {
        accepted: false,
        denied: false,
        first: false,
        connections: user.sockets.size,
        watched: false,
        rooms: [],
      };
    }
    const state = user ?? { sockets: new Map(), username: entry.username ?? entry.userId, status: 'online' };
    state.sockets.set(entry.socketId, entry.nodeId);
    this.users.set(entry.userId, state);
    this.nodeSockets(entry.nodeId).set(entry.socketId, entry);
    this.connections++;
    if (user === undefined) {
      this.options.memberships?.userOnline(entry.userId);
      this.options.lifecycle?.append({
        event: 'player:online',
        data: { userId: entry.userId, username: state.username },
        nodeId: entry.nodeId,
        ts: this.now(),
      });
    }
    return {
      accepted: true,
      denied: false,
      first: user === undefined,
      connections: state.sockets.size,
      watched: user === undefined && this.isWatched(entry.userId),
      rooms: rooms(),
    };
  }

  private nodeSockets(nodeId: string): Map<string, SocketEntry> {
    let node = this.byNode.get(nodeId);
    if (node === undefined) this.byNode.set(nodeId, (node = new Map()));
    return node;
  }

  async removeSocket(entry: SocketEntry, options: { keepLast?: boolean } = {}): Promise<RemoveResult> {
    const { result, username } = this.remove(entry, options.keepLast === true);
    return result.last ? { ...result, username, watched: this.isWatched(entry.userId) } : result;
  }

  private remove(entry: SocketEntry, keepLast = false): { result: RemoveResult; username: string } {
    const user = this.users.get(entry.userId);
    // Only the node that holds the socket removes it (it may have been recovered elsewhere).
    if (user === undefined || user.sockets.get(entry.socketId) !== entry.nodeId) {
      this.byNode.get(entry.nodeId)?.delete(entry.socketId);
      return { result: { last: false, connections: user?.sockets.size ?? 0 }, username: '' };
    }
    if (keepLast && user.sockets.size === 1) return { result: { last: false, connections: 1 }, username: '' };
    this.byNode.get(entry.nodeId)?.delete(entry.socketId);
    user.sockets.delete(entry.socketId);
    this.connections--;
    const last = user.sockets.size === 0;
    if (last) {
      this.users.delete(entry.userId);
      this.options.memberships?.userOffline(entry.userId);
      this.options.lifecycle?.append({
        event: 'player:offline',
        data: { userId: entry.userId, username: user.username },
        nodeId: entry.nodeId,
        ts: this.now(),
      });
    }
    return { result: { last, connections: user.sockets.size }, username: user.username };
  }

  async setStatus(userId: string, status: string): Promise<StatusResult> {
    const user = this.users.get(userId);
    if (user === undefined) return 'offline';
    if (user.status === status) return 'unchanged';
    user.status = status;
    return 'changed';
  }

  async get(userId: string): Promise<UserPresence> {
    return this.read(userId);
  }

  private read(userId: string): UserPresence {
    const user = this.users.get(userId);
    return user === undefined
      ? { userId, online: false, connections: 0, status: null }
      : { userId, online: true, connections: user.sockets.size, status: user.status };
  }

  async getMany(userIds: readonly string[]): Promise<UserPresence[]> {
    return userIds.map((userId) => this.read(userId));
  }

  async watch(nodeId: string, userIds: readonly string[]): Promise<UserPresence[]> {
    let watches = this.watchesOf.get(nodeId);
    if (watches === undefined) this.watchesOf.set(nodeId, (watches = new Set()));
    for (const userId of userIds) {
      let nodes = this.watchers.get(userId);
      if (nodes === undefined) this.watchers.set(userId, (nodes = new Set()));
      nodes.add(nodeId);
      watches.add(userId);
    }
    return userIds.map((userId) => this.read(userId));
  }

  async unwatch(nodeId: string, userIds: readonly string[]): Promise<void> {
    const watches = this.watchesOf.get(nodeId);
    for (const userId of userIds) {
      const nodes = this.watchers.get(userId);
      nodes?.delete(nodeId);
      if (nodes?.size === 0) this.watchers.delete(userId);
      watches?.delete(userId);
    }
    if (watches?.size === 0) this.watchesOf.delete(nodeId);
  }

  async syncWatches(nodeId: string, userIds: readonly string[]): Promise<void> {
    const wanted = new Set(userIds);
    await this.unwatch(
      nodeId,
      [...(this.watchesOf.get(nodeId) ?? [])].filter((userId) => !wanted.has(userId)),
    );
    await this.watch(nodeId, [...wanted]);
  }

  private isWatched(userId: string): boolean {
    return (this.watchers.get(userId)?.size ?? 0) > 0;
  }

  async stats(): Promise<PresenceStats> {
    const now = this.now();
    const nodes = [...this.heartbeats.values()].filter((expiry) => expiry > now).length;
    return { online: this.users.size, connections: this.connections, nodes };
  }

  async heartbeat(nodeId: string, ttlMs: number, report?: NodeReport): Promise<boolean> {
    const known = this.heartbeats.has(nodeId);
    this.heartbeats.set(nodeId, this.now() + ttlMs);
    if (report !== undefined) this.reports.set(nodeId, { ...report });
    return !known;
  }

  async nodes(): Promise<NodeStatus[]> {
    const now = this.now();
    return [...this.heartbeats]
      .sort(([a], [b]) => byCodeUnit(a, b))
      .map(([nodeId, expiresAt]) => ({ nodeId, alive: expiresAt > now, expiresAt, report: this.reports.get(nodeId) }));
  }

  async userSockets(userId: string): Promise<SocketLocation[]> {
    return [...(this.users.get(userId)?.sockets ?? [])]
      .map(([socketId, nodeId]) => ({ socketId, nodeId }))
      .sort((a, b) => byCodeUnit(a.socketId, b.socketId));
  }

  async onlineUsers(query: OnlineUsersQuery): Promise<OnlineUsers> {
    // As in Redis, where the registered nodes' socket sets are what is read.
    const userIds = new Set<string>();
    for (const nodeId of this.heartbeats.keys()) {
      for (const entry of this.byNode.get(nodeId)?.values() ?? []) userIds.add(entry.userId);
    }
    const { ids, matched } = page(userIds, query);
    const users = await Promise.all(
      ids.map(async (userId) => {
        const user = this.users.get(userId) as UserState;
        return { userId, username: user.username, status: user.status, sockets: await this.userSockets(userId) };
      }),
    );
    return { users, matched };
  }

  async reapDeadNodes(): Promise<UserRef[]> {
    const now = this.now();
    const gone: UserRef[] = [];
    for (const [nodeId, expiry] of this.heartbeats) {
      if (expiry <= now) gone.push(...(await this.removeNode(nodeId)));
    }
    return gone;
  }

  async removeNode(nodeId: string): Promise<UserRef[]> {
    const gone: UserRef[] = [];
    for (const entry of [...(this.byNode.get(nodeId)?.values() ?? [])]) {
      const { result, username } = this.remove(entry);
      if (result.last) gone.push({ userId: entry.userId, username });
    }
    await this.unwatch(nodeId, [...(this.watchesOf.get(nodeId) ?? [])]);
    this.byNode.delete(nodeId);
    this.heartbeats.delete(nodeId);
    this.reports.delete(nodeId);
    return gone;
  }

  async syncNode(nodeId: string, entries: readonly SocketEntry[]): Promise<SyncResult> {
    const wanted = new Map(entries.map((entry) => [entry.socketId, entry]));
    const result: SyncResult = { online: [], offline: [] };
    for (const stored of [...(this.byNode.get(nodeId)?.values() ?? [])]) {
      if (wanted.has(stored.socketId)) continue;
      const { result: removed, username } = this.remove(stored);
      if (removed.last) result.offline.push({ userId: stored.userId, username });
    }
    for (const entry of wanted.values()) {
      const added = this.add(entry, 0);
      if (added.first) result.online.push({ userId: entry.userId, username: entry.username ?? entry.userId });
    }
    return result;
  }

  async close(): Promise<void> {}
}
