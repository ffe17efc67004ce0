import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { Socket as EngineSocket } from 'engine.io';
import { Cluster, Redis } from 'ioredis';
import { Namespace, type ServerOptions, type Socket } from 'socket.io';
import { Adapter, SessionAwareAdapter, type BroadcastOptions, type Session } from 'socket.io-adapter';

/*
 * The one seam for the private members of socket.io, engine.io, socket.io-adapter and ioredis the
 * service relies on (docs/internals.md lists them and why each has no public hook). Nothing else in
 * the service touches a dependency's private member. Each one names the upstream file and line it
 * was read from, at the versions in `WRITTEN_FOR`; `checkInternals()` refuses to boot on any other.
 */

/** The packages whose private members (or private behaviour) this seam relies on. */
export type SeamPackage = 'socket.io' | 'engine.io' | 'socket.io-adapter' | '@socket.io/redis-streams-adapter';

/** The exact versions this seam was written for and checked against (pinned in package.json). */
export const WRITTEN_FOR: Readonly<Record<SeamPackage, string>> = {
  'socket.io': '4.8.4',
  'engine.io': '6.6.13',
  'socket.io-adapter': '2.5.9',
  '@socket.io/redis-streams-adapter': '0.3.1',
};

const SEAM = 'the internals seam (core/internals.ts)';

/** Thrown at boot when the installed dependencies are not the ones this seam was written for. */
export class InternalsMismatch extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InternalsMismatch';
  }
}

const requireHere = createRequire(import.meta.url);

/** The directory of package `name` as `from` (a module's `require`) resolves it; undefined when not installed. */
function packageDir(name: string, from: NodeJS.Require): string | undefined {
  let entry: string;
  try {
    entry = from.resolve(name);
  } catch {
    return undefined;
  }
  // engine.io and socket.io-parser do not export their package.json: walk up from the entry point.
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (manifest.name === name) return dir;
    } catch {
      // No package.json at this level (a build folder): keep walking up.
    }
  }
  return undefined;
}

const versionIn = (dir: string | undefined): string | undefined =>
  dir === undefined
    ? undefined
    : (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string }).version;

const socketIoDir = packageDir('socket.io', requireHere);
// engine.io and socket.io-adapter as socket.io itself loads them (the copies whose members are used).
const requireSocketIo = socketIoDir === undefined ? undefined : createRequire(join(socketIoDir, 'package.json'));

/** The installed version of each seam package, as the service loads it (undefined: not installed). */
export function installedVersions(): Record<SeamPackage, string | undefined> {
  const fromSocketIo = (name: string): string | undefined =>
    requireSocketIo === undefined ? undefined : versionIn(packageDir(name, requireSocketIo));
  return {
    'socket.io': versionIn(socketIoDir),
    'engine.io': fromSocketIo('engine.io'),
    'socket.io-adapter': fromSocketIo('socket.io-adapter'),
    '@socket.io/redis-streams-adapter': versionIn(packageDir('@socket.io/redis-streams-adapter', requireHere)),
  };
}

/** Socket.IO's per-connection `Client` (socket.io/dist/client.js; not exported by the package). */
interface ClientInternals {
  /** socket.io/dist/client.js:172 — every encoded packet to the connection goes through it. */
  writeToEngine(this: { readonly conn: EngineSocket }, packets: unknown, opts: WriteOptions): void;
}

/** The options Socket.IO writes a packet with (`volatile`, `compress`, `preEncoded`, ...). */
export interface WriteOptions {
  volatile?: boolean;
  [option: string]: unknown;
}

// The Client class, for its prototype: socket.io's `exports` hide dist/client.js, so it is loaded by
// file path (the same module instance socket.io loads, from the same file).
const clientPrototype = ((): Partial<ClientInternals> | undefined => {
  if (socketIoDir === undefined) return undefined;
  try {
    const module = requireSocketIo!(join(socketIoDir, 'dist', 'client.js')) as {
      Client?: { prototype: Partial<ClientInternals> };
    };
    return module.Client?.prototype;
  } catch {
    return undefined;
  }
})();

