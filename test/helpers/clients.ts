import type { Ack, ClientToServerEvents, ConnectedPayload, ServerToClientEvents } from '@gamesocket/protocol';
import { io, type Socket } from 'socket.io-client';
import type { Teardown } from './service.js';
import { TEST_ORIGIN } from './service.js';
import { authCookie } from './tokens.js';
import { WAIT_MS, withTimeout } from './wait.js';

/** A typed test client. */
export type TestSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Options of `connectClient`. */
export interface ClientOptions {
  /** Access token sent in the cookie; none for an anonymous client. */
  token?: string;
  /** Origin header; default the allowed TEST_ORIGIN; null sends none. */
  origin?: string | null;
  transports?: ('websocket' | 'polling')[];
  /** Extra cookie header text (e.g. a custom cookie name). */
  cookie?: string;
  /** The Socket.IO CONNECT payload (`io(url, { auth })`), e.g. `{ token }`; sent as is. */
  auth?: Record<string, unknown>;
}

/** A connected client and the events it saw first. */
export interface ConnectedClient {
  socket: TestSocket;
  connected: ConnectedPayload;
  /** Names of every event received, in order. */
  received: string[];
}

/** Creates a real socket.io-client (no auto-reconnect), closed at teardown; does not wait. */
export function createClient(t: Teardown, url: string, options: ClientOptions = {}): TestSocket {
  const headers: Record<string, string> = {};
  const origin = options.origin === undefined ? TEST_ORIGIN : options.origin;
  if (origin !== null) headers.origin = origin;
  if (options.cookie !== undefined) headers.cookie = options.cookie;
  else if (options.token !== undefined) headers.cookie = authCookie(options.token);
  const socket: TestSocket = io(url, {
    transports: options.transports ?? ['websocket'],
    extraHeaders: headers,
    reconnection: false,
    forceNew: true,
    timeout: WAIT_MS,
    ...(options.auth !== undefined && { auth: options.auth }),
  });
  t.teardown(() => {
    socket.disconnect();
  });
  return socket;
}

/** Connects a client and waits for `system:connected` (rejects on connect_error or timeout). */
export async function connectClient(t: Teardown, url: string, options: ClientOptions = {}): Promise<ConnectedClient> {
  const socket = createClient(t, url, options);
  const received: string[] = [];
  socket.onAny((event: string) => received.push(event));
  const connected = await withTimeout(
    new Promise<ConnectedPayload>((resolve, reject) => {
      socket.once('system:connected', resolve);
      socket.once('connect_error', reject);
    }),
    WAIT_MS,
    'system:connected',
  );
  return { socket, connected, received };
}

/** Emits with an ack and waits for the answer, bounded by a timeout. */
export async function request<T = unknown>(socket: TestSocket, event: string, ...args: unknown[]): Promise<Ack<T>> {
  // The untyped emit lets tests send malformed payloads on purpose.
  const untyped = socket as unknown as Socket;
  return (await untyped.timeout(WAIT_MS).emitWithAck(event, ...args)) as Ack<T>;
}
