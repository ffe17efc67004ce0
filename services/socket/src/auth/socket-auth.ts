import { parseCookie } from 'cookie';
import type { AuthState } from '@gamesocket/protocol';
import type { DenyList } from '@gamesocket/presence';
import type { Logger } from '../logger.js';
import type { GameSocket } from '../socket/types.js';
import type { TokenVerifier } from './token-verifier.js';

/** Options of `socketAuthMiddleware`. */
export interface SocketAuthOptions {
  verifier: TokenVerifier;
  cookieName: string;
  log: Logger;
  /** Revoked users and token ids; checked for every valid token. */
  denyList: DenyList;
  /** Called once per handshake with its outcome (metrics). */
  onResult?: (auth: AuthState) => void;
}

// Fail open while the deny-list is unreachable: revocation also disconnects live sockets.
async function isDenied(denyList: DenyList, userId: string, jti: string | undefined, log: Logger): Promise<boolean> {
  try {
    return await denyList.isDenied(userId, jti);
  } catch (err) {
    log.warn({ err }, 'deny-list unavailable; token accepted');
    return false;
  }
}

/**
 * Socket.IO middleware: reads the access token from the handshake cookie and sets
 * `socket.data.{user, auth, tokenExp}`. A missing, expired or invalid token still connects,
 * as anonymous, so the lobby stays public; `system:connected.auth` tells the client why.
 */
export function socketAuthMiddleware(options: SocketAuthOptions) {
  const { verifier, cookieName, log, onResult, denyList } = options;
  return async (socket: GameSocket, next: (err?: Error) => void): Promise<void> => {
    socket.data.user = null;
    socket.data.tokenExp = undefined;
    let auth: AuthState = 'anonymous';
    try {
      const header = socket.handshake.headers.cookie;
      const token = header === undefined ? undefined : parseCookie(header)[cookieName];
      if (token !== undefined && token !== '') {
        const result = await verifier.verify(token);
        if (result.auth !== 'ok') {
          log.debug({ socketId: socket.id, reason: result.reason }, 'handshake token rejected');
          auth = result.auth;
        } else if (await isDenied(denyList, result.user.userId, result.jti, log)) {
          log.info({ socketId: socket.id, userId: result.user.userId }, 'handshake token revoked');
          auth = 'invalid';
        } else {
          socket.data.user = result.user;
          socket.data.tokenExp = result.exp;
          auth = 'ok';
        }
      }
    } catch (err) {
      // A verifier failure (e.g. JWKS unreachable) must not refuse the public lobby.
      log.warn({ err, socketId: socket.id }, 'handshake token verification failed');
      auth = 'invalid';
    }
    socket.data.auth = auth;
    onResult?.(auth);
    next();
  };
}
