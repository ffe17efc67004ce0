import { LOBBY_ROOM, type LobbyStats, type RoomName, type UserPresence } from '@gamesocket/protocol';
import { podReporter } from './pod-report.js';
import { MembershipActions, type Memberships, type Presence, type RoomMember } from '@gamesocket/presence';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import type { GameServer, GameSocket } from '../core/socket-types.js';
import { Announcements } from './announcements.js';
import { DrainHandoff } from './drain-handoff.js';
import { createHandshakeCap, type PresenceMiddleware } from './handshake-cap.js';
import { HeartbeatReaper } from './heartbeat-reaper.js';
import { MembershipExpiry } from './membership-expiry.js';
import { podSignals } from './pod-signals.js';
import { LobbyFanout } from './lobby-fanout.js';
import { PodSockets } from './pod-sockets.js';
import { PresenceRequests } from './presence-requests.js';
import { SocketLifecycle } from './socket-lifecycle.js';
import { WatchRegistry } from './watch-registry.js';

/** Options of the tracker. */
export interface PresenceTrackerOptions {
  nodeId: string;
  /** Sockets one user may hold across the cluster. */
  maxConnectionsPerUser: number;
  /** Node heartbeat TTL; heartbeats every third of it, reaping every fifth. */
  ttlMs: number;
  /** Most often the lobby gets this pod's `lobby:presence_diff` (`PRESENCE_DIFF_MS`). */
  diffIntervalMs: number;
  /** False while the presence store is known to be unreachable: handshakes skip it instead of waiting. */
  storeUp(): boolean;
  /** How long a user with no socket keeps their memberships. */
  membershipGraceMs: number;
  /** How long a watch registration outlives the pod's last socket watching (`WatchRegistryOptions.lingerMs`). */
  watchLingerMs: number;
}

/**
 * Connects Socket.IO to a `Presence`: registers every authenticated socket (refusing one over the
 * per-user cap in the handshake), announces `player:online` / `player:offline` /
 * `player:status_change` to watchers and this pod's changes to the lobby as `lobby:presence_diff`
 * (at most one per `diffIntervalMs`), heartbeats this pod, reaps dead pods,
 * resyncs this pod's sockets after a Redis outage and hands them to the cluster at a drain.
 * Presence failures never refuse a connection: the pod marks itself dirty and converges once Redis
 * answers again. Each job is its own module in this folder; this class only composes them.
 */
export class PresenceTracker {
  /** Socket.IO middleware (after auth): registers the socket or refuses it with CONNECTION_LIMIT. */
  readonly middleware: PresenceMiddleware;
  /** `{ online, connections, nodes }` from counters, cached for a second per pod (any socket may ask). */
  readonly stats: () => Promise<LobbyStats>;
  private readonly lifecycle: SocketLifecycle;
  private readonly requests: PresenceRequests;
  private readonly heartbeat: HeartbeatReaper;
  private readonly drain: DrainHandoff;
  private readonly expiry: MembershipExpiry;
  /** Every membership change (tickets, leaves, the HTTP API, revocations, room closes, the grace) goes through it. */
  readonly memberships: MembershipActions;
  private readonly lobby: LobbyFanout;
  private readonly watches: WatchRegistry;

