export type {
  AddResult,
  Presence,
  PresenceStats,
  RemoveResult,
  SocketEntry,
  StatusResult,
  SyncResult,
  UserPresence,
  UserRef,
} from './presence.js';
export { MemoryPresence } from './memory-presence.js';
export { RedisPresence } from './redis-presence.js';
export type { RedisClient, RedisPresenceOptions } from './redis-presence.js';
export { MemoryDenyList, RedisDenyList } from './deny-list.js';
export type { DenyList, DenyTarget, MemoryDenyListOptions } from './deny-list.js';
