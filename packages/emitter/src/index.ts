export { BroadcastOperator, GameEmitter, RedisEmitter, createEmitter } from './emitter.js';
export type { EmitterMode, EmitterOptions, PresenceReader, UserRooms } from './emitter.js';
export { EmitterError } from './errors.js';
export type { EmitterErrorCode } from './errors.js';
export type { RedisClient } from './transport.js';
export { consumeIntents } from './intent-consumer.js';
export type { ConsumeOptions, IntentConsumer, IntentHandler } from './intent-consumer.js';
export { consumeLifecycle } from './lifecycle-consumer.js';
export type {
  LifecycleConsumeOptions,
  LifecycleConsumer,
  LifecycleFeedOptions,
  LifecycleHandler,
  LifecycleSource,
} from './lifecycle-consumer.js';
export type { ConsumerGroupOptions, StreamConsumer } from './stream-consumer.js';
export { createRoomTicket } from './room-tickets.js';
export type { RoomTicketOptions } from './room-tickets.js';
export type { EmitterBackend } from './emitter-backend.js';
export { createMemoryEmitter } from './memory-emitter.js';
export type { LocalNode } from './memory-emitter.js';
export type { LocalAdapter, LocalBroadcastOptions } from './local-transport.js';
