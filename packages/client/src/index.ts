import { io, type Socket } from 'socket.io-client';
import type {
  Ack,
  AckError,
  ClientPayload,
  ClientToServerEvents,
  ConnectedPayload,
  IntentEvent,
  LobbyStats,
  RoomJoinResult,
  ServerToClientEvents,
  UserPresence,
} from '@gamesocket/protocol';

// Only types come from @gamesocket/protocol: its runtime (TypeBox schemas) stays out of the bundle.

/** The typed socket.io-client socket underneath (use it for `on` / `off`). */
export type GameClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Client events answered with the `{ ok, data } | { ok: false, error }` envelope (all but `system:ping`). */
export type RequestEvent = Exclude<keyof ClientToServerEvents, 'system:ping'>;

type AckCallbackOf<E extends RequestEvent> = Extract<
  Parameters<ClientToServerEvents[E]>[number],
  (...args: never[]) => void
>;

/** The `data` type of the ack of `E`. */
export type AckData<E extends RequestEvent> = AckCallbackOf<E> extends (response: Ack<infer T>) => void ? T : never;

/** The arguments after the event name: `[payload]` for events that take one, none otherwise. */
export type RequestArgs<E extends RequestEvent> =
  Parameters<ClientToServerEvents[E]> extends [infer P, ...unknown[]] ? [payload: P] : [];

/** Options of `createGameSocket`. */
export interface GameSocketOptions {
  /** The socket service, e.g. `https://rt.example.com`; the page's origin when omitted in a browser. */
  url: string;
  /** Socket.IO path; default `/socket.io`. */
  path?: string;
  /** Send cookies cross-origin (the httpOnly `accessToken` cookie); default true. */
  withCredentials?: boolean;
  /** Default `['websocket', 'polling']`: websocket first, long-polling when the websocket cannot open. */
  transports?: ('websocket' | 'polling')[];
  /** Extra handshake headers. Node only (browsers cannot set them; they send the cookie themselves). */
  extraHeaders?: Record<string, string>;
  /**
   * An access token sent in the Socket.IO CONNECT payload (`auth: { token }`), for clients without the
   * cookie (native builds, bots). The service reads the cookie first. Prefer `getToken` for a token that
   * gets refreshed.
   */
  token?: string;
  /**
   * Returns the access token to send in the CONNECT payload; called before every connect and reconnect,
   * so a refreshed token is used. `undefined` or a rejection connects without a token (as anonymous).
   * Overrides `token`.
   */
  getToken?: () => string | undefined | Promise<string | undefined>;
  /** Connect right away; default true. Otherwise call `socket.connect()`. */
  autoConnect?: boolean;
  /**
   * Refreshes the access token cookie (e.g. `fetch('/auth/refresh', { method: 'POST', credentials: 'include' })`),
   * or the token `getToken` returns. Called on `system:token_expiring` and on `system:error AUTH_EXPIRED`, one
   * call at a time.
   */
  refreshAuth?: () => Promise<void>;
  /**
   * Called on every `system:connected` after the first one that did not recover the session: the socket is in
   * no room it joined before and missed events are lost, so refetch state (rooms, presence, lists) and rejoin.
   */
  onResync?: (info: ConnectedPayload) => void;
  /** How long `request` waits for an ack; default 10 000 ms. */
  ackTimeoutMs?: number;
}

/** A gamesocket connection for a game frontend. */
export interface GameSocket {
  /** The typed socket.io-client socket (`on`, `off`, `connect`, and `socket.io` for the manager). */
  readonly socket: GameClientSocket;
  /**
   * Resolves with the first `system:connected`. Rejects with the first `connect_error` (an `Error`; `data` holds
   * `{ code, message }` when the server refused the handshake, e.g. `CONNECTION_LIMIT`).
   */
  readonly ready: Promise<ConnectedPayload>;
  /** The last `system:connected`; undefined before the first. */
  readonly connected: ConnectedPayload | undefined;
  /** True when the last (re)connect recovered the session (rooms and missed events restored). */
  readonly recovered: boolean;
  /** Emits with an ack; resolves the envelope, never throws (timeout: `UNAVAILABLE`). */
  request<E extends RequestEvent>(event: E, ...args: RequestArgs<E>): Promise<Ack<AckData<E>>>;
  /** Round trip of `system:ping` in ms; rejects after `ackTimeoutMs`. */
  ping(): Promise<number>;
  joinLobby(): Promise<Ack>;
  leaveLobby(): Promise<Ack>;
  lobbyStats(): Promise<Ack<LobbyStats>>;
  setStatus(status: string): Promise<Ack>;
  /** Watches users' presence; the ack carries the presence now of those this socket did not watch yet. */
  watch(userIds: string[]): Promise<Ack<UserPresence[]>>;
  unwatch(userIds: string[]): Promise<Ack>;
  /** Joins a room with a ticket; the membership outlives this connection. The ack lists the room's members. */
  joinRoom(roomId: string, ticket: string): Promise<Ack<RoomJoinResult>>;
  leaveRoom(roomId: string): Promise<Ack>;
  /** Joins a match with a ticket; the ack lists its members. */
  joinMatch(matchId: string, ticket: string): Promise<Ack<RoomJoinResult>>;
  leaveMatch(matchId: string): Promise<Ack>;
  /** Sends a client intent; the ack carries its stream entry id. */
  sendIntent<E extends IntentEvent>(event: E, payload: ClientPayload<E>): Promise<Ack<{ id: string }>>;
  /** Disconnects for good (no reconnect). */
  close(): void;
}

const unavailable = (message: string): AckError => ({ ok: false, error: { code: 'UNAVAILABLE', message } });

