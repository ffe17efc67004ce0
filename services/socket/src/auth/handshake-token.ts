import type { IncomingMessage } from 'node:http';
import { parseCookie } from 'cookie';

/** Longest access token read from a CONNECT payload's `auth.token`; a longer one counts as no token. */
export const MAX_AUTH_TOKEN_LENGTH = 8192;

/**
 * The access token a handshake presents: the `cookieName` cookie of the Engine.IO handshake request,
 * else `token` of the Socket.IO CONNECT payload (`io(url, { auth: { token } })`, for clients without a
 * cookie jar). An empty cookie counts as none. A payload that is not a plain object, a token that is not
 * a non-empty string, or one over `MAX_AUTH_TOKEN_LENGTH` characters, counts as no token. No request (a
 * connected socket's is released, see `releaseHandshake`) means no cookie.
 */
export function handshakeToken(
  request: IncomingMessage | undefined,
  auth: unknown,
  cookieName: string,
): string | undefined {
  const header = request?.headers.cookie;
  const cookie = header === undefined ? undefined : parseCookie(header)[cookieName];
  if (cookie !== undefined && cookie !== '') return cookie;
  if (typeof auth !== 'object' || auth === null || Array.isArray(auth) || !Object.hasOwn(auth, 'token')) {
    return undefined;
  }
  const token: unknown = (auth as { token: unknown }).token;
  if (typeof token !== 'string' || token === '' || token.length > MAX_AUTH_TOKEN_LENGTH) return undefined;
  return token;
}
