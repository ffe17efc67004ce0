import {
  ADAPTER_CHANNEL_PREFIX,
  ADAPTER_STREAM,
  DEFAULT_ADAPTER_STREAM_MAX_LEN,
  STATUS_PATTERN,
  isPublishableEvent,
  isVolatileEvent,
  rooms as roomNames,
  type RoomName,
  type PublishableEvent,
  type ServerPayload,
  type LobbyStats,
  type UserId,
  type UserPresence,
} from '@gamesocket/protocol';
import { hostname } from 'node:os';
import { trace, type TracerProvider } from '@opentelemetry/api';
import {
  MembershipActions,
  RedisDenyList,
  RedisMemberships,
  RedisPresence,
  type MembershipSignals,
  type RedisPresenceOptions,
  type RoomMember,
} from '@gamesocket/presence';
import { closeClient, createRedisClient } from '@gamesocket/redis';
import { consumeIntents, type ConsumeOptions, type IntentConsumer, type IntentHandler } from './intent-consumer.js';
import {
  consumeLifecycle,
  type LifecycleConsumeOptions,
  type LifecycleConsumer,
  type LifecycleHandler,
} from './lifecycle-consumer.js';
import { classicTransport } from './classic-transport.js';
import { EmitterError, redisCall } from './errors.js';
import { shardedTransport } from './sharded-transport.js';
import { streamsTransport } from './streams-transport.js';
import { tracedTransport } from './traced-transport.js';
import type { EmitterBackend } from './emitter-backend.js';
import type { BroadcastFlags, ClusterTransport, RedisClient, TargetOptions } from './transport.js';

/** The socket service's cluster modes that an emitter can reach (all but `memory`). */
export type EmitterMode = 'redis' | 'redis-streams' | 'redis-sharded';

/** Options of `createEmitter`. */
export interface EmitterOptions {
  /**
   * An ioredis client (standalone or Cluster), or Redis URL(s): one URL, or a comma list / array of
   * Redis Cluster nodes. A client passed in stays yours to close; one made from URLs is closed by
   * `close()`.
   */
  redis: RedisClient | string | string[];
  /** Must match the socket service's `ADAPTER`. */
  mode: EmitterMode;
  /** Presence key prefix and shard count; must match the pods (defaults do). */
  presence?: RedisPresenceOptions;
  /** Adapter channel prefix. Default `socket.io` (the service's and the stock emitter's default). */
  channelPrefix?: string;
  /** redis-streams only: the adapter's stream. Default `socket.io`. */
  streamName?: string;
  /** redis-streams only: approximate cap of the stream. Default 10 000, like the pods (`RECOVERY_STREAM_MAX_LEN`). */
  maxLen?: number;
  /** This emitter's name in lifecycle entries it causes (`nodeId`). Default `emitter:<host>:<pid>`. */
  nodeId?: string;
  /**
   * Where the `publish <event>` span of each emit goes (OpenTelemetry). Default: the global provider, a no-op until
   * an OpenTelemetry SDK registers one; then each emit's W3C trace context travels to the pods in the message (with
   * the global propagator), and their delivery spans join the trace.
   */
  tracerProvider?: TracerProvider;
}

/** `joinRoom` / `leaveRoom` arguments: a user and rooms. */
export interface UserRooms {
  userId: UserId;
  rooms: RoomName | RoomName[];
  /** `joinRoom`: the name other members see when the user is offline now. Default: the user's, or the id. */
  username?: string;
}

const statusPattern = new RegExp(STATUS_PATTERN);
const toArray = (value: RoomName | RoomName[]): RoomName[] => (Array.isArray(value) ? [...value] : [value]);

/**
 * Targets rooms for an emit, like Socket.IO's BroadcastOperator; immutable, so it can be kept and
 * reused. `emit` resolves once Redis accepted the message; it rejects with an `EmitterError`
 * (`UNAVAILABLE`) while Redis is unreachable — never an unhandled rejection.
 */
export class BroadcastOperator {
  constructor(
    private readonly send: (run: (transport: ClusterTransport) => Promise<void>) => Promise<void>,
    private readonly target: TargetOptions = { rooms: [], except: [] },
    private readonly flags: BroadcastFlags = {},
  ) {}

  /** Adds rooms to target (a socket in any of them receives the event once). */
  to(room: RoomName | RoomName[]): BroadcastOperator {
    const rooms = [...new Set([...this.target.rooms, ...toArray(room)])];
    return new BroadcastOperator(this.send, { ...this.target, rooms }, this.flags);
  }

