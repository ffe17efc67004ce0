import type { RoomName } from '@gamesocket/protocol';
import {
  isMembershipRoom,
  type Memberships,
  type Presence,
  type SocketEntry,
  type UserRef,
} from '@gamesocket/presence';
import type { Logger } from '../core/logger.js';
import type { Announcements } from './announcements.js';
import type { PodSockets } from './pod-sockets.js';
import type { WatchRegistry } from './watch-registry.js';

/** What a resync needs. */
export interface OutageResyncDeps {
  presence: Presence;
  memberships: Memberships;
  /** The rooms a socket of this pod is in (undefined once it is gone). */
  roomsOf(socketId: string): ReadonlySet<string> | undefined;
  nodeId: string;
  sockets: PodSockets;
  announce: Announcements;
  /** This pod's watcher registrations, registered again with its sockets. */
  watches: Pick<WatchRegistry, 'restore'>;
  log: Logger;
}

/**
 * The missed removals whose users the resync must still check: one entry per user (the last one
 * recorded), leaving out users the resync already announced offline.
 */
export function usersToRecheck(missed: readonly SocketEntry[], announcedOffline: readonly UserRef[]): SocketEntry[] {
  const announced = new Set(announcedOffline.map((user) => user.userId));
  return [...new Map(missed.map((entry) => [entry.userId, entry])).values()].filter(
    (entry) => !announced.has(entry.userId),
  );
}

/**
 * Makes the store's sockets of this pod equal its real ones (after an outage, or when Redis came
 * back empty, or this pod was reaped while alive), registers its watchers again, and announces the difference; then announces
 * `player:offline` for users whose sockets closed while the store was unreachable and who have
 * none left. Leaves the pod dirty when a socket came or went meanwhile. Rejects when the store does.
 */
export async function resyncPod(deps: OutageResyncDeps): Promise<void> {
  const { presence, sockets, announce } = deps;
  const { entries, version } = sockets.snapshot();
  // First: until a pod's watches are registered again, whoever announces the users they watch skips them.
  await deps.watches.restore();
  const result = await presence.syncNode(deps.nodeId, entries);
  // Memberships the store lost (Redis came back empty) come back from the rooms this pod's sockets are in.
  const restored = await deps.memberships.restore(heldMemberships(entries, deps.roomsOf), deps.nodeId);
  if (restored > 0) deps.log.info({ memberships: restored }, 'memberships restored');
  // A socket that came or went meanwhile may be stored wrongly: sync again on the next beat.
  sockets.synced(version);
  for (const user of result.online) announce.online(user);
  announce.offline(result.offline);
  // A socket that closed during the outage may have been its user's last one (even if Redis lost it).
  const candidates = usersToRecheck(sockets.takeMissedRemovals(), result.offline);
  const now = await presence.getMany(candidates.map((entry) => entry.userId));
  announce.offline(
    candidates
      .filter((_, i) => now[i]?.online === false)
      .map((entry) => ({ userId: entry.userId, username: entry.username ?? entry.userId })),
  );
  if (result.online.length + result.offline.length > 0) {
    deps.log.info({ online: result.online.length, offline: result.offline.length }, 'presence resynced');
  }
}

/** The memberships this pod's sockets hold, per user. */
export function heldMemberships(
  entries: readonly SocketEntry[],
  roomsOf: (socketId: string) => ReadonlySet<string> | undefined,
): (UserRef & { rooms: RoomName[] })[] {
  const users = new Map<string, UserRef & { rooms: Set<RoomName> }>();
  for (const entry of entries) {
    for (const room of roomsOf(entry.socketId) ?? []) {
      if (!isMembershipRoom(room)) continue;
      let user = users.get(entry.userId);
      if (user === undefined) {
        user = { userId: entry.userId, username: entry.username ?? entry.userId, rooms: new Set() };
        users.set(entry.userId, user);
      }
      user.rooms.add(room);
    }
  }
  return [...users.values()].map((user) => ({ ...user, rooms: [...user.rooms] }));
}
