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
export { INTENTS, isIntentEvent, intentRoom, intentDomain } from './intents.js';
export type { AnyIntentEntry, IntentEvent, IntentEntry, IntentSender, IntentDomain } from './intents.js';
export { INTENT_FIELDS, IntentDecodeError, encodeIntentFields, decodeIntentEntry } from './intent-codec.js';
export type { IntentRecord } from './intent-codec.js';
export {
  KEY_PREFIX,
  ADAPTER_CHANNEL_PREFIX,
  ADAPTER_STREAM,
  DEFAULT_ADAPTER_STREAM_MAX_LEN,
  DEFAULT_INTENT_STREAM_MAX_LEN,
  intentStream,
  sessionOwnerKey,
  presenceKeys,
  shardOf,
  DEFAULT_PRESENCE_SHARDS,
} from './redis-keys.js';
export type { DenyTarget } from './redis-keys.js';
export { TRACE_CONTEXT_FLAG } from './trace-context.js';
export type { TraceContextCarrier } from './trace-context.js';
export {
  USERNAME_MAX_LENGTH,
  ROLE_MAX_LENGTH,
  DEFAULT_ROLE,
  DEFAULT_ROOM_TICKET_TTL_SEC,
  ROOM_TICKET_TYPE,
  ROOM_TICKET_AUDIENCE,
  userFromClaims,
  roomTicketClaims,
  isRoomTicket,
  isRoomTicketType,
  roomTicketAdmits,
} from './identity.js';
export type { Claims, RoomTicketClaims } from './identity.js';
export {
  LIFECYCLE_EVENTS,
  LIFECYCLE_FIELDS,
  MEMBERSHIP_END_REASONS,
  DEFAULT_LIFECYCLE_STREAM_MAX_LEN,
  LifecycleDecodeError,
  isLifecycleEvent,
  encodeLifecycleFields,
  decodeLifecycleEntry,
} from './lifecycle.js';
export type { LifecycleEvent, LifecycleData, LifecycleEntry, MembershipEndReason } from './lifecycle.js';
export * from './server-schemas.js';
export { CLIENT_EVENT_CONTRACTS, SERVER_EVENT_CONTRACTS, COMMON_EVENT_ERRORS, errorsOf } from './event-contracts.js';
export type { ClientEventContract, ServerEventContract, EventAudience, Sender } from './event-contracts.js';
export { toJsonSchema } from './json-schema.js';
export type { JsonSchema } from './json-schema.js';
export { asyncApiDocument, ASYNCAPI_DOCUMENT_VERSION } from './asyncapi.js';
