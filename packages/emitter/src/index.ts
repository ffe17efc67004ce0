export { BroadcastOperator, GameEmitter, createEmitter } from './emitter.js';
export type { EmitterMode, EmitterOptions, UserRooms } from './emitter.js';
export { EmitterError } from './errors.js';
export type { EmitterErrorCode } from './errors.js';
export type { RedisClient } from './transport.js';
