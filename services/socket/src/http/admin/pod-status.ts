import type { LobbyStats } from '@gamesocket/protocol';
import type { GameServer } from '../../core/socket-types.js';

/** What this pod's status is read from. */
export interface PodStatusSources {
  io: GameServer;
  nodeId: string;
  adapterMode: string;
  redisUp(): boolean;
  draining(): boolean;
  /** The cluster-wide counters. */
  stats(): Promise<LobbyStats>;
}

/**
 * This pod's status as `/admin/status.json` and the overview's "This pod" table show it: node id,
 * adapter mode, Redis and drain state, local sockets and rooms, cluster counters, uptime, RSS.
 */
export async function podStatus(sources: PodStatusSources): Promise<Record<string, unknown>> {
  const namespace = sources.io.of('/');
  let presence: LobbyStats | 'unavailable';
  try {
    presence = await sources.stats();
  } catch {
    presence = 'unavailable';
  }
  return {
    nodeId: sources.nodeId,
    adapter: sources.adapterMode,
    redisUp: sources.redisUp(),
    draining: sources.draining(),
    localSockets: namespace.sockets.size,
    localRooms: namespace.adapter.rooms.size,
    presence,
    uptimeSec: Math.round(process.uptime()),
    rssBytes: process.memoryUsage().rss,
  };
}
