import { KEY_PREFIX, sessionOwnerKey, type RoomName } from '@gamesocket/protocol';
import { isMembershipRoom } from '@gamesocket/presence';
import type { Session } from 'socket.io-adapter';
import type { Authenticator, Identity } from '../auth/socket-auth.js';
import type { RedisClient } from '../cluster/redis-clients.js';
import { sessionPid, wrapCreateSocket, type CreateSocket as CreateSocketFn } from '../core/internals.js';
import type { Logger } from '../core/logger.js';
import type { GameServer, GameSocket } from '../core/socket-types.js';

/** Who owned each recoverable session (by its private id `pid`): a user id, or '' for anonymous. */
export interface SessionOwners {
  set(pid: string, owner: string, ttlMs: number): Promise<void>;
  /**
   * Reads and forgets the owner (undefined: none recorded): a session is restored at most once. Throws when the
   * store cannot answer.
   */
  take(pid: string): Promise<string | undefined>;
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
    async take(pid) {
      const entry = owners.get(pid);
      owners.delete(pid);
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
    async take(pid) {
      // While Redis is down the stream cannot replay anyway: fail at once, no recovery and no wait.
      if (redis.status !== 'ready') throw new Error('redis unavailable');
      return (await redis.getdel(sessionOwnerKey(pid, prefix))) ?? undefined;
    },
  };
}

/**
 * The memberships each session being restored may come back with (by `pid`), between the guard that
 * reads them and the adapter's restore that checks the session against them.
 */
export interface SessionAdmissions {
  /** Sets what the session of `pid` may hold while `run` creates its socket. */
  during<T>(pid: string, rooms: readonly RoomName[], run: () => Promise<T>): Promise<T>;
  /** True when every membership room of the restored session is still held: else it is not restored. */
  admit(session: Session): boolean;
}

/** The admissions of one pod. */
export function sessionAdmissions(): SessionAdmissions {
  const allowed = new Map<string, ReadonlySet<RoomName>>();
  return {
    async during(pid, rooms, run) {
      allowed.set(pid, new Set(rooms));
      try {
        return await run();
      } finally {
        allowed.delete(pid);
      }
    },
    admit(session) {
      const held = allowed.get(session.pid) ?? new Set<RoomName>();
      return session.rooms.every((room) => !isMembershipRoom(room) || held.has(room));
    },
  };
}

/**
 * The waits between looks for a session's owner record that is not there yet (300 ms in all). The pod that had
 * the socket records the owner when the socket's close reaches it; a client that reconnects at once (after a
 * drain, say) can reach this pod first when that pod is busy. Only a session that is really gone waits it all.
 */
export const OWNER_RECORD_RETRY_MS: readonly number[] = [20, 40, 80, 160];

/** Socket.IO's session ids (20 base64url characters), with room to spare: nothing else is looked up. */
const SESSION_ID = /^[\w-]{1,64}$/;

/** What the recovery guard needs. */
export interface RecoveryGuardDeps {
  authenticate: Authenticator;
  owners: SessionOwners;
  windowMs: number;
  log: Logger;
  /** True when the deny-list names the identity's user or token. */
  denied(identity: Identity): Promise<boolean>;
  /** The memberships a user holds now. */
  roomsOf(userId: string): Promise<RoomName[]>;
  admissions: SessionAdmissions;
}

/**
 * Connection state recovery without leaking across identities or past a kick. Socket.IO restores a
 * session's rooms and replays its missed packets while it creates the socket — before any
 * middleware runs — so checking afterwards would be too late. This guard authenticates the handshake
 * first and lets the session be restored only when the request's identity is the session's owner
 * (recorded when the socket disconnected, and forgotten when read: a session is restored at most
 * once), is not revoked, and still holds every membership room the session was in (else a kick
 * while away would be undone and the room's events since replayed). Otherwise the client gets a
 * fresh socket in its current memberships and `system:connected.recovered: false`, and resyncs.
 */
export function guardRecovery(io: GameServer, deps: RecoveryGuardDeps): void {
  const { authenticate, owners, windowMs, log } = deps;
  const fresh = (client: Parameters<CreateSocketFn>[0], auth: Record<string, unknown>, why: string) => {
    log.debug({ why }, 'recovery refused');
    const clean = { ...auth };
    delete clean.pid;
    delete clean.offset;
    return [client, clean] as const;
  };
  // The owner's user id ('' for anonymous), or why there is none. A store that cannot answer is not waited for.
  const lookUpOwner = async (
    pid: string,
    conn: { readyState: string },
  ): Promise<{ owner: string } | 'unknown session' | 'owner store unavailable' | 'client gone'> => {
    for (const delay of [0, ...OWNER_RECORD_RETRY_MS]) {
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      // The client left (while this waited, or its verification did): the record stays for its next attempt.
      if (conn.readyState !== 'open') return 'client gone';
      try {
        const owner = await owners.take(pid);
        if (owner !== undefined) return { owner };
      } catch {
        return 'owner store unavailable';
      }
    }
    return 'unknown session';
  };
  // Socket.IO has no public hook before restoreSession: wrap the namespace's socket factory.
  wrapCreateSocket(io.of('/'), (createSocket) => async (client, auth) => {
    const pid = auth.pid;
    // Socket.IO restores only with both: without them there is nothing to guard.
    if (typeof pid !== 'string' || typeof auth.offset !== 'string') return createSocket(client, auth);
    if (!SESSION_ID.test(pid)) return createSocket(...fresh(client, auth, 'malformed session id'));
    const identity = await authenticate(client.request, auth);
    // Refused before anything was verified (the verification queue is full): the middleware refuses the CONNECT,
    // and the session, left untaken, is still there for the client's retry.
    if (identity.refusal !== undefined) return createSocket(...fresh(client, auth, 'verification refused'));
    const found = await lookUpOwner(pid, client.conn);
    if (typeof found === 'string') return createSocket(...fresh(client, auth, found));
    if (found.owner !== (identity.user?.userId ?? '')) return createSocket(...fresh(client, auth, 'another identity'));
    const user = identity.user;
    if (user === null) return deps.admissions.during(pid, [], () => createSocket(client, auth));
    const [denied, rooms] = await Promise.all([
      deps.denied(identity),
      deps.roomsOf(user.userId).catch(() => undefined),
    ]);
    if (denied) return createSocket(...fresh(client, auth, 'revoked'));
    if (rooms === undefined) return createSocket(...fresh(client, auth, 'memberships unavailable'));
    return deps.admissions.during(pid, rooms, () => createSocket(client, auth));
  });

  io.on('connection', (socket: GameSocket) => {
    // On `disconnect`, after Socket.IO persisted the session through the same Redis client: whoever finds the
    // owner record finds the session.
    socket.once('disconnect', () => {
      const pid = sessionPid(socket);
      if (pid === undefined) return;
      owners.set(pid, socket.data.user?.userId ?? '', windowMs).catch((err: unknown) => {
        log.debug({ err }, 'session owner not recorded: this session will not recover');
      });
    });
  });
}
