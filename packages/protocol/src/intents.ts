import { domainOf } from './events.js';
import type { ClientPayload } from './schemas.js';
import { rooms, type RoomName, type UserId } from './rooms.js';

/**
 * Client intents: game actions the socket service does not handle itself. Each is checked
 * (signed in, schema, rate, membership of the room it names), stamped with the sender and
 * appended to the Redis Stream of its domain for backend services. The value says which room the
 * sender must be in (`undefined`: none).
 */
export const INTENTS = {
  'room:create': undefined,
  'room:update': 'room',
  'room:player_ready': 'room',
  'room:chat_message': 'room',
  'match:start': 'room',
  'match:end': 'match',
} as const satisfies Record<string, 'room' | 'match' | undefined>;

/** An intent event name. */
export type IntentEvent = keyof typeof INTENTS;

/** True when `event` is an intent. */
export function isIntentEvent(event: string): event is IntentEvent {
  return Object.hasOwn(INTENTS, event);
}

/** The room a sender of `event` must be in, from its (validated) payload; undefined when none. */
export function intentRoom<E extends IntentEvent>(event: E, payload: ClientPayload<E>): RoomName | undefined {
  const kind = INTENTS[event];
  if (kind === 'room') return rooms.room((payload as { roomId: string }).roomId);
  if (kind === 'match') return rooms.match((payload as { matchId: string }).matchId);
  return undefined;
}

/** Who sent an intent, stamped by the socket service (never taken from the payload). */
export interface IntentSender {
  userId: UserId;
  username: string;
  socketId: string;
  nodeId: string;
}

/** One intent as a backend consumes it. */
export interface IntentEntry<E extends IntentEvent = IntentEvent> {
  /** The stream entry id (also the client's ack `data.id`). */
  id: string;
  event: E;
  payload: ClientPayload<E>;
  sender: IntentSender;
  /** When the socket service accepted it, epoch ms. */
  timestamp: number;
}

/** Any intent entry, discriminated by `event` (switch on it to narrow `payload`). */
export type AnyIntentEntry = { [E in IntentEvent]: IntentEntry<E> }[IntentEvent];

/** The domain of an intent, which names its stream (`intentStream`): the part of the event name before `:`. */
export type IntentDomain = 'room' | 'match';

/** The domain of an intent event (`room:create` -> `room`). */
export function intentDomain(event: IntentEvent): IntentDomain {
  return domainOf(event) as IntentDomain;
}
