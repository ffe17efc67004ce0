import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';

// The Lua scripts of RedisPresence live in ../lua (next to src and dist alike), one file each, read
// once here. Each declares every key it touches in KEYS; the keys of one call share one hash tag
// (the user's shard, or the node registry), so each script is atomic on Redis Cluster too.
const PRELUDE = readFileSync(new URL('../lua/lib/prelude.lua', import.meta.url), 'utf8');
// Every script starts with the prelude's helpers (Lua has no includes).
const lua = (url: URL): string => `${PRELUDE}\n${readFileSync(url, 'utf8')}`;

/**
 * The scripts, by the ioredis command each is defined as, with their fixed number of keys
 * (`undefined`: the caller passes the number of keys first, as with EVAL). The header of each
 * file documents its KEYS, ARGV and reply.
 */
const SCRIPTS = {
  gsPresenceAdd: { lua: lua(new URL('../lua/add-socket.lua', import.meta.url)), numberOfKeys: 12 },
  gsPresenceRemove: { lua: lua(new URL('../lua/remove-socket.lua', import.meta.url)), numberOfKeys: 9 },
  gsPresenceStatus: { lua: lua(new URL('../lua/set-status.lua', import.meta.url)), numberOfKeys: 2 },
  gsPresenceRead: { lua: lua(new URL('../lua/read-users.lua', import.meta.url)), numberOfKeys: undefined },
  gsWatch: { lua: lua(new URL('../lua/watch-users.lua', import.meta.url)), numberOfKeys: undefined },
  gsUnwatch: { lua: lua(new URL('../lua/unwatch-users.lua', import.meta.url)), numberOfKeys: undefined },
  gsPresenceReap: { lua: lua(new URL('../lua/reap-node-sockets.lua', import.meta.url)), numberOfKeys: undefined },
  gsPresenceUnlock: { lua: lua(new URL('../lua/release-lock.lua', import.meta.url)), numberOfKeys: 1 },
  gsNodeHeartbeat: { lua: lua(new URL('../lua/node-heartbeat.lua', import.meta.url)), numberOfKeys: 2 },
  gsNodesList: { lua: lua(new URL('../lua/nodes-list.lua', import.meta.url)), numberOfKeys: 2 },
  gsNodesAlive: { lua: lua(new URL('../lua/nodes-alive.lua', import.meta.url)), numberOfKeys: 1 },
  gsNodesDead: { lua: lua(new URL('../lua/nodes-dead.lua', import.meta.url)), numberOfKeys: 1 },
  gsMemberGrant: { lua: lua(new URL('../lua/grant-membership.lua', import.meta.url)), numberOfKeys: 6 },
  gsMemberEnd: { lua: lua(new URL('../lua/end-memberships.lua', import.meta.url)), numberOfKeys: undefined },
  gsRoomClose: { lua: lua(new URL('../lua/close-room.lua', import.meta.url)), numberOfKeys: undefined },
  gsMemberExpire: { lua: lua(new URL('../lua/expire-memberships.lua', import.meta.url)), numberOfKeys: undefined },
  gsMembersDue: { lua: lua(new URL('../lua/offline-members-due.lua', import.meta.url)), numberOfKeys: 1 },
  gsRoomCount: { lua: lua(new URL('../lua/room-count.lua', import.meta.url)), numberOfKeys: 2 },
} as const;

/** The name of one presence script. */
export type ScriptName = keyof typeof SCRIPTS;

/** Runs one script with its keys then its arguments (led by the number of keys when that is not fixed). */
export type ScriptRunner = (...args: (string | number)[]) => Promise<unknown>;

/**
 * Defines every presence script on `redis` (once per client: a client that already has them keeps
 * them) and returns a runner per script. ioredis runs each by EVALSHA and loads it on NOSCRIPT, so
 * a Redis restart or a failover to a replica without the script cache costs one retry.
 */
export function defineScripts(redis: Redis | Cluster): Record<ScriptName, ScriptRunner> {
  const commands = redis as unknown as Record<string, ScriptRunner | undefined>;
  const runner = (name: ScriptName): ScriptRunner => {
    if (typeof commands[name] !== 'function') redis.defineCommand(name, SCRIPTS[name]);
    const fn = commands[name] as ScriptRunner;
    return (...args) => fn.apply(redis, args);
  };
  return Object.fromEntries((Object.keys(SCRIPTS) as ScriptName[]).map((name) => [name, runner(name)])) as Record<
    ScriptName,
    ScriptRunner
  >;
}