  /** Excludes the sockets in these rooms. */
  except(room: RoomName | RoomName[]): BroadcastOperator {
    const except = [...new Set([...this.target.except, ...toArray(room)])];
    return new BroadcastOperator(this.send, { ...this.target, except }, this.flags);
  }

  /** Marks the emit volatile: dropped for a client that is not ready instead of queued. */
  get volatile(): BroadcastOperator {
    return new BroadcastOperator(this.send, this.target, { ...this.flags, volatile: true });
  }

  /**
   * Sends a typed event to the targeted sockets on every pod (a publishable one: not the server's own
   * `system:connected` / `system:pong`). Events of `VOLATILE_EVENTS` (`match:state_update`) always go out volatile.
   */
  emit<E extends PublishableEvent>(event: E, payload: ServerPayload<E>): Promise<void> {
    if (!isPublishableEvent(event)) {
      return Promise.reject(
        new EmitterError('INVALID_PAYLOAD', `not a server event of the catalogue: ${String(event)}`),
      );
    }
    return this.send((transport) =>
      transport.broadcast(
        { type: 2, data: [event, payload], nsp: '/' },
        this.target,
        isVolatileEvent(event) ? { ...this.flags, volatile: true } : this.flags,
      ),
    );
  }

  /** Makes the targeted sockets join `rooms`, on every pod. */
  socketsJoin(rooms: RoomName | RoomName[]): Promise<void> {
    return this.send((transport) => transport.socketsJoin(this.target, toArray(rooms)));
  }

  /** Makes the targeted sockets leave `rooms`, on every pod. */
  socketsLeave(rooms: RoomName | RoomName[]): Promise<void> {
    return this.send((transport) => transport.socketsLeave(this.target, toArray(rooms)));
  }

  /** Disconnects the targeted sockets; `close` also closes their transport (default true). */
  disconnectSockets(close = true): Promise<void> {
    return this.send((transport) => transport.disconnectSockets(this.target, close));
  }
}

/** Presence reads for backends: O(1) per user, counters for totals. */
export interface PresenceReader {
  /** One user's `{ online, connections, status }`. */
  get(userId: UserId): Promise<UserPresence>;
  /** Several users at once. */
  getMany(userIds: readonly UserId[]): Promise<UserPresence[]>;
  /** `{ online, connections, nodes }` across the cluster. */
  count(): Promise<LobbyStats>;
}

/**
 * The typed publisher backend services use to reach gamesocket clients without holding sockets.
 * Delivery: at most once per socket, in publish order per emitter; in `redis-streams` mode events
 * are also replayed to clients that recover a dropped connection. Built on an `EmitterBackend`:
 * Redis (`createEmitter`, every Redis cluster mode) or a `memory` mode node in this process
 * (`createMemoryEmitter`); the contract below holds for both.
 */
export class GameEmitter {
  /** Presence reads (reject with `EmitterError` UNAVAILABLE while Redis is down). */
  readonly presence: PresenceReader;
  private readonly send: (run: (transport: ClusterTransport) => Promise<void>) => Promise<void>;

  constructor(private readonly backend: EmitterBackend) {
    this.presence = {
      get: (userId) => redisCall('read', () => backend.presence.get(userId)),
      getMany: (userIds) => redisCall('read', () => backend.presence.getMany(userIds)),
      count: () => redisCall('read', () => backend.presence.stats()),
    };
    this.send = async (run) => {
      // Fail fast while disconnected instead of waiting in ioredis' offline queue.
      this.ensureAvailable();
      await redisCall('write', () => run(backend.transport));
    };
  }

  /** Targets one room or several. */
  to(room: RoomName | RoomName[]): BroadcastOperator {
    return new BroadcastOperator(this.send).to(room);
  }

  /** Targets every socket except those in `room`. */
  except(room: RoomName | RoomName[]): BroadcastOperator {
    return new BroadcastOperator(this.send).except(room);
  }

  /** Every socket of a user (`user:<id>`), on every pod. */
  toUser(userId: UserId): BroadcastOperator {
    return this.to(roomNames.user(userId));
  }

  /** A game room (`room:<id>`). */
  toRoom(roomId: string): BroadcastOperator {
    return this.to(roomNames.room(roomId));
  }

  /** A match (`match:<id>`). */
  toMatch(matchId: string): BroadcastOperator {
    return this.to(roomNames.match(matchId));
  }

  /** The public lobby. */
  toLobby(): BroadcastOperator {
    return this.to(roomNames.lobby());
  }

