import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import { createEmitter, type EmitterMode, type GameEmitter } from '@gamesocket/emitter';
import { createUserReader } from './auth.js';
import { buildHttp } from './http.js';
import { createIntentHandler } from './intents.js';
import { createLifecycleHandler } from './lifecycle.js';
import { createPublisher } from './publish.js';
import { RoomStore } from './rooms.js';

/** How the example reaches the socket service: through its Redis, as a separate process. */
export interface RedisConnection {
  /** The socket service's Redis (`REDIS_URL`; a comma list for Redis Cluster). */
  redisUrl: string;
  /** The socket service's `ADAPTER`. */
  mode: EmitterMode;
}

/**
 * How the example reaches the socket service: through an emitter made for it, e.g. `createMemoryEmitter` on a
 * `memory` mode service in the same process. It stays the caller's to close.
 */
export interface EmitterConnection {
  emitter: GameEmitter;
}

/** Options of `startLobbyExample`: a connection and the rest. */
export type LobbyExampleOptions = (RedisConnection | EmitterConnection) & LobbySettings;

/** What `startLobbyExample` takes besides the connection. */
export interface LobbySettings {
  /** The auth API's HS256 secret (the socket service's `JWT_SECRET`), >= 32 bytes. */
  jwtSecret: string;
  /** The socket service's `ROOM_TICKET_SECRET` (its default is `JWT_SECRET`), >= 32 bytes. */
  ticketSecret: string;
  /** HTTP port; 0 picks a free one. */
  port: number;
  host: string;
  /** Page origins whose scripts may call the HTTP API with the cookie (CORS with credentials). */
  allowedOrigins?: readonly string[];
  /** This process's name in the `lobby-example` consumer group. Default hostname-pid. */
  consumer?: string;
  /** Errors of the intent loop and the HTTP handlers. Default: one JSON line on stderr. */
  onError?: (err: unknown) => void;
}

/** A running example backend. */
export interface LobbyExample {
  /** Base URL of the HTTP API, e.g. `http://127.0.0.1:3100`. */
  url: string;
  /** Stops consuming, closes the HTTP server and the emitter it made (its Redis connection). */
  close(): Promise<void>;
}

const logError = (err: unknown): void => {
  process.stderr.write(`${JSON.stringify({ level: 'error', msg: 'lobby-example', err: String(err) })}\n`);
};

/**
 * Starts the example backend: consumes the `room` intents that clients send through the socket
 * service and its lifecycle feed (group `lobby-example`), keeps the room list in memory (a seat
 * per membership, freed when it ends), answers by publishing events through the emitter, and
 * serves `GET /rooms` and `POST /rooms/:roomId/join` (room tickets). The same code runs on an
 * emitter it makes from `redisUrl` (a process of its own) or on one it is given (`emitter`).
 */
export async function startLobbyExample(options: LobbyExampleOptions): Promise<LobbyExample> {
  for (const [name, secret] of [
    ['jwtSecret', options.jwtSecret],
    ['ticketSecret', options.ticketSecret],
  ] as const) {
    if (Buffer.byteLength(secret) < 32) throw new TypeError(`${name} must be at least 32 bytes`);
  }
  const onError = options.onError ?? logError;
  const owned = !('emitter' in options);
  const emitter = owned ? await createEmitter({ redis: options.redisUrl, mode: options.mode }) : options.emitter;
  const closeEmitter = async (): Promise<void> => {
    if (owned) await emitter.close();
  };
  const store = new RoomStore();
  const publisher = createPublisher(emitter, store);
  const consumerName = options.consumer ?? `${hostname()}-${process.pid}`;
  const consumers = await Promise.all([
    emitter.consumeIntents(
      { domain: 'room', group: 'lobby-example', consumer: consumerName, onError },
      createIntentHandler({ emitter, store, publisher }),
    ),
    // Only what happens from now on: this backend's room list starts empty at every start.
    emitter.consumeLifecycle(
      { group: 'lobby-example', consumer: consumerName, startId: '$', onError },
      createLifecycleHandler({ store, publisher }),
    ),
  ]).catch(async (err: unknown) => {
    await closeEmitter();
    throw err;
  });
  const stopConsumers = async (): Promise<void> => {
    await Promise.all(consumers.map((consumer) => consumer.stop()));
  };
  const http = buildHttp({
    emitter,
    store,
    publisher,
    readUser: createUserReader(options.jwtSecret),
    ticketSecret: options.ticketSecret,
    allowedOrigins: options.allowedOrigins ?? [],
    onError,
  });
  try {
    await http.listen({ port: options.port, host: options.host });
  } catch (err) {
    await stopConsumers();
    await closeEmitter();
    throw err;
  }
  const { address, port } = http.server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    async close() {
      await stopConsumers();
      await http.close();
      await closeEmitter();
    },
  };
}
