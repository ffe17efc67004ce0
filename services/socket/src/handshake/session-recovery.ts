import { KEY_PREFIX, sessionOwnerKey } from '@gamesocket/protocol';
import type { Authenticator } from '../auth/socket-auth.js';
import type { RedisClient } from '../cluster/redis-clients.js';
import { sessionPid, wrapCreateSocket } from '../core/internals.js';
import type { Logger } from '../core/logger.js';
import type { GameServer, GameSocket } from '../core/socket-types.js';

/** Who owned each recoverable session (by its private id `pid`): a user id, or '' for anonymous. */
export interface SessionOwners {
  set(pid: string, owner: string, ttlMs: number): Promise<void>;
  get(pid: string): Promise<string | undefined>;
}

/** Session owners in this process (memory mode). */
export function memorySessionOwners(now: () => number = Date.now): SessionOwners {
  const owners = new Map<string, { owner: string; until: number }>();
  return {
    async set(pid, owner, ttlMs) {
      const at = now();
      // Entries are kept in insertion order and share one TTL: the expired ones are at the front.
      for (const [key, entry] of owners) {
        if (entry.until > at) break;
        owners.delete(key);
      }
      owners.delete(pid);
      owners.set(pid, { owner, until: at + ttlMs });
    },
    async get(pid) {
      const entry = owners.get(pid);
      return entry !== undefined && entry.until > now() ? entry.owner : undefined;
    },
  };
}

/** Session owners in Redis (`gamesocket:session-owner:<pid>`, `sessionOwnerKey`), for recovery on another pod. */
export function redisSessionOwners(redis: RedisClient, prefix = KEY_PREFIX): SessionOwners {
  return {
    async set(pid, owner, ttlMs) {
      await redis.set(sessionOwnerKey(pid, prefix), owner, 'PX', ttlMs);
    },
    async get(pid) {
      // While Redis is down the stream cannot replay anyway: answer at once, no recovery.
      if (redis.status !== 'ready') return undefined;
      return (await redis.get(sessionOwnerKey(pid, prefix))) ?? undefined;
    },
  };
}

/**
 * Connection state recovery without leaking across identities. Socket.IO restores a session's
 * rooms and replays its missed packets while it creates the socket — before any middleware runs —
 * so re-running auth afterwards would be too late. This guard authenticates the handshake first
 * and lets the session be restored only when the request's identity is the session's owner
 * (recorded when the socket disconnected); otherwise the client gets a fresh socket and
 * `system:connected.recovered: false`, and must resync.
 */
export function guardRecovery(
  io: GameServer,
  deps: { authenticate: Authenticator; owners: SessionOwners; windowMs: number; log: Logger },
): void {
  const { authenticate, owners, windowMs, log } = deps;
  // Socket.IO has no public hook before restoreSession: wrap the namespace's socket factory.
  wrapCreateSocket(io.of('/'), (createSocket) => async (client, auth) => {
    if (typeof auth.pid !== 'string') return createSocket(client, auth);
    const [owner, identity] = await Promise.all([
      owners.get(auth.pid).catch(() => undefined),
      authenticate(client.request),
    ]);
    if (owner !== undefined && owner === (identity.user?.userId ?? '')) return createSocket(client, auth);
    log.debug({ known: owner !== undefined }, 'recovery refused: the session belongs to another identity');
    const fresh = { ...auth };
    delete fresh.pid;
    delete fresh.offset;
    return createSocket(client, fresh);
  });

  io.on('connection', (socket: GameSocket) => {
    socket.once('disconnecting', () => {
      const pid = sessionPid(socket);
      if (pid === undefined) return;
      owners.set(pid, socket.data.user?.userId ?? '', windowMs).catch((err: unknown) => {
        log.debug({ err }, 'session owner not recorded: this session will not recover');
      });
    });
  });
}
