import type { IncomingMessage } from 'node:http';
import type { AuthState, User } from '@gamesocket/protocol';
import type { DenyList } from '@gamesocket/presence';
import { ServiceError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { GameSocket } from '../core/socket-types.js';
import { handshakeToken } from './handshake-token.js';
import type { VerificationGate } from './verification-gate.js';
import type { TokenVerifier } from './token-verifier.js';

/** Who a handshake request is: a user with their token's `exp`, or anonymous and why. */
export interface Identity {
  auth: AuthState;
  user: User | null;
  tokenExp: number | undefined;
  /** The token's `jti`, when it has one. */
  jti?: string | undefined;
  /** Set when the handshake must be refused before anything was verified (the verification queue is full). */
  refusal?: ServiceError;
}

/** Options of `createAuthenticator`. */
export interface AuthenticatorOptions {
  verifier: TokenVerifier;
  cookieName: string;
  log: Logger;
  /** Caps the verifications in flight (see `createVerificationGate`); default: no cap. */
  gate?: VerificationGate;
}

/**
 * Authenticates a handshake: its Engine.IO request (the cookie) and its Socket.IO CONNECT payload
 * (`auth.token`). The result is computed once per connection and token, and cached: the recovery
 * guard and the middleware of one CONNECT share one verification.
 */
export interface Authenticator {
  (request: IncomingMessage | undefined, auth: unknown): Promise<Identity>;
  /** Drops the connection's cached result (the socket is connected, or refused: a retry verifies again). */
  forget(request: IncomingMessage | undefined): void;
}

const ANONYMOUS: Identity = { auth: 'anonymous', user: null, tokenExp: undefined };

/**
 * Reads the access token (the cookie, else `auth.token`: see `handshakeToken`) and verifies it. A
 * missing, expired or invalid token gives an anonymous identity (never an error). The deny-list is
 * checked later, in the presence handshake's one Redis call (`checkDenied` for the other callers).
 */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const { verifier, cookieName, log } = options;
  const gated = <T>(run: () => Promise<T>): Promise<T> => (options.gate === undefined ? run() : options.gate.run(run));
  // One entry per connection (its Engine.IO request): a later CONNECT on it with another token replaces it.
  const cache = new WeakMap<IncomingMessage, { token: string | undefined; identity: Promise<Identity> }>();

  const identify = async (token: string | undefined): Promise<Identity> => {
    try {
      if (token === undefined) return ANONYMOUS;
      return await gated(async (): Promise<Identity> => {
        const result = await verifier.verify(token);
        if (result.auth !== 'ok') {
          log.debug({ reason: result.reason }, 'handshake token rejected');
          return { auth: result.auth, user: null, tokenExp: undefined };
        }
        return { auth: 'ok', user: result.user, tokenExp: result.exp, jti: result.jti };
      });
    } catch (err) {
      if (err instanceof ServiceError) return { ...ANONYMOUS, refusal: err };
      // A verifier failure (e.g. JWKS unreachable) must not refuse the public lobby.
      log.warn({ err }, 'handshake token verification failed');
      return { auth: 'invalid', user: null, tokenExp: undefined };
    }
  };

  const authenticate = (request: IncomingMessage | undefined, auth: unknown): Promise<Identity> => {
    const token = handshakeToken(request, auth, cookieName);
    if (request === undefined) return identify(token);
    const cached = cache.get(request);
    if (cached !== undefined && cached.token === token) return cached.identity;
    const identity = identify(token);
    // Kept until the middleware reads it, a refusal too (the queue was full): the recovery guard and the middleware
    // of one CONNECT see the same answer, and the middleware's `forget` lets a later CONNECT try again.
    cache.set(request, { token, identity });
    return identity;
  };
  return Object.assign(authenticate, {
    forget(request: IncomingMessage | undefined): void {
      if (request !== undefined) cache.delete(request);
    },
  });
}

/**
 * Socket.IO middleware: sets `socket.data.{user, auth, tokenExp}` from the handshake. A missing,
 * expired or invalid token still connects, as anonymous, so the lobby stays public;
 * `system:connected.auth` tells the client why. A token that could not even wait for its
 * verification (the queue is full) is refused with `UNAVAILABLE`: the client retries later.
 */
export function socketAuthMiddleware(
  authenticate: Authenticator,
  onResult?: (auth: AuthState) => void,
  onRefused?: (refusal: ServiceError) => void,
) {
  return async (socket: GameSocket, next: (err?: Error) => void): Promise<void> => {
    const { auth, user, tokenExp, jti, refusal } = await authenticate(socket.request, socket.handshake.auth);
    // The recovery guard (earlier) and this middleware were the readers: a retried CONNECT verifies again (cached).
    authenticate.forget(socket.request);
    if (refusal !== undefined) {
      onRefused?.(refusal);
      next(refusal);
      return;
    }
    socket.data.user = user;
    socket.data.auth = auth;
    socket.data.tokenExp = tokenExp;
    socket.data.jti = jti;
    onResult?.(auth);
    next();
  };
}

/**
 * True when the deny-list names the user or the token. Fails open while the deny-list is
 * unreachable (`up` false or an error): a revocation also disconnects the live sockets.
 */
export async function checkDenied(
  denyList: DenyList,
  identity: Identity,
  options: { up: () => boolean; log: Logger },
): Promise<boolean> {
  if (identity.user === null || !options.up()) return false;
  try {
    return await denyList.isDenied(identity.user.userId, identity.jti);
  } catch (err) {
    options.log.warn({ err }, 'deny-list unavailable; token accepted');
    return false;
  }
}