// engine.io's Socket and Server classes as socket.io loads them (the copy whose connections the service gets).
interface EngineModule {
  Socket?: { prototype: object };
  Server?: { prototype: object };
  transports?: { websocket?: { prototype: object } };
}
const engineModule = ((): EngineModule | undefined => {
  try {
    return requireSocketIo?.('engine.io') as EngineModule;
  } catch {
    return undefined;
  }
})();
const engineSocketPrototype = engineModule?.Socket?.prototype;

/** The private members of `Adapter` (socket.io-adapter/dist/in-memory-adapter.js) the seam reroutes. */
interface AdapterInternals {
  /** in-memory-adapter.js:284 — every broadcast, fetchSockets, socketsJoin/Leave, disconnectSockets. */
  apply(opts: BroadcastOptions, callback: (socket: Socket) => void): void;
  /** in-memory-adapter.js:313 — the socket ids in `except`'s rooms. */
  computeExceptSids(except?: Set<string>): Set<string>;
  /** in-memory-adapter.js:200 — encodes a broadcast, called right before `apply` (broadcast, :153-154). */
  _encode(packet: { data?: unknown[] }, packetOpts: unknown): unknown;
}

/** A member the seam needs, on the object (a prototype) that must carry it. */
export interface MemberCheck {
  package: SeamPackage | 'ioredis';
  /** How the member is named in the refusal, e.g. `Namespace.prototype._createSocket`. */
  member: string;
  /** The object that must carry the member as a function; undefined when it could not be loaded. */
  holder: object | undefined;
}

// Commands whose promises the Redis adapters drop (see `catchDroppedRejections`).
const FIRE_AND_FORGET_COMMANDS = [
  'publish',
  'spublish',
  'xadd',
  'set',
  'subscribe',
  'psubscribe',
  'ssubscribe',
  'unsubscribe',
  'punsubscribe',
  'sunsubscribe',
] as const;

/** Every member the seam uses that lives on a prototype (fields set in constructors are covered by the versions). */
export function memberChecks(): MemberCheck[] {
  const adapterMembers = ['apply', 'computeExceptSids', '_encode', 'restoreSession', 'delAll'];
  const redisMembers = [...FIRE_AND_FORGET_COMMANDS, 'duplicate'];
  return [
    { package: 'socket.io', member: 'Namespace.prototype._createSocket', holder: Namespace.prototype },
    { package: 'socket.io', member: 'Client.prototype.writeToEngine', holder: clientPrototype },
    { package: 'engine.io', member: 'Server.prototype.handleUpgrade', holder: engineModule?.Server?.prototype },
    ...['schedulePing', 'sendPacket', 'resetPingTimeout'].map((name) => ({
      package: 'engine.io' as const,
      member: `Socket.prototype.${name}`,
      holder: engineSocketPrototype,
    })),
    {
      package: 'engine.io',
      member: 'WebSocket.prototype._canSendPreEncodedFrame',
      holder: engineModule?.transports?.websocket?.prototype,
    },
    ...adapterMembers.map((name) => ({
      package: 'socket.io-adapter' as const,
      member: `Adapter.prototype.${name}`,
      holder: Adapter.prototype,
    })),
    ...redisMembers.flatMap((name) => [
      { package: 'ioredis' as const, member: `Redis.prototype.${name}`, holder: Redis.prototype },
      { package: 'ioredis' as const, member: `Cluster.prototype.${name}`, holder: Cluster.prototype },
    ]),
  ];
}

const memberName = (check: MemberCheck): string => check.member.slice(check.member.lastIndexOf('.') + 1);

/**
 * The boot check: throws `InternalsMismatch` with one line naming the package and version when an
 * installed seam package is not the version in `WRITTEN_FOR`, or when a member the seam uses is
 * missing. Call before building anything on Socket.IO. The arguments are for tests.
 */
