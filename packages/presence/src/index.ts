export type {
  AddResult,
  DenyCheck,
  NodeReport,
  NodeStatus,
  OnlineUser,
  OnlineUsers,
  OnlineUsersQuery,
  Presence,
  PresenceStats,
  RemoveResult,
  SocketEntry,
  SocketLocation,
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
export { MemoryMemberships } from './memory-memberships.js';
export type { MemoryMembershipsOptions, PresenceView } from './memory-memberships.js';
export { RedisMemberships } from './redis-memberships.js';
export type { RedisMembershipsOptions } from './redis-memberships.js';
export type { EndedMembership, Memberships, RoomListing, RoomMember, RoomSummary, RoomsQuery } from './memberships.js';
export { MemoryLifecycle } from './memory-lifecycle.js';
export type { LifecycleListener } from './memory-lifecycle.js';
export type { RedisStoreOptions } from './shard-layout.js';
export type { MemoryPresenceOptions } from './memory-presence.js';
export { MembershipActions, isMembershipRoom } from './membership-actions.js';
export type { MembershipSignals } from './membership-actions.js';
export type { Grant } from './memberships.js';
export { MemoryStream } from './memory-stream.js';
export type { MemoryConsumer, MemoryGroupOptions } from './memory-stream.js';
export { MemoryIntents } from './memory-intents.js';
export type { MemoryIntentConsumeOptions } from './memory-intents.js';
