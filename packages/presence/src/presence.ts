import type { LobbyStats, RoomName, UserPresence } from '@gamesocket/protocol';

/** One socket of one user on one pod. */
export interface SocketEntry {
  userId: string;
  socketId: string;
  nodeId: string;
  /** Shown to others with the user's presence; kept while the user is online. */
  username?: string;
}

/** Result of `addSocket`. */
export interface AddResult {
  /** False when the user already holds `limit` sockets, or is revoked (nothing was added). */
  accepted: boolean;
  /** True when the deny-list refuses the user or the token (`denyCheck`); `accepted` is false then. */
  denied: boolean;
  /** The user's memberships (`room:<id>`, `match:<id>`) when accepted: the socket joins them before it connects. */
  rooms: RoomName[];
  /** True when this is the user's first socket anywhere: the user just came online. */
  first: boolean;
  /** The user's sockets across the cluster after the call. */
  connections: number;
  /**
   * True when `first` and a node has a socket watching the user (`watch`): only then is their
   * `player:online` to be published (never false while a watcher is registered).
   */
  watched: boolean;
}

/** Ask `addSocket` to check the deny-list first: the user, and the token's `jti` when it has one. */
export interface DenyCheck {
  jti?: string;
}

/** Result of `removeSocket`. */
export interface RemoveResult {
  /** True when this was the user's last socket anywhere: the user just went offline. */
  last: boolean;
  connections: number;
  /** The user's name as stored while online (set when `last`). */
  username?: string;
  /**
   * Set when `last`: true when a node has a socket watching the user (`watch`), the only case in
   * which their `player:offline` is to be published.
   */
  watched?: boolean;
}

export type { UserPresence };

/**
 * Result of `setStatus`: `changed` (stored), `unchanged` (the user already had that status: nothing
 * written, nothing to announce) or `offline` (nothing stored).
 */
export type StatusResult = 'changed' | 'unchanged' | 'offline';

/** A user who went offline (or online) as a side effect of node-level work. */
export interface UserRef {
  userId: string;
  username: string;
}

/** Cluster-wide counters, maintained on change (reading them is O(1) in users and sockets). */
export type PresenceStats = LobbyStats;

/** Result of `syncNode`: the users whose state the sync changed. */
export interface SyncResult {
  online: UserRef[];
  offline: UserRef[];
}

/** What a pod reports with each heartbeat: the admin view's row of that pod. */
export interface NodeReport {
  /** Sockets open on the pod, signed in or not. */
  connections: number;
  /** Client events received per second since the previous heartbeat. */
  eventsInPerSec: number;
  /** Events written to sockets per second since the previous heartbeat (a broadcast counts once per socket). */
  eventsOutPerSec: number;
  /** True while the pod drains (SIGTERM). */
  draining: boolean;
}

/** A registered pod: its heartbeat and what it last reported. */
export interface NodeStatus {
  nodeId: string;
  /** False once its heartbeat expired: the next reaper run removes its sockets. */
  alive: boolean;
  /** When its heartbeat expires, epoch ms (the store's clock). */
  expiresAt: number;
  /** What its last heartbeat reported; undefined when it reported nothing. */
  report: NodeReport | undefined;
}

/** One socket of a user, and the pod holding it. */
export interface SocketLocation {
  socketId: string;
  nodeId: string;
}

/** An online user with their sockets, as the admin view lists them. */
export interface OnlineUser {
  userId: string;
  username: string;
  status: string;
  /** Ordered by socket id. */
  sockets: SocketLocation[];
}

/** Options of `Presence.onlineUsers`. */
export interface OnlineUsersQuery {
  /** Users returned at most (the first by user id). */
  limit: number;
  /** Only user ids containing this text (case-insensitive); empty or undefined = all. */
  search?: string;
}

/** Result of `Presence.onlineUsers`. */
export interface OnlineUsers {
  /** At most `limit` users, ordered by user id. */
  users: OnlineUser[];
  /** Online users matching the search (all of them when there is none). */
  matched: number;
}