export function checkInternals(
  installed: Readonly<Record<SeamPackage, string | undefined>> = installedVersions(),
  members: readonly MemberCheck[] = memberChecks(),
): void {
  for (const [name, expected] of Object.entries(WRITTEN_FOR) as [SeamPackage, string][]) {
    const version = installed[name];
    if (version === expected) continue;
    throw new InternalsMismatch(
      version === undefined
        ? `gamesocket: ${name} is not installed, ${SEAM} was written for ${expected}`
        : `gamesocket: ${name} ${version} is installed, ${SEAM} was written for ${expected}`,
    );
  }
  for (const check of members) {
    const holder = check.holder as Record<string, unknown> | undefined;
    if (typeof holder?.[memberName(check)] === 'function') continue;
    const version = check.package === 'ioredis' ? '' : ` ${installed[check.package]}`;
    throw new InternalsMismatch(`gamesocket: ${check.package}${version} has no ${check.member}, which ${SEAM} uses`);
  }
}

// ---------------------------------------------------------------------------------------------
// socket.io: the namespace's socket factory, the session id, the connection's writer
// ---------------------------------------------------------------------------------------------

/** Socket.IO's `Namespace#_createSocket(client, auth)`: builds the socket, restoring a session first. */
export type CreateSocket = (
  client: { request: IncomingMessage; conn: { readyState: string } },
  auth: Record<string, unknown>,
) => Promise<unknown>;

/**
 * Replaces the namespace's socket factory with `wrap(original)`. Socket.IO restores a session (rooms,
 * missed packets) inside `_createSocket` (socket.io/dist/namespace.js:245, called from `_add`, :212),
 * before any middleware runs: no public hook comes earlier.
 */
export function wrapCreateSocket(nsp: Namespace, wrap: (create: CreateSocket) => CreateSocket): void {
  const internals = nsp as unknown as { _createSocket: CreateSocket };
  internals._createSocket = wrap(internals._createSocket.bind(nsp));
}

/**
 * The socket's private session id (`pid`, socket.io/dist/socket.js:98 and :118; sent to the client in
 * CONNECT, :416), undefined when recovery is off.
 */
export function sessionPid(socket: Socket): string | undefined {
  const pid = (socket as unknown as { pid?: unknown }).pid;
  return typeof pid === 'string' ? pid : undefined;
}

/**
 * Lets a connected socket's handshake go: the Engine.IO request (headers with the cookie, URL, the
 * parser's buffers) and the copies in `socket.handshake` (headers, CONNECT `auth` with any token, the
 * URL's query), which become one shared empty object; its time, URL and address take the previous
 * released socket's string where it is equal.
 * Socket.IO reads the request only while it builds the handshake (socket.io/dist/socket.js:129-142,
 * each read guarded for its absence) and through `Socket#request`; engine.io only keeps it
 * (engine.io/build/socket.js:50). A later CONNECT on this connection finds no request.
 */
export function releaseHandshake(socket: Socket): void {
  const conn = socket.conn as unknown as { request: IncomingMessage | undefined };
  const request = conn.request;
  if (request !== undefined) {
    // engine.io's upgrade response keeps the request until the TCP socket closes (server.js:441): empty it.
    request.headers = {};
    request.rawHeaders = [];
  }
  conn.request = undefined;
  const handshake = socket.handshake;
  handshake.headers = NOTHING;
  handshake.auth = NOTHING;
  // The request's parsed query (socket.io/dist/socket.js:142: transport, protocol version, whatever else the client
  // put in its URL), read by nobody here.
  handshake.query = NOTHING;
  // Socket.IO gives each socket its own copy of these (the connect second, the URL, the address): keep one where equal.
  handshake.time = shared('time', handshake.time);
  handshake.url = shared('url', handshake.url);
  handshake.address = shared('address', handshake.address);
}

/** The handshake strings `releaseHandshake` lets sockets share: the last value seen of each. */
const lastSeen = { time: '', url: '', address: '' };

