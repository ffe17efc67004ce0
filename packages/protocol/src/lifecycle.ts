import type { RoomName, UserId } from './rooms.js';
import { epochMsField, streamFields } from './stream-fields.js';

/**
 * The lifecycle feed: every presence and membership transition, appended exactly once cluster-wide by the Redis
 * script that makes it (or, in `memory` mode, handed to in-process listeners). Backends read it to learn that a
 * player dropped (`player:offline`), came back (`player:online`) or left a room (`room:player_left`).
 */
export const LIFECYCLE_EVENTS = [
  'player:online',
  'player:offline',
  'room:player_joined',
  'room:player_left',
  'room:emptied',
] as const;

/** One kind of lifecycle transition. */
export type LifecycleEvent = (typeof LIFECYCLE_EVENTS)[number];

/** Why a membership ended: the user's own leave, a backend kick, a revocation, the room closing, or the grace. */
export const MEMBERSHIP_END_REASONS = ['left', 'kicked', 'revoked', 'closed', 'expired'] as const;

/** Why a membership ended (`room:player_left.reason`, the lifecycle entry's `data.reason`). */
export type MembershipEndReason = (typeof MEMBERSHIP_END_REASONS)[number];

/** The `data` of a lifecycle entry (JSON in the stream). */
export interface LifecycleData {
  /** The user; absent only for `room:emptied`. */
  userId?: UserId;
  /** The user's name where known. */
  username?: string;
  /** The full room name (`room:<id>` / `match:<id>`) of a room event. */
  room?: RoomName;
  /** Why a membership ended (`room:player_left`). */
  reason?: MembershipEndReason;
}

/** One transition as a backend reads it. */
export interface LifecycleEntry {
  /** The stream entry id (`<ms>-<seq>`; in memory mode a counter in the same form). */
  id: string;
  event: LifecycleEvent;
  data: LifecycleData;
  /** The pod (or emitter) that made the transition. */
  nodeId: string;
  /** When, epoch ms (Redis time in Redis modes). */
  ts: number;
}

/** The fields of a lifecycle stream entry, in the order the scripts write them. */
export const LIFECYCLE_FIELDS = ['event', 'data', 'nodeId', 'ts'] as const;

/** Default approximate cap of each lifecycle stream (the service's `LIFECYCLE_STREAM_MAX_LEN`). */
export const DEFAULT_LIFECYCLE_STREAM_MAX_LEN = 10_000;

const lifecycleEventSet: ReadonlySet<string> = new Set(LIFECYCLE_EVENTS);

/** True when `name` is a lifecycle event. */
export function isLifecycleEvent(name: unknown): name is LifecycleEvent {
  return typeof name === 'string' && lifecycleEventSet.has(name);
}

/** Thrown by `decodeLifecycleEntry` for an entry that is not a well-formed lifecycle entry. */
export class LifecycleDecodeError extends Error {
  constructor(
    /** The stream entry id. */
    readonly entryId: string,
    reason: string,
  ) {
    super(`malformed lifecycle entry ${entryId}: ${reason}`);
    this.name = 'LifecycleDecodeError';
  }
}

/** Encodes a transition as the flat `[field, value, ...]` list XADD takes (the order of `LIFECYCLE_FIELDS`). */
export function encodeLifecycleFields(entry: Omit<LifecycleEntry, 'id'>): string[] {
  return ['event', entry.event, 'data', JSON.stringify(entry.data), 'nodeId', entry.nodeId, 'ts', String(entry.ts)];
}

const optionalString = (value: unknown): boolean => value === undefined || typeof value === 'string';

/**
 * Decodes a stream entry (its id and the flat field list XREADGROUP returns). Throws `LifecycleDecodeError` when a
 * field is missing, the list has an odd length, the event is unknown, `data` is not a JSON object of the documented
 * fields or `ts` is not epoch ms. Unknown fields are ignored.
 */
export function decodeLifecycleEntry(id: string, fields: readonly string[]): LifecycleEntry {
  const fail = (reason: string): never => {
    throw new LifecycleDecodeError(id, reason);
  };
  const field = streamFields(fields, fail);
  const event = field('event');
  if (!isLifecycleEvent(event)) throw new LifecycleDecodeError(id, `not a lifecycle event: ${JSON.stringify(event)}`);
  let data: unknown;
  try {
    data = JSON.parse(field('data'));
  } catch {
    throw new LifecycleDecodeError(id, 'data is not JSON');
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new LifecycleDecodeError(id, 'data is not an object');
  }
  const { userId, username, room, reason } = data as Record<string, unknown>;
  if (![userId, username, room].every(optionalString)) throw new LifecycleDecodeError(id, 'data has a non-string id');
  if (reason !== undefined && !(MEMBERSHIP_END_REASONS as readonly unknown[]).includes(reason)) {
    throw new LifecycleDecodeError(id, `unknown reason: ${JSON.stringify(reason)}`);
  }
  const ts = epochMsField(field('ts'), 'ts', fail);
  const clean: LifecycleData = {};
  if (userId !== undefined) clean.userId = userId as string;
  if (username !== undefined) clean.username = username as string;
  if (room !== undefined) clean.room = room as string;
  if (reason !== undefined) clean.reason = reason as MembershipEndReason;
  return { id, event, data: clean, nodeId: field('nodeId'), ts };
}
