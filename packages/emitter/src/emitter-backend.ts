import type { DenyList, MembershipActions, Memberships, Presence } from '@gamesocket/presence';
import type { ConsumeOptions, IntentConsumer, IntentHandler } from './intent-consumer.js';
import type { LifecycleConsumeOptions, LifecycleConsumer, LifecycleHandler } from './lifecycle-consumer.js';
import type { ClusterTransport } from './transport.js';

/**
 * Where a `GameEmitter` reaches the socket service's cluster state: Redis, shared with every pod (`createEmitter`),
 * or the state of one socket service node in this process (`createMemoryEmitter`). The emitter's contract sits
 * above it, the same for both.
 */
export interface EmitterBackend {
  /** Why calls cannot be carried out now (e.g. Redis is not connected); undefined when they can. */
  unavailable(): string | undefined;
  /** Broadcasts and room moves, as the pods' adapters apply them. */
  transport: ClusterTransport;
  presence: Pick<Presence, 'get' | 'getMany' | 'stats' | 'setStatus'>;
  memberships: Pick<Memberships, 'members' | 'roomsOf'>;
  /** Membership changes: the store, then the sockets and the announcements. */
  actions: Pick<MembershipActions, 'join' | 'leave' | 'close' | 'revoke'>;
  denyList: Pick<DenyList, 'deny'>;
  consumeIntents(options: ConsumeOptions, handler: IntentHandler): Promise<IntentConsumer>;
  consumeLifecycle(options: LifecycleConsumeOptions, handler: LifecycleHandler): Promise<LifecycleConsumer>;
  /** Releases what the backend owns (e.g. a Redis client made from URLs). */
  close(): Promise<void>;
}