/** `value`, or the equal string the previous released socket got: the same value, one copy in the heap. */
function shared(key: keyof typeof lastSeen, value: string): string {
  if (lastSeen[key] === value) return lastSeen[key];
  lastSeen[key] = value;
  return value;
}

/** What a released handshake's headers, auth and query become: one empty object, shared and frozen. */
const NOTHING: Record<string, never> = Object.freeze({});

/** The engine.io server members `dropUpgradeResponses` relies on (engine.io/build/server.js). */
interface UpgradeInternals {
  /** :43 — engine middlewares (`engine.use`; the `cors` option's, :70-71), which get the upgrade's response. */
  middlewares: unknown[];
  /** :571 — called for every websocket upgrade by the server's `upgrade` listener (:688-690). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

/**
 * Lets every websocket upgrade's request go once the upgrade is done. engine.io's `handleUpgrade`
 * (engine.io/build/server.js:571) wraps the request in a `WebSocketResponse` (:432, built at :574)
 * for engine middlewares, which re-emits the TCP socket's `close` for middlewares like pino-http
 * (`socket.once("close", ...)`, :441, the first `close` listener `handleUpgrade` adds to that socket): the
 * listener holds the response and, through it, the request (about 2.7 KB of heap per connection
 * once its headers are emptied) for the connection's whole life. The service's one engine
 * middleware, `cors` (engine.io installs it for the `cors` option, server.js:70-71), only sets
 * headers: nobody listens to the response, so that one listener is removed when the call returns
 * (with cors, before the middlewares even run). With any other engine middleware it is left alone.
 */
export function dropUpgradeResponses(engine: object): void {
  const internals = engine as UpgradeInternals;
  const handleUpgrade = internals.handleUpgrade.bind(engine);
  internals.handleUpgrade = (req, socket, head) => {
    // Another middleware than cors might listen to the response (pino-http, on-finished): leave it whole.
    if (internals.middlewares.length > 1) {
      handleUpgrade(req, socket, head);
      return;
    }
    const prior = socket.listeners('close');
    try {
      handleUpgrade(req, socket, head);
    } finally {
      // The response's listener is the first `close` listener the call adds (its constructor runs first).
      const added = socket.listeners('close').find((listener) => !prior.includes(listener));
      if (added !== undefined) socket.removeListener('close', added as (...args: unknown[]) => void);
    }
  };
}

/** A connection writer: called as the connection's `Client#writeToEngine`, with the Client as `this`. */
export type EngineWrite = (this: { readonly conn: EngineSocket }, packets: unknown, opts: WriteOptions) => void;

/**
 * Socket.IO's own `Client#writeToEngine` (socket.io/dist/client.js:172), for a writer installed with
 * `installWriter` to hand packets on.
 */
export function writeToEngine(client: { readonly conn: EngineSocket }, packets: unknown, opts: WriteOptions): void {
  engineWrite!.call(client, packets, opts);
}
const engineWrite = clientPrototype?.writeToEngine;

/**
 * Makes `write` the writer of `socket`'s connection: every packet to it (the socket's emits, every
 * adapter's broadcasts, in-memory-adapter.js:158) goes through `Client#writeToEngine`, private, with
 * no public hook. Returns false, changing nothing, when `write` is already installed.
 */
export function installWriter(socket: Socket, write: EngineWrite): boolean {
  const client = socket.client as unknown as { writeToEngine: EngineWrite };
  if (client.writeToEngine === write) return false;
  client.writeToEngine = write;
  return true;
}

// ---------------------------------------------------------------------------------------------
// engine.io: the websocket under a connection
// ---------------------------------------------------------------------------------------------

/** The ws WebSocket engine.io's websocket transport keeps privately (engine.io/build/transports/websocket.js:40). */
interface TransportInternals {
  socket?: { bufferedAmount?: number; terminate?: () => void };
}

/** Bytes the connection's websocket holds that the kernel has not taken yet; 0 for long-polling. */
export function transportBufferedAmount(conn: EngineSocket): number {
  return (conn.transport as unknown as TransportInternals).socket?.bufferedAmount ?? 0;
}

/** engine.io's websocket transport as `writePreEncodedFrame` uses it (engine.io/build/transports/websocket.js). */
interface FrameTransportInternals {
  readonly name: string;
  /** :83 — whether the transport sends `options.wsPreEncodedFrame` as is (no per-message deflate, ws's `sendFrame`). */
  _canSendPreEncodedFrame(packet: { options: WriteOptions }): boolean;
  /** :40 — the ws `WebSocket`; engine.io writes a pre-encoded frame with its `_sender.sendFrame` (:71). */
  socket: { readyState: number; _sender: { sendFrame(frame: readonly Buffer[]): void } };
}

// ws's `WebSocket.OPEN`.
const WS_OPEN = 1;

// The last broadcast's frame as one buffer, and the packet `_canSendPreEncodedFrame` reads: made once per broadcast,
// since every socket it reaches gets the same frame and options.
let lastFrame: unknown;
let lastJoined: readonly Buffer[] = [];
let lastProbe: { options: WriteOptions } = { options: {} };

/** `frame` (ws's header and payload) as one buffer, which ws writes with one `write` instead of a corked pair. */
function joinedFrame(frame: readonly Buffer[]): readonly Buffer[] {
  if (frame !== lastFrame) {
    lastFrame = frame;
    lastJoined = frame.length === 1 ? frame : [Buffer.concat(frame)];
  }
  return lastJoined;
}

/** The packet `_canSendPreEncodedFrame` reads for `opts`, made once per broadcast instead of once per socket. */
function probeFor(opts: WriteOptions): { options: WriteOptions } {
  if (lastProbe.options !== opts) lastProbe = { options: opts };
  return lastProbe;
}

/**
 * Writes a broadcast's websocket frame, encoded once per broadcast by socket.io-adapter (`wsPreEncodedFrame`,
 * in-memory-adapter.js:200-218), straight to `conn`'s websocket, as engine.io's websocket transport itself writes it
 * (transports/websocket.js:62-77) but without what engine.io does per packet around it: the packet object, the write
 * buffer, its `packetCreate`, `flush` and `drain` events and a write callback per socket (socket.js:386-434); and as
 * one buffer, in one `write`. Only when nothing waits in engine.io's write buffer (engine.io/build/socket.js:27), so
 * packets keep their order, on an open websocket. Returns false, writing nothing, otherwise: the caller then writes
 * through `writeToEngine`.
 */
export function writePreEncodedFrame(conn: EngineSocket, opts: WriteOptions): boolean {
  const frame = opts.wsPreEncodedFrame as readonly Buffer[] | undefined;
  if (frame === undefined) return false;
  return writeFrameStraight(conn, joinedFrame(frame), probeFor(opts));
}

/** `frame` written to `conn`'s websocket as `writePreEncodedFrame` writes it, if engine.io could (`probe`). */
function writeFrameStraight(conn: EngineSocket, frame: readonly Buffer[], probe: { options: WriteOptions }): boolean {
  const transport = conn.transport as unknown as FrameTransportInternals;
  if (
    transport.name !== 'websocket' ||
    (conn as unknown as { writeBuffer: unknown[] }).writeBuffer.length !== 0 ||
    transport.socket.readyState !== WS_OPEN ||
    !transport._canSendPreEncodedFrame(probe)
  ) {
    return false;
  }
  transport.socket._sender.sendFrame(frame);
  return true;
}

/** Drops the connection's websocket at once, freeing its send buffer (no closing handshake); a no-op for long-polling. */
export function terminateTransport(conn: EngineSocket): void {
  (conn.transport as unknown as TransportInternals).socket?.terminate?.();
}

// ---------------------------------------------------------------------------------------------
// engine.io: the heartbeat's ping timer
// ---------------------------------------------------------------------------------------------

/** The timer a connection's next ping waits on, as engine.io uses it: re-armed on each pong. */
export interface PingTimer {
  refresh(): unknown;
}

/** engine.io's heartbeat members of a connection (engine.io/build/socket.js, protocol v4). */
interface HeartbeatInternals {
  /** :51 — 3 for Engine.IO v3 clients, which ping the server themselves. */
  protocol: number;
  /** :42 — armed by `schedulePing` (:166) when the connection opens, `refresh()`ed on each pong (:138). */
  pingIntervalTimer: PingTimer | null;
  /** :47 — whether a packet already extended the pong deadline of the current ping (:113-117). */
  hasRefreshedPingTimeout: boolean;
  sendPacket(type: 'ping'): void;
  /** :179 — arms the pong deadline (closes with `ping timeout` when it passes). */
  resetPingTimeout(): void;
}

/**
 * Puts `timer` in place of the timer engine.io armed for `conn`'s next ping when it opened
 * (`schedulePing`, engine.io/build/socket.js:166, called from `onOpen` before the `connection`
 * event): engine.io then re-arms `timer` on each pong (:138) and leaves it alone on close
 * (`clearTimeout` of a non-timer is a no-op, :340). The caller sends the pings (`sendPing`).
 * Returns false, changing nothing, for an Engine.IO v3 client (it pings; the server only answers).
 * There is no option for a shared heartbeat: the timer is per connection.
 */
export function replacePingTimer(conn: EngineSocket, timer: PingTimer): boolean {
  const internals = conn as unknown as HeartbeatInternals;
  if (internals.protocol === 3) return false;
  clearTimeout((internals.pingIntervalTimer ?? undefined) as NodeJS.Timeout | undefined);
  internals.pingIntervalTimer = timer;
  return true;
}

/** The timer `conn`'s next ping waits on (see `replacePingTimer`). */
export function pingTimerOf(conn: EngineSocket): PingTimer | null {
  return (conn as unknown as HeartbeatInternals).pingIntervalTimer;
}

// Engine.IO's ping packet (`2`) as ws frames it: a final unmasked text frame of one byte.
const PING_FRAME: readonly Buffer[] = [Buffer.from([0x81, 0x01, 0x32])];
const PING_PROBE = { options: { wsPreEncodedFrame: PING_FRAME } as WriteOptions };

/**
 * Sends `conn` a ping and arms its pong deadline: engine.io's own ping timer callback (build/socket.js:167-172). On an
 * open websocket with nothing queued the ping's frame goes straight to it (`writePreEncodedFrame`'s path, one shared
 * buffer), without the packet, events and write callback engine.io's `sendPacket` makes per ping.
 */
export function sendPing(conn: EngineSocket): void {
  const internals = conn as unknown as HeartbeatInternals;
  internals.hasRefreshedPingTimeout = false;
  if (conn.readyState !== 'open' || !writeFrameStraight(conn, PING_FRAME, PING_PROBE)) internals.sendPacket('ping');
  internals.resetPingTimeout();
}

// ---------------------------------------------------------------------------------------------
// socket.io-adapter: what a broadcast reaches on this pod, and session restores
// ---------------------------------------------------------------------------------------------

/** The `adapter` server option: a class or a factory, which Socket.IO calls with `new` (namespace.js:99). */
export type AdapterOption = NonNullable<ServerOptions['adapter']>;

/** What `withDeliveryHooks` lets a caller see and decide. Every hook is optional. */
export interface DeliveryHooks {
  /** A session was found (`restoreSession`, public); false = do not restore it (the socket starts fresh). */
  admit?(session: Session): boolean;
  /** A session restore succeeded (`restoreSession`, public); may edit `session.missedPackets`. */
  restored?(session: Session, offset: string): void;
  /**
   * A broadcast's packet is about to reach this pod's sockets, with its data as the cluster adapter
   * left it (its stream offset appended last, cluster-adapter.js:271-282). The `reaching` call for the
   * same broadcast follows synchronously.
   */
  encoded?(data: unknown[] | undefined): void;
  /**
   * An operation (broadcast, fetchSockets, socketsJoin...) is about to reach this pod's sockets in
   * `opts`; may return a test that leaves a socket out (false).
   */
  reaching?(opts: BroadcastOptions): ((socketId: string) => boolean) | undefined;
  /** A socket left all its rooms (`delAll`, public): it is gone. */
  removed?(socketId: string): void;
}

/**
 * The `adapter` option that builds `base` (Socket.IO's recovering default `SessionAwareAdapter` when
 * undefined) per namespace with `hooksOf()` installed, and whose broadcasts also reach sockets still
 * in their middlewares (`Namespace#_preConnectSockets`, namespace.js:82 and :213), as Socket.IO's own
 * uWS adapter does.
 *
 * No public extension point covers this: the Redis adapters deliver another pod's broadcast with
 * `super.broadcast` (cluster-adapter.js:110), which no subclass's `broadcast` sees; the one step
 * every delivery goes through is the in-memory adapter's private `_encode` then `apply`
 * (in-memory-adapter.js:153-154). The redis-streams adapter's class is not exported, so its
 * instance is hooked, not subclassed.
 */
export function withDeliveryHooks(base: AdapterOption | undefined, hooksOf: () => DeliveryHooks): AdapterOption {
  const Base = (base ?? SessionAwareAdapter) as unknown as new (nsp: Namespace) => Adapter;
  return function HookedAdapter(nsp: Namespace): Adapter {
    const adapter = new Base(nsp);
    hookAdapter(adapter, nsp, hooksOf());
    return adapter;
  };
}

function hookAdapter(adapter: Adapter, nsp: Namespace, hooks: DeliveryHooks): void {
  const internals = adapter as unknown as AdapterInternals;
  // Set in the Namespace constructor before the adapter is built (namespace.js:82, :88).
  const preConnect = (nsp as unknown as { _preConnectSockets?: unknown })._preConnectSockets;
  if (!(preConnect instanceof Map)) {
    throw new InternalsMismatch(`gamesocket: socket.io has no Namespace._preConnectSockets, which ${SEAM} uses`);
  }
  const inMiddlewares = preConnect as Map<string, Socket>;

  const { admit, restored, encoded, reaching, removed } = hooks;
  if (admit !== undefined || restored !== undefined) {
    const restoreSession = adapter.restoreSession.bind(adapter);
    adapter.restoreSession = async (pid, offset) => {
      const session = await restoreSession(pid, offset);
      if (!session) return session;
      // Socket.IO's own adapters answer null for a session they cannot restore (its type omits it).
      if (admit?.(session) === false) return null as unknown as Session;
      restored?.(session, offset);
      return session;
    };
  }
  if (encoded !== undefined) {
    const encode = internals._encode.bind(adapter);
    internals._encode = (packet, packetOpts) => {
      encoded(packet.data);
      return encode(packet, packetOpts);
    };
  }
  if (removed !== undefined) {
    const delAll = adapter.delAll.bind(adapter);
    adapter.delAll = (id) => {
      removed(id);
      delAll(id);
    };
  }

  internals.apply = (opts, callback) => {
    const admits = reaching?.(opts);
    const except = internals.computeExceptSids(opts.except);
    const reach = (id: string): void => {
      const socket = nsp.sockets.get(id) ?? inMiddlewares.get(id);
      if (socket === undefined || (admits !== undefined && !admits(id))) return;
      callback(socket);
    };
    if (opts.rooms.size === 0) {
      for (const id of adapter.sids.keys()) if (!except.has(id)) reach(id);
      return;
    }
    if (opts.rooms.size === 1) {
      // One room's members are distinct: no set of those already reached.
      for (const room of opts.rooms) for (const id of adapter.rooms.get(room) ?? []) if (!except.has(id)) reach(id);
      return;
    }
    const seen = new Set<string>();
    for (const room of opts.rooms) {
      for (const id of adapter.rooms.get(room) ?? []) {
        if (seen.has(id) || except.has(id)) continue;
        seen.add(id);
        reach(id);
      }
    }
  };
}

/**
 * Sees one broadcast as it reaches this pod's sockets: called with its options (its `flags` as the publisher sent
 * them, through every Redis adapter) and its packet's data (`[event, ...args]`) before the first socket; the
 * function it returns, if any, is called once the broadcast has reached its sockets, with how many it reached.
 */
export type BroadcastObserver = (
  opts: BroadcastOptions,
  data: unknown[] | undefined,
) => ((reached: number) => void) | undefined;

/**
 * The `adapter` option that builds `base` (Socket.IO's in-memory `Adapter` when undefined) per namespace with
 * `observerOf()` seeing every broadcast this pod delivers, whoever published it (see `withDeliveryHooks` for why the
 * private `_encode` then `apply` is the one step they all go through). It wraps the adapter's `apply` as it finds
 * it, so it composes with `withDeliveryHooks` (pass that as `base`) and changes nothing in who gets what.
 */
export function withBroadcastObserver(
  base: AdapterOption | undefined,
  observerOf: () => BroadcastObserver,
): AdapterOption {
  const Base = (base ?? Adapter) as unknown as new (nsp: Namespace) => Adapter;
  return function ObservedAdapter(nsp: Namespace): Adapter {
    const adapter = new Base(nsp);
    observeBroadcasts(adapter, observerOf());
    return adapter;
  };
}

function observeBroadcasts(adapter: Adapter, observe: BroadcastObserver): void {
  const internals = adapter as unknown as AdapterInternals;
  const encode = internals._encode.bind(adapter);
  const apply = internals.apply.bind(adapter);
  // `broadcast` encodes its packet and applies it synchronously (in-memory-adapter.js:153-154): carried across here.
  let data: unknown[] | undefined;
  internals._encode = (packet, packetOpts) => {
    data = packet.data;
    return encode(packet, packetOpts);
  };
  internals.apply = (opts, callback) => {
    const packet = data;
    data = undefined;
    const done = observe(opts, packet);
    if (done === undefined) {
      apply(opts, callback);
      return;
    }
    let reached = 0;
    try {
      apply(opts, (socket) => {
        reached++;
        callback(socket);
      });
    } finally {
      done(reached);
    }
  };
}

// ---------------------------------------------------------------------------------------------
// ioredis: promises the adapters drop
// ---------------------------------------------------------------------------------------------

/**
 * Attaches `onRejected` to the promise of every command the Redis adapters fire and forget (classic
 * PUBLISH, streams SET/PUBLISH, sharded SSUBSCRIBE per room...), so a Redis outage never becomes an
 * unhandled rejection that kills the process (upstream socket.io-redis-emitter#139); the caller still
 * sees the rejection. The adapters call the client's public methods and offer no hook, so the
 * methods are replaced on the instance. Clients the adapters `duplicate()` from it (the streams
 * adapter's readers) are passed through `onDuplicate`.
 */
export function catchDroppedRejections<C extends Redis | Cluster>(
  client: C,
  onRejected: (err: unknown, command: string) => void,
  onDuplicate: (duplicate: Redis | Cluster) => void,
): C {
  const target = client as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const command of FIRE_AND_FORGET_COMMANDS) {
    const original = target[command]!;
    target[command] = function guarded(this: unknown, ...args: unknown[]) {
      const result = original.apply(this, args);
      if (result instanceof Promise) result.catch((err: unknown) => onRejected(err, command));
      return result;
    };
  }
  const duplicate = target.duplicate!;
  target.duplicate = function guardedDuplicate(this: unknown, ...args: unknown[]) {
    const copy = duplicate.apply(this, args) as Redis | Cluster;
    onDuplicate(copy);
    return copy;
  };
  return client;
}
