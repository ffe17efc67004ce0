export {
  EVENTS,
  EVENT_NAMES,
  EVENT_NAME_PATTERN,
  VOLATILE_EVENTS,
  isEventName,
  isDomainActionName,
  isVolatileEvent,
  domainOf,
} from './events.js';
export type { Domain, EventName } from './events.js';
export { ERROR_CODES } from './errors.js';
export type { ErrorCode, ErrorBody } from './errors.js';
export { ackOk, ackError } from './ack.js';
export type { Ack, AckOk, AckError, AckCallback } from './ack.js';
export { LOBBY_ROOM, ROOM_PREFIXES, ROOM_ID_PATTERN, rooms, isRoomId, parseRoom } from './rooms.js';
export type { UserId, RoomName, RoomKind } from './rooms.js';
export * from './schemas.js';
export type * from './payloads.js';
export { SERVER_EVENT_NAMES, isPublishableEvent } from './event-maps.js';
export type {
  ClientToServerEvents,
  ServerToClientEvents,
  ServerEventName,
  ServerPayload,
  PublishableEvent,
} from './event-maps.js';
export { INTENTS, isIntentEvent, intentRoom, intentStream } from './intents.js';
export type { AnyIntentEntry, IntentEvent, IntentEntry, IntentSender, IntentDomain } from './intents.js';
