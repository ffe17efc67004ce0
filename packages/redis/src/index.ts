export { MAX_RETRIES_PER_REQUEST, closeClient, createRedisClient, reconnectDelayMs } from './redis-client.js';
export type { RedisClient, RedisClientOptions } from './redis-client.js';