/** socket.io-client's `auth` option: the CONNECT payload, or a function that produces it for each CONNECT. */
type AuthOption = Record<string, unknown> | ((send: (payload: Record<string, unknown>) => void) => void);

/** The CONNECT payload carrying `token` / `getToken()`; undefined when neither is set (the cookie alone). */
function tokenAuth(options: GameSocketOptions): AuthOption | undefined {
  const { getToken, token } = options;
  if (getToken !== undefined) {
    return (send) => {
      // Never leaves the CONNECT unsent: a failed getToken connects without a token.
      Promise.resolve()
        .then(getToken)
        .then(
          (value) => send(value === undefined ? {} : { token: value }),
          () => send({}),
        );
    };
  }
  return token === undefined ? undefined : { token };
}

const isAck = (value: unknown): value is Ack<unknown> =>
  typeof value === 'object' && value !== null && typeof (value as { ok?: unknown }).ok === 'boolean';

/** Creates a typed gamesocket connection (see the package README). */
export function createGameSocket(options: GameSocketOptions): GameSocket {
  const ackTimeoutMs = options.ackTimeoutMs ?? 10_000;
  const auth = tokenAuth(options);
  const socket: GameClientSocket = io(options.url, {
    path: options.path ?? '/socket.io',
    withCredentials: options.withCredentials ?? true,
    transports: options.transports ?? ['websocket', 'polling'],
    // Without it a failed websocket is a connect_error and polling is never tried.
    tryAllTransports: true,
    autoConnect: options.autoConnect ?? true,
    // One manager per GameSocket: closing or reconnecting one never touches another.
    forceNew: true,
    ...(options.extraHeaders !== undefined && { extraHeaders: options.extraHeaders }),
    ...(auth !== undefined && { auth }),
  });
  // The socket.io-client typings cannot express a generic event with a trailing ack; this one is untyped.
  const untyped = socket as unknown as Socket;

  let last: ConnectedPayload | undefined;
  let settle: { resolve: (info: ConnectedPayload) => void; reject: (err: Error) => void } | undefined;
  const ready = new Promise<ConnectedPayload>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // Apps that never await `ready` must not get an unhandled rejection; awaiting it still rejects.
  ready.catch(() => undefined);

  socket.on('system:connected', (info) => {
    const first = last === undefined;
    last = info;
    if (first) settle?.resolve(info);
    else if (!info.recovered) options.onResync?.(info);
    settle = undefined;
  });
  socket.on('connect_error', (err) => {
    settle?.reject(err);
    settle = undefined;
  });

  let refreshing: Promise<boolean> | undefined;
  /** Runs `refreshAuth` (one call at a time); true when it resolved. */
  const refresh = (): Promise<boolean> => {
    const refreshAuth = options.refreshAuth;
    if (refreshAuth === undefined) return Promise.resolve(false);
    refreshing ??= refreshAuth()
      .then(
        () => true,
        () => false,
      )
      .finally(() => {
        refreshing = undefined;
      });
    return refreshing;
  };
  /**
   * Closes the transport: socket.io-client reconnects (with the refreshed cookie, or calling `getToken` again)
   * and recovers where it can.
   */
  const reconnect = (): void => {
    if (socket.connected) socket.io.engine.close();
  };

  socket.on('system:token_expiring', () => {
    // Refresh before `exp`, then reconnect so the handshake carries the new cookie.
    void refresh().then((ok) => ok && reconnect());
  });
  socket.on('system:error', (error) => {
    if (error.code !== 'AUTH_EXPIRED') return;
    // The server closes the transport right after this; socket.io-client reconnects by itself (after its
    // reconnection delay). If that reconnect beat the refresh and came back without a valid token, go again.
    void refresh().then((ok) => ok && last?.auth !== 'ok' && reconnect());
  });

  const request = <E extends RequestEvent>(event: E, ...args: RequestArgs<E>): Promise<Ack<AckData<E>>> =>
    new Promise((resolve) => {
      untyped.timeout(ackTimeoutMs).emit(event, ...args, (err: Error | null, response: unknown) => {
        if (err) resolve(unavailable(err.message.includes('timed out') ? 'timeout' : 'disconnected'));
        else if (isAck(response)) resolve(response as Ack<AckData<E>>);
        else resolve({ ok: false, error: { code: 'INTERNAL', message: 'malformed ack' } });
      });
    });

  return {
    socket,
    ready,
    get connected() {
      return last;
    },
    get recovered() {
      return last?.recovered === true;
    },
    request,
    async ping() {
      const start = Date.now();
      await untyped.timeout(ackTimeoutMs).emitWithAck('system:ping');
      return Date.now() - start;
    },
    joinLobby: () => request('lobby:join'),
    leaveLobby: () => request('lobby:leave'),
    lobbyStats: () => request('lobby:stats'),
    setStatus: (status) => request('player:status_change', { status }),
    watch: (userIds) => request('player:watch', { userIds }),
    unwatch: (userIds) => request('player:unwatch', { userIds }),
    joinRoom: (roomId, ticket) => request('room:join', { roomId, ticket }),
    leaveRoom: (roomId) => request('room:leave', { roomId }),
    joinMatch: (matchId, ticket) => request('match:join', { matchId, ticket }),
    leaveMatch: (matchId) => request('match:leave', { matchId }),
    sendIntent: <E extends IntentEvent>(event: E, payload: ClientPayload<E>) =>
      request(event, ...([payload] as RequestArgs<E>)) as Promise<Ack<{ id: string }>>,
    close() {
      socket.disconnect();
    },
  };
}

export type {
  Ack,
  AckError,
  AckOk,
  ClientToServerEvents,
  ConnectedPayload,
  ErrorCode,
  IntentEvent,
  ServerToClientEvents,
} from '@gamesocket/protocol';
