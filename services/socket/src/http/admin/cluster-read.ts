import type { LobbyStats, RoomName, UserPresence } from '@gamesocket/protocol';
import { REFRESH_MS } from './assets.js';
import type {
  Memberships,
  NodeStatus,
  OnlineUsers,
  Presence,
  RoomMember,
  RoomSummary,
  SocketLocation,
} from '@gamesocket/presence';

/** Users listed at most on the overview (the rest are counted; search narrows the list). */
export const USERS_SHOWN = 50;
/** Rooms listed at most on the overview, each with its members. */
export const ROOMS_SHOWN = 25;
/** Members named at most per room on the overview (the rest are counted). */
export const MEMBERS_SHOWN = 20;

/** What the admin view reads the cluster's state from: the stores every pod shares. */
export interface ClusterSources {
  presence: Presence;
  memberships: Memberships;
  /** The cluster-wide counters (cached for a second per pod). */
  stats(): Promise<LobbyStats>;
}

/** A part of the view, or why it could not be read (Redis down). */
export type Part<T> = { ok: true; value: T } | { ok: false; error: string };

/** A room on the overview: its first members by user id, and how many it has. */
export interface RoomView extends RoomSummary {
  shown: RoomMember[];
}

/** The overview: pods, online users and rooms, cluster-wide. */
export interface ClusterView {
  search: string;
  stats: Part<LobbyStats>;
  pods: Part<NodeStatus[]>;
  users: Part<OnlineUsers>;
  rooms: Part<{ rooms: RoomView[]; matched: number }>;
}

/** One user: presence, sockets and memberships. */
export interface UserView {
  userId: string;
  presence: Part<UserPresence>;
  sockets: Part<SocketLocation[]>;
  rooms: Part<RoomName[]>;
}

async function part<T>(read: () => Promise<T>): Promise<Part<T>> {
  try {
    return { ok: true, value: await read() };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/** Reads the overview; `search` narrows the users and rooms listed (by id, case-insensitive). */
export async function readCluster(sources: ClusterSources, search: string): Promise<ClusterView> {
  const [stats, pods, users, rooms] = await Promise.all([
    part(() => sources.stats()),
    part(() => sources.presence.nodes()),
    part(() => sources.presence.onlineUsers({ limit: USERS_SHOWN, search })),
    part(async () => {
      const listing = await sources.memberships.rooms({ limit: ROOMS_SHOWN, search });
      const withMembers = await Promise.all(
        listing.rooms.map(async (summary) => {
          const members = await sources.memberships.members(summary.room);
          return { room: summary.room, members: members.length, shown: members.slice(0, MEMBERS_SHOWN) };
        }),
      );
      return { rooms: withMembers, matched: listing.matched };
    }),
  ]);
  return { search, stats, pods, users, rooms };
}

/** How long a pod reuses an overview read for the refresh script: a little less than its period. */
export const OVERVIEW_REUSE_MS = REFRESH_MS - 500;
/** Distinct searches whose overview is kept (the oldest goes first). */
const OVERVIEW_SEARCHES_KEPT = 32;

/**
 * `readCluster` that reuses a read for `reuseMs`: the rooms listing SCANs every Redis master and the users
 * listing reads every pod's socket sets, so however many open tabs refresh the overview, a pod reads the cluster
 * at most once per period and search.
 */
export function cachedClusterReads(
  sources: ClusterSources,
  reuseMs = OVERVIEW_REUSE_MS,
  now: () => number = Date.now,
): (search: string) => Promise<ClusterView> {
  const reads = new Map<string, { at: number; view: Promise<ClusterView> }>();
  return (search) => {
    const kept = reads.get(search);
    if (kept !== undefined && now() - kept.at < reuseMs) return kept.view;
    reads.delete(search);
    if (reads.size >= OVERVIEW_SEARCHES_KEPT) reads.delete(reads.keys().next().value ?? search);
    const view = readCluster(sources, search);
    reads.set(search, { at: now(), view });
    return view;
  };
}

/** Reads one user's page. */
export async function readUser(sources: ClusterSources, userId: string): Promise<UserView> {
  const [presence, sockets, rooms] = await Promise.all([
    part(() => sources.presence.get(userId)),
    part(() => sources.presence.userSockets(userId)),
    part(async () => (await sources.memberships.roomsOf(userId)).sort()),
  ]);
  return { userId, presence, sockets, rooms };
}
