import {
  parseRoom,
  rooms as roomNames,
  type MembershipEndReason,
  type PlayerJoinedPayload,
  type PlayerLeftPayload,
  type RoomName,
  type UserId,
} from '@gamesocket/protocol';
import type { EndedMembership, Memberships } from './memberships.js';

/**
 * How membership changes reach sockets, on every pod: a pod implements it with its Socket.IO
 * server, the emitter with Redis. Each call is a cluster-wide broadcast.
 */
export interface MembershipSignals {
  /** Every socket of `userId` joins `rooms`. */
  join(userId: UserId, rooms: RoomName[]): Promise<void> | void;
  /** Every socket of `userId` leaves `rooms`. */
  leave(userId: UserId, rooms: RoomName[]): Promise<void> | void;
  /** Every socket in `room` leaves it. */
  clear(room: RoomName): Promise<void> | void;
  /** Sends a membership event to the sockets in any of `to` (each once). */
  emit(
    to: RoomName[],
    ...event: ['room:player_joined', PlayerJoinedPayload] | ['room:player_left', PlayerLeftPayload]
  ): Promise<void> | void;
}

const idOf = (room: RoomName): string => parseRoom(room)?.id ?? room;

/** True for the rooms memberships are held of: `room:<id>` and `match:<id>`. */
export function isMembershipRoom(room: RoomName): boolean {
  const kind = parseRoom(room)?.kind;
  return kind === 'room' || kind === 'match';
}

/**
 * The one path every membership change takes, whoever asks (a client's ticket or leave, the HTTP
 * API, the emitter, the grace): change the store, then move the user's sockets and announce
 * `room:player_joined` / `room:player_left` — once per transition cluster-wide, since only the
 * caller whose store call made the transition announces it. The user's own sockets get the event
 * through their `user:` room too, so a kicked player hears it even if the leave overtakes it.
 */
export class MembershipActions {
  constructor(
    private readonly memberships: Memberships,
    private readonly signals: MembershipSignals,
    private readonly nodeId: string,
  ) {}

  /**
   * Grants `rooms` to the user and puts every socket of theirs in them; resolves the memberships that
   * are new. Rooms that are not memberships (the lobby) only move the sockets connected now.
   */
  async join(user: { userId: UserId; username?: string }, rooms: readonly RoomName[]): Promise<RoomName[]> {
    const held = rooms.filter(isMembershipRoom);
    const grants = await Promise.all(held.map((room) => this.memberships.grant(user, room, this.nodeId)));
    await this.signals.join(user.userId, [...rooms]);
    const added: RoomName[] = [];
    for (const [i, grant] of grants.entries()) {
      const room = held[i] as RoomName;
      if (!grant.granted) continue;
      added.push(room);
      await this.signals.emit([room, roomNames.user(user.userId)], 'room:player_joined', {
        roomId: idOf(room),
        room,
        user: { userId: user.userId, username: grant.username },
      });
    }
    return added;
  }

  /**
   * Ends the user's memberships of `rooms` and takes every socket of theirs out; resolves the
   * memberships they held. Rooms that are not memberships only move the sockets connected now.
   */
  async leave(userId: UserId, rooms: readonly RoomName[], reason: MembershipEndReason): Promise<RoomName[]> {
    const ended = await this.memberships.end(userId, rooms.filter(isMembershipRoom), reason, this.nodeId);
    await this.announceLeft(
      ended.map((room) => ({ userId, room })),
      reason,
    );
    await this.signals.leave(userId, [...rooms]);
    return ended;
  }

  /** Ends every membership of a revoked user; resolves the rooms they held. */
  async revoke(userId: UserId): Promise<RoomName[]> {
    const ended = await this.memberships.endAll(userId, 'revoked', this.nodeId);
    await this.announceLeft(
      ended.map((room) => ({ userId, room })),
      'revoked',
    );
    if (ended.length > 0) await this.signals.leave(userId, ended);
    return ended;
  }

  /** Ends every membership of `room` and empties it; resolves the users who held one. */
  async close(room: RoomName): Promise<UserId[]> {
    const users = await this.memberships.closeRoom(room, this.nodeId);
    await this.announceLeft(
      users.map((userId) => ({ userId, room })),
      'closed',
    );
    await this.signals.clear(room);
    return users;
  }

  /** Ends the memberships whose grace is over (any pod may call it; each ends once); resolves them. */
  async expire(): Promise<EndedMembership[]> {
    const ended = await this.memberships.expire(this.nodeId);
    await this.announceLeft(ended, 'expired');
    return ended;
  }

  private async announceLeft(ended: readonly EndedMembership[], reason: MembershipEndReason): Promise<void> {
    for (const { userId, room } of ended) {
      await this.signals.emit([room, roomNames.user(userId)], 'room:player_left', {
        roomId: idOf(room),
        room,
        userId,
        reason,
      });
    }
  }
}