  /** Every connected socket. */
  emit<E extends PublishableEvent>(event: E, payload: ServerPayload<E>): Promise<void> {
    return new BroadcastOperator(this.send).emit(event, payload);
  }

  /**
   * Grants `userId` memberships of `rooms` (`room:<id>`, `match:<id>`): every socket of the user, on
   * every pod, joins them now, and every later socket of theirs joins them at its handshake, until the
   * membership ends. Each new membership is announced to the room once (`room:player_joined`) and
   * appended to the lifecycle feed. Other rooms (the lobby) only move the sockets connected now.
   * Resolves the memberships that are new.
   */
  joinRoom({ userId, rooms, username }: UserRooms): Promise<RoomName[]> {
    return this.membership(() => this.backend.actions.join({ userId, username }, toArray(rooms)));
  }

  /**
   * Ends `userId`'s memberships of `rooms` (reason `kicked`) and takes every socket of theirs out;
   * `room:player_left` goes to the room and to the user. Resolves the memberships they held.
   */
  leaveRoom({ userId, rooms }: UserRooms): Promise<RoomName[]> {
    return this.membership(() => this.backend.actions.leave(userId, toArray(rooms), 'kicked'));
  }

  /** Ends every membership of `room` (reason `closed`) and empties it; resolves the users who held one. */
  closeRoom(room: RoomName): Promise<UserId[]> {
    return this.membership(() => this.backend.actions.close(room));
  }

  /** A room's members with their presence (`{ userId, username, online, connections }`), by user id. */
  roomMembers(room: RoomName): Promise<RoomMember[]> {
    return redisCall('read', () => this.backend.memberships.members(room));
  }

  /** The memberships a user holds. */
  roomsOf(userId: UserId): Promise<RoomName[]> {
    return redisCall('read', () => this.backend.memberships.roomsOf(userId));
  }

  private ensureAvailable(): void {
    const reason = this.backend.unavailable();
    if (reason !== undefined) throw new EmitterError('UNAVAILABLE', reason);
  }

  private async membership<T>(run: () => Promise<T>): Promise<T> {
    this.ensureAvailable();
    return redisCall('write', run);
  }

  /**
   * Sets an online user's status (e.g. `in_match`). A change goes to the user's watchers as
   * `player:status_change` and to the lobby as a one-entry `lobby:presence_diff` (an emitter has no
   * pod's interval to join); a status the user already had is not announced. Resolves false, and
   * broadcasts nothing, when the user is offline.
   */
  async setStatus(userId: UserId, status: string): Promise<boolean> {
    if (!statusPattern.test(status)) {
      throw new EmitterError('INVALID_PAYLOAD', `status must be a short lowercase word: ${JSON.stringify(status)}`);
    }
    const result = await redisCall('write', () => this.backend.presence.setStatus(userId, status));
    if (result === 'changed') {
      await Promise.all([
        this.to(roomNames.watchers(userId)).emit('player:status_change', { userId, status, timestamp: Date.now() }),
        this.toLobby().emit('lobby:presence_diff', { online: [], offline: [], status: [{ userId, status }] }),
      ]);
    }
    return result !== 'offline';
  }

  /**
   * Revokes a user: their tokens are refused at the handshake until `until` (epoch ms; set it to
   * the longest remaining token lifetime), their memberships end (reason `revoked`) and their open
   * sockets are closed on every pod.
   */
  async revokeUser(userId: UserId, { until }: { until: number }): Promise<void> {
    await redisCall('write', () => this.backend.denyList.deny({ userId }, until));
    await this.membership(() => this.backend.actions.revoke(userId));
    await this.disconnectUser(userId);
  }

  /** Refuses one token (by its `jti`) at the handshake until `until` (epoch ms). */
  async revokeToken(jti: string, { until }: { until: number }): Promise<void> {
    await redisCall('write', () => this.backend.denyList.deny({ jti }, until));
  }

  /**
   * Consumes client intents of one domain with a consumer group (ack after `handler` resolves;
   * pending entries of a crashed consumer are claimed again). See `consumeIntents`.
   */
  consumeIntents(options: ConsumeOptions, handler: IntentHandler): Promise<IntentConsumer> {
    return this.backend.consumeIntents(options, handler);
  }

  /**
   * Consumes the lifecycle feed (presence and membership transitions) of every presence shard of this emitter's
   * `presence` options with a consumer group (ack after `handler` resolves; pending entries of a crashed consumer
   * are claimed again; malformed entries are reported and skipped). See `consumeLifecycle`.
   */
  consumeLifecycle(options: LifecycleConsumeOptions, handler: LifecycleHandler): Promise<LifecycleConsumer> {
    return this.backend.consumeLifecycle(options, handler);
  }

