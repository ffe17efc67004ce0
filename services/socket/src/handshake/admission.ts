import type { IncomingMessage } from 'node:http';
import { parseCookie } from 'cookie';
import type { ErrorCode } from '@gamesocket/protocol';
import type { VerificationGate } from '../auth/verification-gate.js';
import { TokenBucket, type TokenBucketRate } from '../core/token-bucket.js';
import { addressKey, clientAddress, normalizeAddress, type TrustedProxies } from './client-address.js';

/** Which limit refused a handshake (the `limit` label of `gamesocket_handshakes_refused_total`). */
export type AdmissionLimit = 'ip_handshake_rate' | 'ip_connections' | 'handshake_verification';

/** Why a new Engine.IO session was refused: a stable error code and the limit behind it. */
export interface Refusal {
  code: Extract<ErrorCode, 'RATE_LIMITED' | 'CONNECTION_LIMIT' | 'UNAVAILABLE'>;
  limit: AdmissionLimit;
  /** `CODE: explanation`, the body of the 403 (polling) / 400 (websocket) Engine.IO answers with. */
  message: string;
}

/** Options of `createAdmission`. */
export interface AdmissionOptions {
  maxConnectionsPerIp: number;
  handshakeRatePerIp: number;
  handshakeBurstPerIp: number;
  trusted: TrustedProxies;
  /**
   * The token verification cap; handshakes that carry `authCookie` are refused while it is saturated.
   * A token in the CONNECT payload (`auth.token`) cannot be seen here (Engine.IO's handshake comes
   * first): such a session is admitted like an anonymous one and meets the cap at its CONNECT.
   */
  gate: VerificationGate;
  authCookie: string;
  /**
   * Called once, the first time an X-Forwarded-For header arrives from a peer that is not a trusted
   * proxy (behind a load balancer that is a missing TRUSTED_PROXIES: every client shares its address).
   */
  onUntrustedForwardedFor?: (peer: string) => void;
  /**
   * Called with each malformed X-Forwarded-For entry from a trusted proxy: that client counts as the
   * proxy's own address (see `clientAddress`). Called for each one: the caller bounds its logging.
   */
  onMalformedForwardedFor?: (entry: string) => void;
  now?: () => number;
}

/** The part of an Engine.IO session admission uses. */
interface EngineSession {
  request: IncomingMessage;
  readyState: string;
  on(event: 'close', listener: (this: EngineSession) => void): unknown;
}

/** The minimal Engine.IO server surface admission listens to. */
interface EngineEvents {
  on(event: 'connection', listener: (conn: EngineSession) => void): unknown;
  on(event: 'connection_error', listener: (err: { req?: IncomingMessage }) => void): unknown;
}

/** Per-address admission of new Engine.IO sessions, run in `allowRequest` before any handshake work. */
export interface Admission {
  /**
   * Takes a token from the bucket of `req`'s address, or refuses it (`RATE_LIMITED`). Runs before every
   * other check, so every attempt counts, refused ones (a foreign Origin, a full address) too. O(1), no I/O.
   */
  rate(req: IncomingMessage): Refusal | undefined;
  /** Admits `req` (reserving a connection slot for its address) or says why not. O(1), no I/O. */
  check(req: IncomingMessage): Refusal | undefined;
  /** Ties reservations to the sessions Engine.IO creates (released when they close). */
  attach(engine: EngineEvents): void;
}

// Buckets of addresses seen; past this, refilled ones are forgotten (they would allow a full burst anyway).
const MAX_TRACKED_ADDRESSES = 100_000;

const refusal = (code: Refusal['code'], limit: AdmissionLimit, why: string): Refusal => ({
  code,
  limit,
  message: `${code}: ${why}`,
});

/**
 * Creates the admission: per client address (see `clientAddress`, `addressKey`) a token bucket of
 * handshake attempts and a cap on concurrent sessions; globally, refusal while token verification is saturated.
 */
