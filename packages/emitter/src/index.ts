export { BroadcastOperator, GameEmitter, createEmitter } from './emitter.js';
export type { EmitterMode, EmitterOptions, PresenceReader, UserRooms } from './emitter.js';
export { EmitterError } from './errors.js';
export type { EmitterErrorCode } from './errors.js';
export type { RedisClient } from './transport.js';