  /** Revokes: closes every socket of `userId` on every pod. */
  disconnectUser(userId: UserId): Promise<void> {
    return this.toUser(userId).disconnectSockets(true);
  }

  /** Closes the Redis client when the emitter created it (QUIT, or a hard disconnect when Redis does not answer). */
  close(): Promise<void> {
    return this.backend.close();
  }
}

/** The emitter of the Redis modes (`createEmitter`): a `GameEmitter` with the Redis client it writes with. */
export class RedisEmitter extends GameEmitter {
  constructor(
    /** The Redis client this emitter writes with. */
    readonly redis: RedisClient,
    options: Omit<EmitterOptions, 'redis'>,
    ownsClient = false,
  ) {
    super(redisBackend(redis, options, ownsClient));
  }
}

/** The Redis backend of an emitter: the adapter wire format of `options.mode`, and the pods' Redis state. */
function redisBackend(redis: RedisClient, options: Omit<EmitterOptions, 'redis'>, ownsClient: boolean): EmitterBackend {
  const prefix = options.channelPrefix ?? ADAPTER_CHANNEL_PREFIX;
  const wire =
    options.mode === 'redis'
      ? classicTransport(redis, prefix)
      : options.mode === 'redis-sharded'
        ? shardedTransport(redis, prefix)
        : streamsTransport(
            redis,
            options.streamName ?? ADAPTER_STREAM,
            options.maxLen ?? DEFAULT_ADAPTER_STREAM_MAX_LEN,
          );
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer('@gamesocket/emitter');
  const transport = tracedTransport(wire, tracer, options.mode);
  const memberships = new RedisMemberships(redis, options.presence);
  // Membership actions run inside the emitter's own availability check and error wrapping.
  const direct = new BroadcastOperator((run) => run(transport));
  const signals: MembershipSignals = {
    join: (userId, rooms) => direct.to(roomNames.user(userId)).socketsJoin(rooms),
    leave: (userId, rooms) => direct.to(roomNames.user(userId)).socketsLeave(rooms),
    clear: (room) => direct.to(room).socketsLeave(room),
    emit: (to, ...[event, payload]) =>
      event === 'room:player_joined' ? direct.to(to).emit(event, payload) : direct.to(to).emit(event, payload),
  };
  // Where the pods write the lifecycle feed: the presence prefix and shard count.
  const lifecycleFeed = { prefix: options.presence?.prefix, shards: options.presence?.shards };
  return {
    unavailable: () => (redis.status === 'ready' ? undefined : `redis is not connected (status: ${redis.status})`),
    transport,
    presence: new RedisPresence(redis, options.presence),
    memberships,
    actions: new MembershipActions(memberships, signals, options.nodeId ?? `emitter:${hostname()}:${process.pid}`),
    denyList: new RedisDenyList(redis, options.presence),
    consumeIntents: (consumeOptions, handler) => consumeIntents(redis, consumeOptions, handler),
    consumeLifecycle: (consumeOptions, handler) =>
      consumeLifecycle(redis, { ...consumeOptions, ...lifecycleFeed }, handler),
    close: async () => {
      if (ownsClient) await closeClient(redis);
    },
  };
}

const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Creates an emitter. With URLs it connects first (`createRedisClient` of `@gamesocket/redis`, the pods' own
 * client factory) and rejects with `UNAVAILABLE` when Redis cannot be reached within 10 s, with `INVALID_PAYLOAD`
 * when no valid redis:// or rediss:// URL is given.
 */
export async function createEmitter(options: EmitterOptions): Promise<RedisEmitter> {
  const { redis, ...rest } = options;
  if (typeof redis !== 'string' && !Array.isArray(redis)) return new RedisEmitter(redis, rest);
  let client: RedisClient;
  try {
    client = createRedisClient(redis);
  } catch (err) {
    throw new EmitterError('INVALID_PAYLOAD', (err as Error).message, { cause: err });
  }
  client.on('error', () => undefined); // state is read from client.status; errors surface as rejections
  if (client.status !== 'ready') {
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('connect timed out')), CONNECT_TIMEOUT_MS);
        client.once('ready', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    } catch (err) {
      client.disconnect();
      throw new EmitterError('UNAVAILABLE', `cannot reach redis: ${(err as Error).message}`, { cause: err });
    }
  }
  return new RedisEmitter(client, rest, true);
}
