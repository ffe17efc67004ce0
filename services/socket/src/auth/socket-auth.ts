import { parseCookie } from 'cookie';
import type { AuthState } from '@gamesocket/protocol';
import type { Logger } from '../logger.js';
import type { GameSocket } from '../socket/types.js';
import type { TokenVerifier } from './token-verifier.js';

/** Options of `socketAuthMiddleware`. */
export interface SocketAuthOptions {
  verifier: TokenVerifier;
  cookieName: string;
  log: Logger;
  /** Called once per handshake with its outcome (metrics). */
  onResult?: (auth: AuthState) => void;
}

/**
 * Socket.IO middleware: reads the access token from the handshake cookie and sets
 * `socket.data.{user, auth, tokenExp}`. A missing, expired or invalid token still connects,
 * as anonymous, so the lobby stays public; `system:connected.auth` tells the client why.
 */
export function socketAuthMiddleware(options: SocketAuthOptions) {
  const { verifier, cookieName, log, onResult } = options;
  return async (socket: GameSocket, next: (err?: Error) => void): Promise<void> => {
    socket.data.user = null;
    socket.data.tokenExp = undefined;
    let auth: AuthState = 'anonymous';
    try {
      const header = socket.handshake.headers.cookie;
      const token = header === undefined ? undefined : parseCookie(header)[cookieName];
      if (token !== undefined && token !== '') {
        const result = await verifier.verify(token);
        if (result.auth === 'ok') {
          socket.data.user = result.user;
          socket.data.tokenExp = result.exp;
        } else {
          log.debug({ socketId: socket.id, reason: result.reason }, 'handshake token rejected');
        }
        auth = result.auth;
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
