import { randomBytes } from 'node:crypto';
import type { PublicUser, RoomSummary, UserId } from '@gamesocket/protocol';

/** Players per room when `room:create` names no `maxPlayers`. */
export const DEFAULT_MAX_PLAYERS = 4;

/** Rooms the list holds at most: a `room:create` beyond it is dropped (the lobby list stays bounded). */
export const MAX_ROOMS = 100;

/** A room as this backend keeps it. */
export interface Room {
  roomId: string;
  name: string;
  maxPlayers: number;
  /** Players by user id, in join order, with their ready flag. */
  players: Map<UserId, PublicUser & { ready: boolean }>;
}

/** A room with its players, as the join endpoint returns it to the joining player. */
export interface RoomDetail extends RoomSummary {
  /** In join order, with their ready flag. */
  members: (PublicUser & { ready: boolean })[];
}

/** The outcome of `RoomStore.join`. */
export type JoinResult = 'joined' | 'already' | 'full' | 'unknown';

/**
 * The in-memory room list: the game state of this example. One process owns it; a real backend
 * keeps it in its own database (see the README).
 */
export class RoomStore {
  private readonly rooms = new Map<string, Room>();
  /** The room each `room:create` intent made, so a redelivered intent does not make a second one. */
  private readonly byIntent = new Map<string, string>();

  /**
   * Creates a room with `creator` in it; for an intent id seen before, returns the room it made;
   * undefined when the list holds `MAX_ROOMS` already.
   */
  create(intentId: string, name: string, maxPlayers: number | undefined, creator: PublicUser): Room | undefined {
    const existing = this.get(this.byIntent.get(intentId) ?? '');
    if (existing !== undefined) return existing;
    if (this.rooms.size >= MAX_ROOMS) return undefined;
    const roomId = randomBytes(4).toString('hex');
    const room: Room = { roomId, name, maxPlayers: maxPlayers ?? DEFAULT_MAX_PLAYERS, players: new Map() };
    room.players.set(creator.userId, { ...creator, ready: false });
    this.rooms.set(roomId, room);
    this.byIntent.set(intentId, roomId);
    return room;
  }

  /** The room, or undefined. */
  get(roomId: string): Room | undefined {
    return this.rooms.get(roomId);
  }

  /** Adds `player` unless the room is unknown, full, or already has them. */
  join(roomId: string, player: PublicUser): JoinResult {
    const room = this.rooms.get(roomId);
    if (room === undefined) return 'unknown';
    if (room.players.has(player.userId)) return 'already';
    if (room.players.size >= room.maxPlayers) return 'full';
    room.players.set(player.userId, { ...player, ready: false });
    return 'joined';
  }

  /**
   * Frees a player's seat (their membership ended); when the room is left empty it is deleted.
   * Answers what changed: `left`, `emptied` (left and the room deleted), or `none`.
   */
  leave(roomId: string, userId: UserId): 'left' | 'emptied' | 'none' {
    const room = this.rooms.get(roomId);
    if (room?.players.delete(userId) !== true) return 'none';
    if (room.players.size > 0) return 'left';
    this.rooms.delete(roomId);
    for (const [intentId, id] of this.byIntent) if (id === roomId) this.byIntent.delete(intentId);
    return 'emptied';
  }

  /** Sets a member's ready flag; false when the room is unknown or the user is not in it. */
  setReady(roomId: string, userId: UserId, ready: boolean): boolean {
    const player = this.rooms.get(roomId)?.players.get(userId);
    if (player === undefined) return false;
    player.ready = ready;
    return true;
  }

  /** True when `userId` is a player of the room. */
  isMember(roomId: string, userId: UserId): boolean {
    return this.rooms.get(roomId)?.players.has(userId) ?? false;
  }

  /** The lobby's view of one room. */
  summary(room: Room): RoomSummary {
    return { roomId: room.roomId, name: room.name, players: room.players.size, maxPlayers: room.maxPlayers };
  }

  /** The room with its players (what a joining player needs to draw it). */
  detail(room: Room): RoomDetail {
    return { ...this.summary(room), members: [...room.players.values()].map((player) => ({ ...player })) };
  }

  /** The lobby's view of every room, oldest first. */
  list(): RoomSummary[] {
    return [...this.rooms.values()].map((room) => this.summary(room));
  }
}