/**
 * Per-user presence across the cluster. Every method is atomic per user: concurrent sockets of
 * one user on several pods get exactly one `first` and one `last`. Implementations: memory (one
 * node) and Redis (every cluster mode, Redis Cluster included).
 */
export interface Presence {
  /**
   * Registers a socket and reads its user's memberships, in one step (one Redis round trip); refused
   * when the user already holds `limit` sockets (0 = no limit), or, with `denyCheck`, when the
   * deny-list names the user or the token's `jti`.
   */
  addSocket(entry: SocketEntry, limit?: number, denyCheck?: DenyCheck): Promise<AddResult>;
  /**
   * Unregisters a socket; idempotent. `keepLast`: leave it registered when it is its user's last
   * socket anywhere (a draining pod: the user is on their way to another pod, and the reaper removes
   * the socket if they never get there), so the user never looks offline in between.
   */
  removeSocket(entry: SocketEntry, options?: { keepLast?: boolean }): Promise<RemoveResult>;
  /** Sets an online user's status: `changed`, `unchanged` (already that status) or `offline` (nothing stored). */
  setStatus(userId: string, status: string): Promise<StatusResult>;
  get(userId: string): Promise<UserPresence>;
  /** The presence of each of `userIds`, in their order (Redis: one script call per shard among them). */
  getMany(userIds: readonly string[]): Promise<UserPresence[]>;
  /**
   * Registers `nodeId` as a watcher of each of `userIds` (one of its sockets watches them) and reads
   * their presence, in one step per shard: from then on `addSocket` and `removeSocket` report them
   * `watched`, and a change between the registration and the read is one their watchers are told.
   */
  watch(nodeId: string, userIds: readonly string[]): Promise<UserPresence[]>;
  /**
   * Unregisters `nodeId` as a watcher of `userIds` (its last socket watching each stopped). Removing
   * a node (`removeNode`, the reaper) removes its registrations too.
   */
  unwatch(nodeId: string, userIds: readonly string[]): Promise<void>;
  /**
   * Makes the registrations of `nodeId` exactly `userIds` (after the store lost them, or to drop
   * ones left behind): the missing are registered, the others unregistered.
   */
  syncWatches(nodeId: string, userIds: readonly string[]): Promise<void>;
  stats(): Promise<PresenceStats>;
  /**
   * Marks `nodeId` alive for `ttlMs`; a node not heard from within its TTL is reaped. Resolves true
   * when the node was not registered (first beat, or reaped meanwhile): its sockets need a sync.
   */
  heartbeat(nodeId: string, ttlMs: number, report?: NodeReport): Promise<boolean>;
  /** Every registered node with its heartbeat and last report, ordered by node id (dead ones until reaped). */
  nodes(): Promise<NodeStatus[]>;
  /** A user's sockets and their pods, ordered by socket id (none when offline). */
  userSockets(userId: string): Promise<SocketLocation[]>;
  /**
   * Online users with their sockets, cluster-wide: the first `limit` by user id among those whose id
   * contains `search`. Reads the socket registrations of every node that heartbeats (O(sockets)): an
   * operator's tool, not a hot path.
   */
  onlineUsers(query: OnlineUsersQuery): Promise<OnlineUsers>;
  /**
   * Removes the sockets and watcher registrations of every node whose heartbeat expired (one reaper at a time across the
   * cluster) and returns the users left with no socket.
   */
  reapDeadNodes(): Promise<UserRef[]>;
  /** Removes every socket and watcher registration of `nodeId` (graceful shutdown, or a restart under the same id). */
  removeNode(nodeId: string): Promise<UserRef[]>;
  /**
   * Makes the stored sockets of `nodeId` equal `entries` (after a Redis outage or restart):
   * missing ones are added, stale ones removed.
   */
  syncNode(nodeId: string, entries: readonly SocketEntry[]): Promise<SyncResult>;
  /** Releases resources held by the implementation (not the Redis client). */
  close(): Promise<void>;
}