export function createAdmission(options: AdmissionOptions): Admission {
  const { maxConnectionsPerIp, handshakeRatePerIp, handshakeBurstPerIp, trusted, gate } = options;
  const now = options.now ?? Date.now;
  const cookiePrefix = `${options.authCookie}=`;
  const rate: TokenBucketRate = { perSec: handshakeRatePerIp, burst: handshakeBurstPerIp, now };
  const buckets = new Map<string, TokenBucket>();
  const open = new Map<string, number>();
  // Admitted handshakes not yet bound to a session, by request.
  const pending = new WeakMap<IncomingMessage, { key: string; released: boolean }>();
  // Upgrade requests' network sockets -> their request, while not yet bound to a session.
  const upgrading = new WeakMap<object, IncomingMessage>();
  // Sessions -> their address key, released when the session closes.
  const sessions = new WeakMap<object, string>();

  const release = (key: string): void => {
    const left = (open.get(key) ?? 1) - 1;
    if (left <= 0) open.delete(key);
    else open.set(key, left);
  };
  const releasePending = (req: IncomingMessage): void => {
    const slot = pending.get(req);
    if (slot === undefined || slot.released) return;
    slot.released = true;
    pending.delete(req);
    release(slot.key);
  };

  // Shared close listeners (called with the closing socket or session as `this`): no closure per connection.
  function onUpgradeSocketClose(this: object): void {
    const req = upgrading.get(this);
    if (req === undefined) return;
    upgrading.delete(this);
    releasePending(req);
  }
  function onSessionClose(this: EngineSession): void {
    const key = sessions.get(this);
    if (key === undefined) return;
    sessions.delete(this);
    release(key);
  }

  const forgetRefilled = (): void => {
    const at = now();
    for (const [key, bucket] of buckets) {
      if (bucket.isFull(at)) buckets.delete(key);
    }
    // Still too many (a flood from very many addresses): drop the oldest, which only forgives them.
    for (const key of buckets.keys()) {
      if (buckets.size <= MAX_TRACKED_ADDRESSES / 2) break;
      buckets.delete(key);
    }
  };

  const takeToken = (key: string): boolean => {
    let bucket = buckets.get(key);
    if (bucket === undefined) {
      if (buckets.size >= MAX_TRACKED_ADDRESSES) forgetRefilled();
      bucket = new TokenBucket(rate);
      buckets.set(key, bucket);
    }
    return bucket.take();
  };

  // Parsed, not searched: `xaccessToken=` or a value containing the name is not the auth cookie.
  const carriesToken = (req: IncomingMessage): boolean => {
    const cookie = req.headers.cookie;
    return (
      cookie !== undefined && cookie.includes(cookiePrefix) && parseCookie(cookie)[options.authCookie] !== undefined
    );
  };

  let warned = options.onUntrustedForwardedFor === undefined;
  const noticeUntrusted = (req: IncomingMessage): void => {
    if (warned || req.headers['x-forwarded-for'] === undefined) return;
    const peer = normalizeAddress(req.socket.remoteAddress ?? '');
    if (trusted.has(peer)) return;
    warned = true;
    options.onUntrustedForwardedFor?.(peer);
  };

  // The address key of each request, computed once for both stages.
  const keys = new WeakMap<IncomingMessage, string>();
  const keyOf = (req: IncomingMessage): string => {
    let key = keys.get(req);
    if (key === undefined) {
      noticeUntrusted(req);
      key = addressKey(clientAddress(req, trusted, options.onMalformedForwardedFor));
      keys.set(req, key);
    }
    return key;
  };

  return {
    rate(req) {
      if (takeToken(keyOf(req))) return undefined;
      return refusal('RATE_LIMITED', 'ip_handshake_rate', 'too many handshakes from this address');
    },
    check(req) {
      const key = keyOf(req);
      if ((open.get(key) ?? 0) >= maxConnectionsPerIp) {
        return refusal('CONNECTION_LIMIT', 'ip_connections', 'too many connections from this address');
      }
      if (carriesToken(req) && gate.saturated()) {
        return refusal('UNAVAILABLE', 'handshake_verification', 'too many handshakes in progress, retry later');
      }
      open.set(key, (open.get(key) ?? 0) + 1);
      pending.set(req, { key, released: false });
      // An upgrade ws rejects on its own (bad headers) creates no session and no error event: its socket closes.
      if (req.headers.upgrade !== undefined) {
        upgrading.set(req.socket, req);
        req.socket.on('close', onUpgradeSocketClose);
      }
      return undefined;
    },
    attach(engine) {
      engine.on('connection', (conn) => {
        const slot = pending.get(conn.request);
        if (slot === undefined || slot.released) return;
        slot.released = true;
        pending.delete(conn.request);
        // Bound to a session now: its close releases the slot, not the upgrade socket's.
        const socket = conn.request.socket as IncomingMessage['socket'] | null;
        if (socket !== null && upgrading.delete(socket)) socket.off('close', onUpgradeSocketClose);
        if (conn.readyState === 'closed') release(slot.key);
        else {
          sessions.set(conn, slot.key);
          conn.on('close', onSessionClose);
        }
      });
      engine.on('connection_error', (err) => {
        if (err.req !== undefined) releasePending(err.req);
      });
    },
  };
}
