import type { AuthState, ClientToServerEvents, ServerToClientEvents, User } from '@gamesocket/protocol';
import type { Server, Socket } from 'socket.io';

/** Per-socket state set by the auth middleware. */
export interface SocketData {
  user: User | null;
  auth: AuthState;
  /** The access token's `exp` in epoch seconds, when authenticated. */
  tokenExp: number | undefined;
  /** The access token's `jti`, when it has one: the handshake checks it against the deny-list. */
  jti?: string | undefined;
}

/** Events between pods (none yet: the adapter carries broadcasts). */
export type InterServerEvents = Record<string, never>;

/** The typed Socket.IO server of this service. */
export type GameServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/** A typed socket of this service. */
export type GameSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