  constructor(
    io: GameServer,
    presence: Presence,
    private readonly store: Memberships,
    options: PresenceTrackerOptions,
    log: Logger,
    metrics: Metrics,
  ) {
    const { nodeId, ttlMs, storeUp } = options;
    this.memberships = new MembershipActions(store, podSignals(io), nodeId);
    this.expiry = new MembershipExpiry({ actions: this.memberships, graceMs: options.membershipGraceMs, storeUp, log });
    const sockets = new PodSockets();
    this.lobby = new LobbyFanout({
      intervalMs: options.diffIntervalMs,
      read: (userIds) => presence.getMany(userIds),
      storeUp,
      send: (diff) => io.to(LOBBY_ROOM).emit('lobby:presence_diff', diff),
      log,
    });
    const announce = new Announcements(io, this.lobby);
    this.watches = new WatchRegistry(
      io,
      presence,
      { nodeId, lingerMs: options.watchLingerMs, onFailure: () => (sockets.dirty = true) },
      log,
    );
    this.drain = new DrainHandoff(presence, { nodeId, ttlMs, storeUp }, announce, log);
    this.lifecycle = new SocketLifecycle({ presence, sockets, announce, drain: this.drain, storeUp, log });
    this.middleware = createHandshakeCap({
      presence,
      nodeId,
      maxConnectionsPerUser: options.maxConnectionsPerUser,
      storeUp,
      sockets,
      lifecycle: this.lifecycle,
      announce,
      metrics,
      log,
    });
    this.heartbeat = new HeartbeatReaper({
      presence,
      memberships: store,
      roomsOf: (socketId) => io.of('/').sockets.get(socketId)?.rooms,
      nodeId,
      ttlMs,
      storeUp,
      draining: () => this.drain.draining,
      sockets,
      announce,
      watches: this.watches,
      log,
      report: podReporter({ metrics, connections: () => io.of('/').sockets.size, draining: () => this.drain.draining }),
    });
    this.requests = new PresenceRequests(presence, this.watches, announce, log);
    this.stats = this.requests.stats;
  }

  /** Call on the socket's `disconnect`: releases it (the transport's `close` does otherwise). */
  disconnected(socket: GameSocket): void {
    this.lifecycle.disconnected(socket);
  }

  /**
   * Stores an online user's status and announces a change to watchers and the lobby (a status the
   * user already had is not announced); resolves false (and announces nothing) when the user is offline.
   */
  setStatus(userId: string, status: string): Promise<boolean> {
    return this.requests.setStatus(userId, status);
  }

  /** A room's members with their presence. */
  members(room: RoomName): Promise<RoomMember[]> {
    return this.store.members(room);
  }

  /**
   * The user's own status change, from one of their sockets: `setStatus` within the user's budget on
   * this pod; over it, rejects with `ServiceError('RATE_LIMITED')`.
   */
  setOwnStatus(userId: string, status: string): Promise<boolean> {
    return this.requests.setOwnStatus(userId, status);
  }

  /** Current presence of these users. */
  getMany(userIds: readonly string[]): Promise<UserPresence[]> {
    return this.requests.getMany(userIds);
  }

  /**
   * Joins `socket` to the watch rooms of `userIds`, registers this pod as their watcher and reads
   * their presence: from now on their online and offline are published. On a store failure the
   * socket leaves those rooms again and the call rejects with `ServiceError('UNAVAILABLE')`.
   */
  watch(socket: GameSocket, userIds: readonly string[]): Promise<UserPresence[]> {
    return this.requests.watch(socket, userIds);
  }

  /** Starts heartbeats and the reaper; the first beat removes what a previous life under this NODE_ID left. */
  async start(): Promise<void> {
    await this.heartbeat.start();
    this.expiry.start();
  }

  /**
   * Start of a graceful shutdown: from now on a closing socket that is its user's last stays in the
   * store, so a user who moves to another pod never looks offline; heartbeats go on, so the drain
   * may outlast the TTL.
   */
  beginDrain(): void {
    this.drain.begin();
  }

  /**
   * End of the drain: stops the heartbeats, hands this pod's sockets to the cluster's reaper (see
   * `DrainHandoff`), then sends the lobby what is pending and stops its timer.
   */
  async shutdown(): Promise<void> {
    this.drain.begin();
    this.heartbeat.stop();
    this.expiry.stop();
    this.watches.stop();
    await this.drain.handOff();
    await this.lobby.stop();
  }

  /**
   * After Socket.IO closed: removes what handshakes that were already past the drain check added
   * meanwhile (unless the reaper has it), then releases the store.
   */
  close(): Promise<void> {
    return this.drain.close();
  }
}
