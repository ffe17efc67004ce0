import { KEY_PREFIX, presenceKeys, type LifecycleEntry } from '@gamesocket/protocol';
import {
  MemoryStream,
  type DenyList,
  type MemoryIntents,
  type MemoryLifecycle,
  type MembershipActions,
  type Memberships,
  type Presence,
} from '@gamesocket/presence';
import { GameEmitter } from './emitter.js';
import type { LifecycleSource } from './lifecycle-consumer.js';
import { localTransport, type LocalAdapter } from './local-transport.js';

/**
 * One socket service node in `memory` mode, in this process (the socket service's `app.local`): what the Redis
 * modes share through Redis.
 */
export interface LocalNode {
  /** The default namespace's Socket.IO adapter. */
  adapter: LocalAdapter;
  presence: Presence;
  memberships: Memberships;
  /** The node's own membership actions, so a change here is the one its HTTP API would make. */
  actions: MembershipActions;
  denyList: DenyList;
  /** The client intents the node's sockets append. */
  intents: MemoryIntents;
  /** The node's presence and membership transitions. */
  lifecycle: MemoryLifecycle;
}

/** Lifecycle entries kept for consumer groups that start later (`startId: '0'`). */
const LIFECYCLE_MAX_LEN = 10_000;
/** A node has one feed; it is reported as the first presence shard's. */
const LIFECYCLE_SOURCE: LifecycleSource = {
  shard: 0,
  stream: presenceKeys.lifecycle(presenceKeys.shard(0, KEY_PREFIX)),
};

/**
 * A `GameEmitter` on a `memory` mode socket service node in the same process: emits, room moves and disconnects
 * go through the node's adapter, memberships through its own membership actions, presence and the deny list to its
 * stores; `consumeIntents` reads the node's in-process intent streams and `consumeLifecycle` its transitions from
 * the moment the emitter was created, both with the consumer-group semantics of the Redis consumers. What a backend
 * written against `createEmitter` runs on, unchanged, without Redis. `close()` stops the feed; the node stays up.
 */
export function createMemoryEmitter(node: LocalNode): GameEmitter {
  const lifecycle = new MemoryStream<LifecycleEntry>(LIFECYCLE_MAX_LEN);
  const unsubscribe = node.lifecycle.subscribe((entry) => lifecycle.append((id) => ({ ...entry, id })));
  return new GameEmitter({
    unavailable: () => undefined,
    transport: localTransport(node.adapter),
    presence: node.presence,
    memberships: node.memberships,
    actions: node.actions,
    denyList: node.denyList,
    consumeIntents: async (options, handler) => node.intents.consume(options, handler),
    consumeLifecycle: async ({ onError, ...options }, handler) =>
      lifecycle.consume(
        options,
        (entry) => handler(entry, LIFECYCLE_SOURCE),
        (err, entry) => onError?.(err, entry, LIFECYCLE_SOURCE),
      ),
    close: async () => {
      unsubscribe();
    },
  });
}
