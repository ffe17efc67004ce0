import type { LifecycleData, LifecycleEvent, MembershipEndReason, RoomName, UserId } from '@gamesocket/protocol';
import type { MemoryLifecycle } from './memory-lifecycle.js';
import { page } from './listing.js';
import type { EndedMembership, Grant, Memberships, RoomListing, RoomMember, RoomsQuery } from './memberships.js';

/** What the memberships read of presence: a user's sockets and name. */
export interface PresenceView {
  connections(userId: UserId): number;
  username(userId: UserId): string | undefined;
}

/** Options of `MemoryMemberships`. */
export interface MemoryMembershipsOptions {
  /** How long a user with no socket keeps their memberships. Default 120 000 ms. */
  graceMs?: number;
  /** The in-process lifecycle feed transitions are handed to. */
  lifecycle?: MemoryLifecycle;
  /** The clock (tests move it). Default `Date.now`. */
  now?: () => number;
}

const NO_PRESENCE: PresenceView = { connections: () => 0, username: () => undefined };

/**
 * The memberships of a single node (`memory` mode). `MemoryPresence` attaches itself (for who is
 * online) and reports each user's first and last socket, which starts and stops the grace.
 */
export class MemoryMemberships implements Memberships {
  private readonly userRooms = new Map<UserId, Set<RoomName>>();
  /** room -> userId -> username */
  private readonly roomMembers = new Map<RoomName, Map<UserId, string>>();
  /** userId -> when the grace of a user with memberships and no socket ends */
  private readonly offlineUntil = new Map<UserId, number>();
  private readonly graceMs: number;
  private readonly now: () => number;
  private presence: PresenceView = NO_PRESENCE;

  constructor(private readonly options: MemoryMembershipsOptions = {}) {
    this.graceMs = options.graceMs ?? 120_000;
    this.now = options.now ?? Date.now;
  }

  /** Called by `MemoryPresence`: who is online. */
  attachPresence(view: PresenceView): void {
    this.presence = view;
  }

  /** The rooms a user holds, now. */
  roomsNow(userId: UserId): RoomName[] {
    return [...(this.userRooms.get(userId) ?? [])];
  }

  /** Called by `MemoryPresence` on a user's first socket: the grace stops. */
  userOnline(userId: UserId): void {
    this.offlineUntil.delete(userId);
  }

  /** Called by `MemoryPresence` on a user's last socket: the grace starts when they hold memberships. */
  userOffline(userId: UserId): void {
    if (this.userRooms.has(userId)) this.offlineUntil.set(userId, this.now() + this.graceMs);
  }

  private append(event: LifecycleEvent, data: LifecycleData, nodeId: string): void {
    this.options.lifecycle?.append({ event, data, nodeId, ts: this.now() });
  }

  async grant(user: { userId: UserId; username?: string }, room: RoomName, nodeId: string): Promise<Grant> {
    const { userId } = user;
    let rooms = this.userRooms.get(userId);
    if (rooms?.has(room) === true)
      return { granted: false, username: this.roomMembers.get(room)?.get(userId) ?? userId };
    if (rooms === undefined) this.userRooms.set(userId, (rooms = new Set()));
    rooms.add(room);
    const username = user.username ?? this.presence.username(userId) ?? userId;
    let members = this.roomMembers.get(room);
    if (members === undefined) this.roomMembers.set(room, (members = new Map()));
    members.set(userId, username);
    if (this.presence.connections(userId) === 0 && !this.offlineUntil.has(userId)) {
      this.offlineUntil.set(userId, this.now() + this.graceMs);
    }
    this.append('room:player_joined', { userId, username, room }, nodeId);
    return { granted: true, username };
  }

  private endOne(userId: UserId, room: RoomName, reason: MembershipEndReason, nodeId: string): boolean {
    const rooms = this.userRooms.get(userId);
    if (rooms?.delete(room) !== true) return false;
    if (rooms.size === 0) {
      this.userRooms.delete(userId);
      this.offlineUntil.delete(userId);
    }
    this.append('room:player_left', { userId, room, reason }, nodeId);
    const members = this.roomMembers.get(room);
    members?.delete(userId);
    if (members?.size === 0) {
      this.roomMembers.delete(room);
      this.append('room:emptied', { room }, nodeId);
    }
    return true;
  }

  async end(
    userId: UserId,
    rooms: readonly RoomName[],
    reason: MembershipEndReason,
    nodeId: string,
  ): Promise<RoomName[]> {
    return rooms.filter((room) => this.endOne(userId, room, reason, nodeId));
  }

  async endAll(userId: UserId, reason: MembershipEndReason, nodeId: string): Promise<RoomName[]> {
    return this.end(userId, this.roomsNow(userId), reason, nodeId);
  }

  async closeRoom(room: RoomName, nodeId: string): Promise<UserId[]> {
    const users = [...(this.roomMembers.get(room)?.keys() ?? [])].sort();
    return users.filter((userId) => this.endOne(userId, room, 'closed', nodeId));
  }

  async roomsOf(userId: UserId): Promise<RoomName[]> {
    return this.roomsNow(userId);
  }

  async rooms(query: RoomsQuery): Promise<RoomListing> {
    const { ids, matched } = page(this.roomMembers.keys(), query);
    return { rooms: ids.map((room) => ({ room, members: this.roomMembers.get(room)?.size ?? 0 })), matched };
  }

  async members(room: RoomName): Promise<RoomMember[]> {
    return [...(this.roomMembers.get(room) ?? [])]
      .map(([userId, username]) => {
        const connections = this.presence.connections(userId);
        return { userId, username, online: connections > 0, connections };
      })
      .sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
  }

  async expire(nodeId: string): Promise<EndedMembership[]> {
    const now = this.now();
    const ended: EndedMembership[] = [];
    for (const [userId, until] of [...this.offlineUntil]) {
      if (until > now) continue;
      this.offlineUntil.delete(userId);
      if (this.presence.connections(userId) > 0) continue;
      for (const room of this.roomsNow(userId)) {
        if (this.endOne(userId, room, 'expired', nodeId)) ended.push({ userId, room });
      }
    }
    return ended;
  }

  /** Nothing to restore: in one process the store cannot be lost while the pod lives. */
  async restore(): Promise<number> {
    return 0;
  }
}
