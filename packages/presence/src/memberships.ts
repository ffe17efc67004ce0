import type { MembershipEndReason, RoomMemberPresence, RoomName, UserId } from '@gamesocket/protocol';
import type { UserRef } from './presence.js';

/** One member of a room, as room presence shows it (the protocol's `RoomMemberPresence`). */
export type RoomMember = RoomMemberPresence;

/** Result of `Memberships.grant`. */
export interface Grant {
  granted: boolean;
  username: string;
}

/** A membership that ended, and whose. */
export interface EndedMembership {
  userId: UserId;
  room: RoomName;
}

/** A room and how many members it has. */
export interface RoomSummary {
  room: RoomName;
  members: number;
}

/** Options of `Memberships.rooms`. */
export interface RoomsQuery {
  /** Rooms returned at most (the first by name). */
  limit: number;
  /** Only room names containing this text (case-insensitive); empty or undefined = all. */
  search?: string;
}

/** Result of `Memberships.rooms`. */
export interface RoomListing {
  /** At most `limit` rooms, ordered by name. */
  rooms: RoomSummary[];
  /** Rooms with members matching the search (all of them when there is none). */
  matched: number;
}

/**
 * Room memberships as cluster state: a (user, room) pair for `room:<id>` and `match:<id>` that belongs
 * to the user, not to a socket. Granted by a ticket or backend join; ended by a leave, kick,
 * revocation, room close or the grace (`graceMs` without any socket of the user). Every transition
 * happens once cluster-wide and is appended to the lifecycle feed by the same atomic step; the
 * methods report which transitions they made, so their caller announces each exactly once.
 * Implementations: memory (one node) and Redis (standalone and Cluster). A socket's handshake reads
 * its user's memberships with the presence registration (`Presence.addSocket`).
 */
export interface Memberships {
  /**
   * Grants `user` a membership of `room`; `granted` is true when it is new (`room:player_joined`).
   * `username` is the one given, else the one stored with the user's presence, else the user id.
   */
  grant(user: { userId: UserId; username?: string }, room: RoomName, nodeId: string): Promise<Grant>;
  /** Ends memberships of a user; resolves the rooms the user held (`room:player_left` each). */
  end(userId: UserId, rooms: readonly RoomName[], reason: MembershipEndReason, nodeId: string): Promise<RoomName[]>;
  /** Ends every membership of a user (a revocation); resolves the rooms the user held. */
  endAll(userId: UserId, reason: MembershipEndReason, nodeId: string): Promise<RoomName[]>;
  /** Ends every membership of a room (`closed`); resolves the users who held one, by user id. */
  closeRoom(room: RoomName, nodeId: string): Promise<UserId[]>;
  /** The rooms a user holds. */
  roomsOf(userId: UserId): Promise<RoomName[]>;
  /**
   * The rooms that have members, cluster-wide: the first `limit` by name among those containing
   * `search`. Reads every shard (Redis: a SCAN of each master): an operator's tool, not a hot path.
   */
  rooms(query: RoomsQuery): Promise<RoomListing>;
  /** A room's members with their presence, ordered by user id. */
  members(room: RoomName): Promise<RoomMember[]>;
  /**
   * Ends the memberships of users who have had no socket for the grace (`expired`); any pod may call
   * it at any time, each expiry happens once. Resolves what it ended.
   */
  expire(nodeId: string): Promise<EndedMembership[]>;
  /**
   * Grants memberships the store lost (Redis restarted empty) back from what a pod's sockets hold;
   * quietly: no lifecycle entries, nothing to announce. Resolves how many it restored.
   */
  restore(users: readonly (UserRef & { rooms: readonly RoomName[] })[], nodeId: string): Promise<number>;
}
