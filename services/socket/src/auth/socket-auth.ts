import type { IncomingMessage } from 'node:http';
import { parseCookie } from 'cookie';
import type { AuthState, User } from '@gamesocket/protocol';
import type { DenyList } from '@gamesocket/presence';
import type { Logger } from '../core/logger.js';
import type { GameSocket } from '../core/socket-types.js';
import type { VerificationGate } from './verification-gate.js';
import type { TokenVerifier } from './token-verifier.js';

/** Who a handshake request is: a user with their token's `exp`, or anonymous and why. */
export interface Identity {
  auth: AuthState;
  user: User | null;
  tokenExp: number | undefined;
}

/** Options of `createAuthenticator`. */
export interface AuthenticatorOptions {
  verifier: TokenVerifier;
  cookieName: string;
  log: Logger;
  /** Revoked users and token ids; checked for every valid token. */
  denyList: DenyList;
  /** False while the deny-list's store is known to be down: the check is skipped, not awaited. */
  denyListUp?: () => boolean;
  /** Caps the verifications in flight (see `createVerificationGate`); default: no cap. */
  gate?: VerificationGate;
}

/** Authenticates a handshake request; the result is computed once per request and cached. */
export type Authenticator = (request: IncomingMessage) => Promise<Identity>;

const ANONYMOUS: Identity = { auth: 'anonymous', user: null, tokenExp: undefined };

/**
 * Reads the access token from the request's cookie, verifies it and checks the deny-list. A
 * missing, expired, invalid or revoked token gives an anonymous identity (never an error).
 */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const { verifier, cookieName, log, denyList, denyListUp = () => true } = options;
  const gated = <T>(run: () => Promise<T>): Promise<T> => (options.gate === undefined ? run() : options.gate.run(run));
  const cache = new WeakMap<IncomingMessage, Promise<Identity>>();

  // Fail open while the deny-list is unreachable: revocation also disconnects live sockets.
  const isDenied = async (userId: string, jti: string | undefined): Promise<boolean> => {
    if (!denyListUp()) return false;
    try {
      return await denyList.isDenied(userId, jti);
    } catch (err) {
      log.warn({ err }, 'deny-list unavailable; token accepted');
      return false;
    }
  };

  const identify = async (request: IncomingMessage): Promise<Identity> => {
    try {
      const header = request.headers.cookie;
      const token = header === undefined ? undefined : parseCookie(header)[cookieName];
      if (token === undefined || token === '') return ANONYMOUS;
      return await gated(async (): Promise<Identity> => {
        const result = await verifier.verify(token);
        if (result.auth !== 'ok') {
          log.debug({ reason: result.reason }, 'handshake token rejected');
          return { auth: result.auth, user: null, tokenExp: undefined };
        }
        if (await isDenied(result.user.userId, result.jti)) {
          log.info({ userId: result.user.userId }, 'handshake token revoked');
          return { auth: 'invalid', user: null, tokenExp: undefined };
        }
        return { auth: 'ok', user: result.user, tokenExp: result.exp };
      });
    } catch (err) {
      // A verifier failure (e.g. JWKS unreachable) must not refuse the public lobby.
      log.warn({ err }, 'handshake token verification failed');
      return { auth: 'invalid', user: null, tokenExp: undefined };
    }
  };

  return (request) => {
    let identity = cache.get(request);
    if (identity === undefined) cache.set(request, (identity = identify(request)));
    return identity;
  };
}

/**
 * Socket.IO middleware: sets `socket.data.{user, auth, tokenExp}` from the handshake. A missing,
 * expired or invalid token still connects, as anonymous, so the lobby stays public;
 * `system:connected.auth` tells the client why.
 */
export function socketAuthMiddleware(authenticate: Authenticator, onResult?: (auth: AuthState) => void) {
  return async (socket: GameSocket, next: (err?: Error) => void): Promise<void> => {
    const { auth, user, tokenExp } = await authenticate(socket.request);
    socket.data.user = user;
    socket.data.auth = auth;
    socket.data.tokenExp = tokenExp;
    onResult?.(auth);
    next();
  };
}
