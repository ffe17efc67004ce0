import type { ErrorBody } from './errors.js';
import type { MembershipEndReason } from './lifecycle.js';
import type { RoomName, UserId } from './rooms.js';

/** How the socket's handshake authenticated: `ok`, or why it is anonymous. */
export type AuthState = 'ok' | 'anonymous' | 'expired' | 'invalid';

/** The identity a socket acts as, taken from the access token's claims. */
export interface User {
  userId: UserId;
  username: string;
  role: string;
}

/** The public part of a user that other players see. */
export interface PublicUser {
  userId: UserId;
  username: string;
}

/** `system:connected`: the first event on every socket. */
export interface ConnectedPayload {
  socketId: string;
  nodeId: string;
  user: User | null;
  auth: AuthState;
  /** True when connection state recovery restored rooms and missed events; else resync. */
  recovered: boolean;
  /** The user's room memberships (`room:<id>`, `match:<id>`), which this socket is already in. */
  rooms: RoomName[];
  /**
   * How long (ms) this socket may be away and still recover; 0 = this deployment cannot recover
   * (`redis` and `redis-sharded` modes, or recovery off): every reconnect needs a resync.
   */
  recoveryWindowMs: number;
  timestamp: number;
}

/** `system:ping` ack, kept outside the envelope for existing health probes. */
export interface PingResponse {
  pong: true;
  timestamp: number;
}

/** `system:pong`, when `system:ping` came without an ack. */
export interface PongPayload {
  timestamp: number;
}

/** `system:error`: an error for an event that had no ack, or a server notice. */
export interface SystemErrorPayload extends ErrorBody {
  /** The client event that caused it, when there is one. */
  event?: string;
}

/** `system:token_expiring`: refresh the access token before `exp`, then reconnect. */
export interface TokenExpiringPayload {
  /** The token's expiry, epoch seconds. */
  exp: number;
}

/** `system:disconnected`: sent before the server closes a socket on purpose. */
export interface DisconnectedPayload {
  reason: string;
}

/** `lobby:stats`. */
export interface LobbyStats {
  /** Distinct users online across the cluster. */
  online: number;
  /** Sockets connected across the cluster. */
  connections: number;
  /** Live socket service pods. */
  nodes: number;
}

/** A user's presence as others see it (`player:watch` ack, backend reads). */
export interface UserPresence {
  userId: UserId;
  online: boolean;
  /** Sockets across the cluster. */
  connections: number;
  /** `online` by default, or what the user or a backend set; null when offline. */
  status: string | null;
}

/** One member of a room, as room presence shows it (`GET /v1/rooms/:room/members`, the join ack). */
export interface RoomMemberPresence {
  userId: UserId;
  username: string;
  /** True while the user has a socket anywhere. */
  online: boolean;
  /** The user's sockets across the cluster. */
  connections: number;
}

/** The room's members: the `room:join` / `match:join` ack's `data`, and the members endpoint's body. */
export interface RoomJoinResult {
  /** The full room name. */
  room: RoomName;
  members: RoomMemberPresence[];
}

/** One room as listed in the lobby. */
export interface RoomSummary {
  roomId: string;
  name: string;
  players: number;
  maxPlayers: number;
  [key: string]: unknown;
}

/** `lobby:room_list`. */
export interface RoomListPayload {
  rooms: RoomSummary[];
}

/** `lobby:user_joined` / `lobby:user_left`. */
export type LobbyUserPayload = PublicUser;

/** A user listed online by `lobby:presence_diff`: name and status now. */
export interface LobbyOnlineEntry {
  userId: UserId;
  username: string;
  status: string;
}

/** A status listed by `lobby:presence_diff`. */
export interface LobbyStatusEntry {
  userId: UserId;
  status: string;
}

/**
 * `lobby:presence_diff`: the presence changes of one pod's last interval (`PRESENCE_DIFF_MS`), to the
 * lobby. A user is in at most one list. `online` adds or replaces a user, `offline` removes one,
 * `status` updates one already listed (a status for a user not listed can be ignored: their `online`
 * entry carries it).
 */
export interface LobbyPresenceDiffPayload {
  online: LobbyOnlineEntry[];
  offline: UserId[];
  status: LobbyStatusEntry[];
}

/**
 * `room:player_joined`: a user gained a membership of the room (sent by the service once per
 * transition, to the room's members and the user's own sockets).
 */
export interface PlayerJoinedPayload {
  /** The room's id (`42` of `room:42`). */
  roomId: string;
  /** The full room name (`room:42`, `match:7`). */
  room: RoomName;
  user: PublicUser;
}

/**
 * `room:player_left`: a user's membership ended (sent by the service once per transition, to the
 * room's members and the user's own sockets).
 */
export interface PlayerLeftPayload {
  /** The room's id (`42` of `room:42`). */
  roomId: string;
  /** The full room name. */
  room: RoomName;
  userId: UserId;
  reason: MembershipEndReason;
}

/** `room:player_ready`. */
export interface PlayerReadyPayload {
  roomId: string;
  userId: UserId;
  ready: boolean;
}

/** `room:chat_message` as delivered to the room. */
export interface ChatMessagePayload {
  roomId: string;
  from: PublicUser;
  text: string;
  timestamp: number;
}

/** `room:delete`. */
export interface RoomDeletedPayload {
  roomId: string;
}

/** `match:started`. */
export interface MatchStartedPayload {
  matchId: string;
  roomId?: string;
  players?: PublicUser[];
  [key: string]: unknown;
}

/** `match:ended`. */
export interface MatchEndedPayload {
  matchId: string;
  result?: unknown;
  [key: string]: unknown;
}

/** `match:state_update`: high rate game state; `seq` lets clients drop stale frames. */
export interface MatchStatePayload {
  matchId: string;
  seq?: number;
  state: unknown;
}

/** `player:online` / `player:offline`. */
export interface PlayerPresencePayload {
  userId: UserId;
  username?: string;
  timestamp: number;
}

/** `player:status_change` as broadcast. */
export interface PlayerStatusPayload {
  userId: UserId;
  status: string;
  timestamp: number;
}

/** Rooms a payload may be addressed to, for documentation of the maps. */
export type Audience = RoomName | RoomName[];
